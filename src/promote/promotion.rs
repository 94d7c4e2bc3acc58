//! One promotion: a tag of stage N imported into the next stage by its digest, as the policy
//! allows. Planned first (the source resolved to its digest now, the target's state read), then
//! run through importImage by resource id (no credentials between the tenant's registries),
//! verified by reading the target back and comparing digests, and locked by policy.

use super::ResolvedStage;
use crate::acr::model::ImportMode;
use crate::acr::{Acr, ErrorKind, ImportRequest, ImportSource};
use crate::audit::{AuditTrail, Record};
use crate::imports::execute::{Approval, Outcome, Step, import_verified, outcome_record};
use crate::text::short_hex;

/// What the target stage holds now under the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetState {
    Absent,
    /// Already this digest: nothing to do.
    Same {
        digest: String,
    },
    /// Another digest.
    Different {
        digest: String,
    },
    /// Write-locked (the tag, or the whole repository).
    Locked {
        digest: Option<String>,
        repository: bool,
    },
}

/// What the policy makes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Import with this mode. Force means the operator replaces another digest, which the
    /// policy allows and the dialog confirms a second time.
    Go(ImportMode),
    NothingToDo,
    Refused(String),
}

/// A planned promotion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub repository: String,
    pub tag: String,
    pub source: usize,
    pub target: usize,
    /// The source tag's digest, resolved when planned: what is imported, by digest.
    pub digest: String,
    pub target_state: TargetState,
    pub verdict: Verdict,
}

impl Promotion {
    /// `registry/repository:tag@digest` of the source.
    pub fn source_ref(&self, stages: &[ResolvedStage]) -> String {
        format!(
            "{}/{}:{}@{}",
            stages.get(self.source).map_or("?", |s| s.login_server.as_str()),
            self.repository,
            self.tag,
            self.digest
        )
    }

    pub fn target_ref(&self, stages: &[ResolvedStage]) -> String {
        format!(
            "{}/{}:{}",
            stages.get(self.target).map_or("?", |s| s.login_server.as_str()),
            self.repository,
            self.tag
        )
    }

    /// The importImage request: the source by resource id and digest, the tag written in the target.
    pub fn request(&self, stages: &[ResolvedStage]) -> Option<ImportRequest> {
        let Verdict::Go(mode) = &self.verdict else {
            return None;
        };
        Some(ImportRequest {
            source: ImportSource::Registry {
                resource_id: stages.get(self.source)?.registry.id(),
            },
            source_image: format!("{}@{}", self.repository, self.digest),
            target_tags: vec![format!("{}:{}", self.repository, self.tag)],
            untagged_repositories: vec![],
            mode: mode.clone(),
        })
    }
}

/// Plans promoting `repository:tag` from stage `source` to stage `target`. Into a stage whose
/// policy asks for approvals or a validation run, it is refused: such a promotion runs from an
/// approved request (`plan_with`).
pub async fn plan(
    acr: &Acr,
    stages: &[ResolvedStage],
    source: usize,
    target: usize,
    repository: &str,
    tag: &str,
) -> Result<Promotion, String> {
    plan_with(acr, stages, (source, target), repository, tag, false).await
}

