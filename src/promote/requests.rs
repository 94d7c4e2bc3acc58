//! The two-person rule against the registries: asking for a promotion (a request artifact next
//! to the candidate), finding requests and their reviews (a repository's manifests listing shows
//! each request by its config media type; the referrers API its reviews), reviewing one, and
//! running an approved one through the usual promotion (plan, import by digest, verify, lock).
//! Every step is written to the operator's audit trail before it is sent and read back after.

use super::ResolvedStage;
use super::approval::{
    self, Decision, Found, Judgement, Person, REQUEST_TYPE, REVIEW_TYPE, Request, Review, Validation,
};
use crate::acr::model::RunStatus;
use crate::acr::paging::collect;
use crate::acr::{Acr, RegistryClient, RunFilter};
use crate::audit::{AuditTrail, Operator, Record};
use chrono::{DateTime, Utc};
use futures::StreamExt;

/// Repositories whose manifests are listed at once when looking for requests.
const LISTINGS_AT_ONCE: usize = 8;

/// Who is signed in, as the two-person rule counts people.
pub async fn me(acr: &Acr) -> Result<(Person, Operator), String> {
    let id = acr
        .identity()
        .await
        .map_err(|e| format!("cannot tell who is signed in: {e}"))?;
    let object_id = id
        .object_id
        .clone()
        .ok_or_else(|| "the signed-in identity has no Entra object id: the two-person rule needs one".to_string())?;
    Ok((
        Person {
            object_id,
            name: id.principal.clone(),
        },
        Operator::from(&id),
    ))
}

/// Where requests into stage `target` are kept: the configured registry (a stage's name or a
/// login server), else the source stage's.
fn store_of(stages: &[ResolvedStage], source: usize, target: usize) -> Option<String> {
    let from = stages.get(source)?;
    match stages.get(target)?.stage.policy.requests_registry.as_deref() {
        None => Some(from.login_server.clone()),
        Some(r) => Some(
            stages
                .iter()
                .find(|s| s.stage.name.eq_ignore_ascii_case(r))
                .map_or_else(|| r.to_string(), |s| s.login_server.clone()),
        ),
    }
}

fn client(acr: &Acr, login_server: &str) -> Result<RegistryClient, String> {
    acr.registry(login_server).map_err(|e| e.to_string())
}

/// Writes an audit record; a change is not made when its intent cannot be written.
fn audit(trail: &AuditTrail, record: &Record) -> Result<(), String> {
    trail
        .append(record)
        .map_err(|e| format!("not done: {e}; nothing changes without its audit record"))
}

/// Asks for promoting `repository:tag` from stage `source` to `target`: the request artifact is
/// pushed next to the candidate and read back through the referrers API.
#[allow(clippy::too_many_arguments)]
pub async fn request(
    acr: &Acr,
    stages: &[ResolvedStage],
    (source, target): (usize, usize),
    repository: &str,
    tag: &str,
    note: &str,
    trail: &AuditTrail,
    now: DateTime<Utc>,
) -> Result<Found, String> {
    let (Some(from), Some(to)) = (stages.get(source), stages.get(target)) else {
        return Err("there is no such stage".into());
    };
    if target != source + 1 && !to.stage.policy.allow_skip {
        return Err(format!(
            "{} takes promotions from the stage before it only",
            to.stage.name
        ));
    }
    if !to.stage.policy.admits(repository) {
        return Err(format!(
            "{} does not admit {repository} (its policy's repositories)",
            to.stage.name
        ));
    }
    if !to.stage.policy.gated() {
        return Err(format!(
            "{} takes promotions without a request (its policy asks for no approval and no validation run): \
             promote it directly",
            to.stage.name
        ));
    }
    if note.trim().is_empty() {
        return Err("a request needs a note saying why (--note)".into());
    }
    let (person, operator) = me(acr).await?;
    let src = client(acr, &from.login_server)?;
    let candidate = src
        .descriptor(repository, tag)
        .await
        .map_err(|e| format!("cannot read {repository}:{tag} in {}: {e}", from.stage.name))?;
    let store = store_of(stages, source, target).unwrap_or_else(|| from.login_server.clone());
    let req = Request {
        source_stage: from.stage.name.clone(),
        target_stage: to.stage.name.clone(),
        source_registry: from.login_server.clone(),
        target_registry: to.login_server.clone(),
        repository: repository.to_string(),
        tag: tag.to_string(),
        digest: candidate.digest.clone(),
        requester: person,
        created: now,
        expires: now + to.stage.policy.request_ttl,
        note: note.to_string(),
    };
    let target_ref = format!("{}/{repository}:{tag}", to.login_server);
    let intent = Record {
        source: Some(format!("{}/{repository}:{tag}", from.login_server)),
        source_digest: Some(candidate.digest.clone()),
        note: Some(note.to_string()),
        origin: Some(format!("{} -> {}", from.stage.name, to.stage.name)),
        ..Record::intent("promotion-request", operator, target_ref)
    };
    audit(trail, &intent)?;
    let artifact = req.artifact(candidate.clone());
    let store_client = client(acr, &store)?;
    let stored: Result<String, String> = match store_client.push_artifact(repository, &artifact).await {
        Err(e) => Err(format!("the request was not stored: {e}")),
        // Read back: the request must be listed among the candidate's referrers.
        Ok(p) => match store_client
            .referrers(repository, &candidate.digest, Some(REQUEST_TYPE))
            .await
        {
            Ok(refs) if refs.iter().any(|d| d.digest == p.digest) => Ok(p.digest),
            Ok(_) => Err(format!(
                "pushed {} but the candidate's referrers do not list it",
                p.digest
            )),
            Err(e) => Err(format!("pushed {} but reading it back failed: {e}", p.digest)),
        },
    };
    let mut outcome = intent.outcome(if stored.is_ok() { "done" } else { "failed" });
    match &stored {
        Ok(d) => outcome.detail = Some(format!("request {d} in {store}/{repository}")),
        Err(e) => outcome.error = Some(e.clone()),
    }
    let recorded = trail.append(&outcome);
    let id = stored?;
    recorded.map_err(|e| format!("requested, but the audit outcome record failed: {e}"))?;
    Ok(Found {
        id,
        registry: store,
        repository: repository.to_string(),
        request: req,
        reviews: vec![],
    })
}

/// Every request into a gated stage, with its reviews: the repositories of each store that the
/// target stage admits are listed, and their manifests whose config is a request read. The
/// second value names what could not be read.
pub async fn list(acr: &Acr, stages: &[ResolvedStage]) -> (Vec<Found>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for target in 1..stages.len() {
        let policy = &stages[target].stage.policy;
        if !policy.gated() {
            continue;
        }
        let source = target - 1;
        let Some(store) = store_of(stages, source, target) else {
            continue;
        };
        let c = match client(acr, &store) {
            Ok(c) => c,
            Err(e) => {
                problems.push(format!("{store}: {e}"));
                continue;
            }
        };
        let repos = collect(c.repositories(1000)).await;
        if let Some(e) = &repos.error {
            problems.push(format!("{store}: listing its repositories: {e}"));
        }
        // One manifests listing per repository the stage admits, a few at a time, not one round
        // trip after another.
        let target_stage = stages[target].stage.name.clone();
        let admitted: Vec<String> = repos.items.into_iter().filter(|r| policy.admits(r)).collect();
        // Their tokens asked for together, one token request per fifty repositories.
        let mut reads = c
            .with_metadata_tokens(admitted)
            .map(|repo| {
                let (c, store, target_stage) = (c.clone(), store.clone(), target_stage.clone());
                async move {
                    let read = requests_in(&c, &store, &repo, &target_stage).await;
                    (repo, read)
                }
            })
            .buffer_unordered(LISTINGS_AT_ONCE);
        while let Some((repo, read)) = reads.next().await {
            match read {
                Ok(mut f) => found.append(&mut f),
                Err(e) => problems.push(format!("{store}/{repo}: {e}")),
            }
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.request.created));
    (found, problems)
}