/// As [`plan`]; `approved`: an approved request stands behind it (the two-person rule and the
/// validation gate were checked by `requests::run`).
pub async fn plan_with(
    acr: &Acr,
    stages: &[ResolvedStage],
    (source, target): (usize, usize),
    repository: &str,
    tag: &str,
    approved: bool,
) -> Result<Promotion, String> {
    let (Some(from), Some(to)) = (stages.get(source), stages.get(target)) else {
        return Err(format!("there is no stage {} to promote to", target + 1));
    };
    let policy = &to.stage.policy;
    let src = acr.registry(&from.login_server).map_err(|e| e.to_string())?;
    let digest = src
        .tag(repository, tag)
        .await
        .map_err(|e| format!("cannot resolve {repository}:{tag} in {}: {e}", from.stage.name))?
        .digest;
    let dst = acr.registry(&to.login_server).map_err(|e| e.to_string())?;
    let repo_locked = match dst.repository(repository).await {
        Ok(p) => !p.changeable_attributes.write_enabled,
        Err(e) if e.kind == ErrorKind::NotFound => false,
        Err(e) => return Err(format!("cannot read {repository} in {}: {e}", to.stage.name)),
    };
    let target_state = match dst.tag(repository, tag).await {
        Ok(t) if repo_locked || !t.changeable_attributes.write_enabled => TargetState::Locked {
            digest: Some(t.digest),
            repository: repo_locked,
        },
        Ok(t) if t.digest == digest => TargetState::Same { digest: t.digest },
        Ok(t) => TargetState::Different { digest: t.digest },
        Err(e) if e.kind == ErrorKind::NotFound && repo_locked => TargetState::Locked {
            digest: None,
            repository: true,
        },
        Err(e) if e.kind == ErrorKind::NotFound => TargetState::Absent,
        Err(e) => return Err(format!("cannot read {repository}:{tag} in {}: {e}", to.stage.name)),
    };
    let verdict = if target <= source {
        Verdict::Refused(format!(
            "{} comes before {}: promotions go forward",
            to.stage.name, from.stage.name
        ))
    } else if target != source + 1 && !policy.allow_skip {
        Verdict::Refused(format!(
            "{} takes promotions from {} only (its policy has allow_skip off)",
            to.stage.name,
            stages[target - 1].stage.name
        ))
    } else if !policy.admits(repository) {
        Verdict::Refused(format!(
            "{} admits only {} (its policy's repositories)",
            to.stage.name,
            policy.repositories.join(", ")
        ))
    } else if policy.gated() && !approved {
        Verdict::Refused(gate_refusal(&to.stage.name, &from.stage.name, policy, repository, tag))
    } else {
        match &target_state {
            TargetState::Absent => Verdict::Go(ImportMode::NoForce),
            TargetState::Same { .. } => Verdict::NothingToDo,
            TargetState::Locked { repository, .. } => Verdict::Refused(format!(
                "{repository_or_tag} is write-locked in {}: unlock it first if the change is intended",
                to.stage.name,
                repository_or_tag = if *repository {
                    format!("the repository {repository}")
                } else {
                    format!("{repository}:{tag}")
                }
            )),
            TargetState::Different { .. } if policy.allow_replace => Verdict::Go(ImportMode::Force),
            TargetState::Different { digest: other } => Verdict::Refused(format!(
                "{repository}:{tag} in {} is another image ({}); its policy does not allow replacing a tag \
                 (allow_replace)",
                to.stage.name,
                short_hex(other)
            )),
        }
    };
    Ok(Promotion {
        repository: repository.to_string(),
        tag: tag.to_string(),
        source,
        target,
        digest,
        target_state,
        verdict,
    })
}

/// Why a promotion into a gated stage cannot run directly, and what to do.
fn gate_refusal(target: &str, source: &str, policy: &super::Policy, repository: &str, tag: &str) -> String {
    let mut needs = Vec::new();
    if policy.approvals > 0 {
        needs.push(format!(
            "{} approval(s) by operators other than the requester",
            policy.approvals
        ));
    }
    if let Some((task, _)) = &policy.require_run {
        needs.push(format!("a successful {task} run of this digest"));
    }
    format!(
        "{target} takes promotions through an approved request only ({}): acrdeck promote request {source} {target} \
         {repository}:{tag} --note WHY",
        needs.join(" and ")
    )
}

/// Runs a planned promotion with its audit records around it (the intent before anything is
/// sent; if it cannot be written, nothing is). The second value is a failure to write the
/// outcome record.
pub async fn promote(
    acr: &Acr,
    stages: &[ResolvedStage],
    p: &Promotion,
    approval: &Approval,
    audit: &AuditTrail,
    step: impl FnMut(Step),
) -> (Outcome, Option<String>) {
    let failed = |error: String| Outcome::Failed {
        error: error.into(),
        request_ids: vec![],
    };
    let (Some(from), Some(to)) = (stages.get(p.source), stages.get(p.target)) else {
        return (
            failed("not promoted: the stages changed since it was planned; plan it again".into()),
            None,
        );
    };
    let intent = Record {
        source: Some(p.source_ref(stages)),
        source_digest: Some(p.digest.clone()),
        target_digest: match &p.target_state {
            TargetState::Different { digest } | TargetState::Same { digest } => Some(digest.clone()),
            _ => None,
        },
        mode: p.request(stages).map(|r| r.mode.as_str().to_string()),
        note: approval.note.clone(),
        origin: Some(format!("{} -> {}", from.stage.name, to.stage.name)),
        ..Record::intent("promote", approval.operator.clone(), p.target_ref(stages))
    };
    if let Err(e) = audit.append(&intent) {
        return (
            failed(format!(
                "not started: {e}; nothing is promoted without its audit record"
            )),
            None,
        );
    }
    // A refusal is on the record too: who tried what, and why it did not happen.
    let Some(req) = p.request(stages) else {
        let (word, why) = match &p.verdict {
            Verdict::Refused(why) => ("refused", why.clone()),
            _ => ("nothing to do", "the target already has this digest".to_string()),
        };
        let mut record = intent.outcome(word);
        record.error = Some(why.clone());
        let audit_error = audit.append(&record).err();
        return (failed(format!("not promoted: {why}")), audit_error);
    };
    let policy = &to.stage.policy;
    let outcome = import_verified(
        acr,
        &to.registry,
        &to.login_server,
        &req,
        (&p.repository, &p.tag),
        Some(&p.digest),
        Some((policy.lock_write, policy.lock_delete)),
        step,
    )
    .await;
    let audit_error = audit.append(&outcome_record(&intent, &outcome)).err();
    (outcome, audit_error)
}