/// The requests into `target_stage` kept in one repository, with their reviews.
async fn requests_in(c: &RegistryClient, store: &str, repo: &str, target_stage: &str) -> Result<Vec<Found>, String> {
    let mut out = Vec::new();
    let mut pages = c.manifests(repo, 1000);
    while let Some(page) = pages.next().await {
        for m in page.map_err(|e| e.to_string())? {
            if m.config_media_type.as_deref() != Some(REQUEST_TYPE) {
                continue;
            }
            let (_, body) = c.get_manifest(repo, &m.digest).await.map_err(|e| e.to_string())?;
            let manifest: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            let annotations = serde_json::from_value(manifest["annotations"].clone()).unwrap_or_default();
            let Some(request) = approval::record::<Request>(&annotations) else {
                continue;
            };
            if request.target_stage != target_stage {
                continue;
            }
            let reviews = c
                .referrers(repo, &m.digest, Some(REVIEW_TYPE))
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .filter_map(|d| approval::record::<Review>(&d.annotations))
                .collect();
            out.push(Found {
                id: m.digest.clone(),
                registry: store.to_string(),
                repository: repo.to_string(),
                request,
                reviews,
            });
        }
    }
    Ok(out)
}

/// The request whose id is or starts with `id` (at least 8 hex digits after `sha256:`).
pub async fn find(acr: &Acr, stages: &[ResolvedStage], id: &str) -> Result<Found, String> {
    let want = id.trim().trim_start_matches("sha256:");
    if want.len() < 8 {
        return Err(format!(
            "`{id}` is too short to name a request: give at least 8 digits of its id"
        ));
    }
    let (all, problems) = list(acr, stages).await;
    let mut matching: Vec<Found> = all
        .into_iter()
        .filter(|f| f.id.trim_start_matches("sha256:").starts_with(want))
        .collect();
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 if problems.is_empty() => Err(format!("no promotion request has the id {id} (acrdeck promote list)")),
        0 => Err(format!(
            "no promotion request {id} was found; some registries could not be read: {}",
            problems.join("; ")
        )),
        n => Err(format!("{n} requests start with {id}: give more of the id")),
    }
}

/// Where a request stands now: the source tag read again, the validation gate looked up.
pub async fn judge(acr: &Acr, stages: &[ResolvedStage], found: &Found, now: DateTime<Utc>) -> Judgement {
    let r = &found.request;
    let target = stages.iter().find(|s| s.stage.name == r.target_stage);
    let policy = target.map(|t| t.stage.policy.clone()).unwrap_or_default();
    let tag_of = |registry: &str| {
        let c = client(acr, registry);
        async move {
            match c {
                Ok(c) => c.tag(&r.repository, &r.tag).await.ok().map(|t| t.digest),
                Err(_) => None,
            }
        }
    };
    let (tag_digest, target_digest) = futures::join!(tag_of(&r.source_registry), tag_of(&r.target_registry));
    let source = stages.iter().find(|s| s.stage.name == r.source_stage);
    let validation = match (&policy.require_run, source) {
        (None, _) => Validation::NotRequired,
        (Some((task, age)), Some(s)) => validation(acr, s, task, *age, &r.digest, now).await,
        (Some((task, _)), None) => Validation::Unreadable {
            task: task.clone(),
            error: format!("the stage {} is not configured", r.source_stage),
        },
    };
    let seen = approval::Now {
        source_tag: tag_digest.as_deref(),
        target_tag: target_digest.as_deref(),
    };
    approval::judge(found, &policy, seen, validation, now)
}

/// The validation gate for a digest: a successful run of `task` in the source stage's registry
/// that names it in its outputs, finished within `age`.
pub async fn validation(
    acr: &Acr,
    stage: &ResolvedStage,
    task: &str,
    age: chrono::Duration,
    digest: &str,
    now: DateTime<Utc>,
) -> Validation {
    let arm = match acr.arm() {
        Ok(a) => a,
        Err(e) => {
            return Validation::Unreadable {
                task: task.into(),
                error: e.to_string(),
            };
        }
    };
    let filter = RunFilter {
        task: Some(task.to_string()),
        ..Default::default()
    };
    let mut pages = arm.list_runs(&stage.registry, &filter, Some(50));
    let runs = match pages.next().await {
        Some(Ok(runs)) => runs,
        Some(Err(e)) => {
            return Validation::Unreadable {
                task: task.into(),
                error: e.to_string(),
            };
        }
        None => Vec::new(),
    };
    let recent = |r: &crate::acr::model::Run| r.properties.finish_time.is_some_and(|f| now - f <= age);
    if let Some(ok) = runs.iter().find(|r| {
        r.status() == RunStatus::Succeeded
            && recent(r)
            && r.properties
                .output_images
                .iter()
                .any(|i| i.digest.as_deref() == Some(digest))
    }) {
        return Validation::Passed {
            task: task.into(),
            run_id: ok.run_id().to_string(),
            at: ok.properties.finish_time,
        };
    }
    match runs.iter().find(|r| !r.status().is_active()) {
        Some(last) if last.status() != RunStatus::Succeeded => Validation::Failed {
            task: task.into(),
            run_id: last.run_id().to_string(),
            status: last.status().to_string(),
        },
        _ => Validation::Missing {
            task: task.into(),
            within_hours: age.num_hours(),
        },
    }
}

/// Approves or rejects a request. An operator's approval of their own request is refused
/// before anything is sent (it would not count); the review is pushed next to the request and
/// read back.
pub async fn review(
    acr: &Acr,
    found: &Found,
    decision: Decision,
    note: &str,
    trail: &AuditTrail,
    now: DateTime<Utc>,
) -> Result<Review, String> {
    if note.trim().is_empty() {
        return Err("a review needs a note (--note)".into());
    }
    let (person, operator) = me(acr).await?;
    let r = &found.request;
    let action = match decision {
        Decision::Approve => "promotion-approve",
        Decision::Reject => "promotion-reject",
    };
    let target_ref = format!("{}/{}:{}", r.target_registry, r.repository, r.tag);
    let intent = Record {
        source: Some(format!("{}/{}:{}", r.source_registry, r.repository, r.tag)),
        source_digest: Some(r.digest.clone()),
        note: Some(note.to_string()),
        origin: Some(format!("request {}", found.id)),
        ..Record::intent(action, operator, target_ref)
    };
    audit(trail, &intent)?;
    let refuse = |why: String| {
        let mut record = intent.outcome("refused");
        record.error = Some(why.clone());
        let _ = trail.append(&record);
        Err(why)
    };
    if decision == Decision::Approve && person.object_id == r.requester.object_id {
        return refuse(format!(
            "refused: {} asked for this promotion and cannot approve it; another operator must",
            person.name
        ));
    }
    if now > r.expires {
        return refuse(format!(
            "refused: the request expired at {}",
            r.expires.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    // The reviewer approves the digest the tag points at now: if it moved, that is not the
    // request's, and the approval would not count.
    let source = client(acr, &r.source_registry)?;
    let now_digest = source
        .tag(&r.repository, &r.tag)
        .await
        .map_err(|e| format!("cannot read {}:{} in {}: {e}", r.repository, r.tag, r.source_stage))?
        .digest;
    if decision == Decision::Approve && now_digest != r.digest {
        return refuse(format!(
            "refused: {}:{} has moved to {} since it was requested; ask again for the new image",
            r.repository,
            r.tag,
            crate::text::short_hex(&now_digest)
        ));
    }
    let review = Review {
        request: found.id.clone(),
        digest: r.digest.clone(),
        decision,
        reviewer: person,
        at: now,
        note: note.to_string(),
    };
    let store = client(acr, &found.registry)?;
    let subject = store
        .descriptor(&found.repository, &found.id)
        .await
        .map_err(|e| format!("cannot read the request {}: {e}", found.id))?;
    let stored: Result<String, String> = match store.push_artifact(&found.repository, &review.artifact(subject)).await {
        Err(e) => Err(format!("the review was not stored: {e}")),
        Ok(p) => match store.referrers(&found.repository, &found.id, Some(REVIEW_TYPE)).await {
            Ok(refs) if refs.iter().any(|d| d.digest == p.digest) => Ok(p.digest),
            Ok(_) => Err(format!(
                "pushed {} but the request's referrers do not list it",
                p.digest
            )),
            Err(e) => Err(format!("pushed {} but reading it back failed: {e}", p.digest)),
        },
    };
    let mut outcome = intent.outcome(if stored.is_ok() { "done" } else { "failed" });
    match &stored {
        Ok(d) => outcome.detail = Some(format!("review {d} of request {}", found.id)),
        Err(e) => outcome.error = Some(e.clone()),
    }
    let recorded = trail.append(&outcome);
    stored?;
    recorded.map_err(|e| format!("reviewed, but the audit outcome record failed: {e}"))?;
    Ok(review)
}

/// Runs an approved request: judged again now (approvals, expiry, the tag, the validation),
/// then planned and promoted as any promotion (import by digest, verified, locked by policy),
/// the digest the request named and no other. A refusal is audited too.
pub async fn run(
    acr: &Acr,
    stages: &[ResolvedStage],
    found: &Found,
    trail: &AuditTrail,
    now: DateTime<Utc>,
    step: impl FnMut(crate::imports::execute::Step),
) -> Result<crate::imports::execute::Outcome, String> {
    let r = &found.request;
    let (_, operator) = me(acr).await?;
    let judgement = judge(acr, stages, found, now).await;
    let position = |name: &str| stages.iter().position(|s| s.stage.name == name);
    let (Some(source), Some(target)) = (position(&r.source_stage), position(&r.target_stage)) else {
        return Err(format!(
            "the stages {} and {} are not both configured",
            r.source_stage, r.target_stage
        ));
    };
    if let Some(why) = judgement.refusal() {
        let mut record = Record {
            source: Some(format!("{}/{}:{}", r.source_registry, r.repository, r.tag)),
            source_digest: Some(r.digest.clone()),
            origin: Some(format!("request {}", found.id)),
            ..Record::intent(
                "promote",
                operator,
                format!("{}/{}:{}", r.target_registry, r.repository, r.tag),
            )
        };
        audit(trail, &record)?;
        record = record.outcome("refused");
        record.error = Some(why.clone());
        let _ = trail.append(&record);
        return Err(format!("not promoted: {why}"));
    }
    let plan = super::promotion::plan_with(acr, stages, (source, target), &r.repository, &r.tag, true).await?;
    if plan.digest != r.digest {
        return Err(format!(
            "not promoted: {}:{} moved to {} while it was being planned; ask again",
            r.repository,
            r.tag,
            crate::text::short_hex(&plan.digest)
        ));
    }
    let approvers: Vec<&str> = judgement.counted.iter().map(|p| p.name.as_str()).collect();
    let approval = crate::imports::execute::Approval {
        operator,
        note: Some(format!(
            "request {} by {} ({}), approved by {}",
            crate::text::short_hex(&found.id),
            r.requester.name,
            r.note,
            if approvers.is_empty() {
                "nobody (none needed)".to_string()
            } else {
                approvers.join(", ")
            }
        )),
    };
    let (outcome, audit_error) = super::promotion::promote(acr, stages, &plan, &approval, trail, step).await;
    if let Some(e) = audit_error {
        return Err(format!(
            "promoted ({}), but the audit outcome record failed: {e}",
            outcome.name()
        ));
    }
    Ok(outcome)
}
