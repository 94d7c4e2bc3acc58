//! The living world: a clock that moves runs from Queued to Running to their end while writing
//! their logs at a realistic pace, completes long-running operations, settles cache rules, fires
//! timer tasks and base-image triggers, and records webhook events.

use super::Emu;
use super::model::Store;
use super::runs::{flush_due, new_run};
use super::world::{ImportSource, OperationKind, Registry, RunEffect, RunStatus, Trigger, WebhookEvent, World};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use tokio::sync::watch;

/// The longest the clock sleeps when nothing is due (a safety net; requests wake it anyway).
const IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs the world's clock: it sleeps until the next thing is due (a log line, the end of an
/// operation, a timer trigger) or until a request changed the world, so an idle emulator costs
/// no CPU.
pub fn spawn(emu: Arc<Emu>, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            let now = Utc::now();
            tick(&emu, now);
            let wait = next_due(&emu.world())
                .map(|t| (t - Utc::now()).to_std().unwrap_or_default())
                .unwrap_or(IDLE)
                .min(IDLE);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = emu.woken() => {}
                _ = shutdown.changed() => break,
            }
        }
    });
}

/// When the world next changes by itself.
fn next_due(w: &World) -> Option<DateTime<Utc>> {
    let mut due: Option<DateTime<Utc>> = None;
    let mut consider = |t: DateTime<Utc>| due = Some(due.map_or(t, |d| d.min(t)));
    for op in w.operations.values().filter(|o| !o.applied) {
        consider(op.done_at);
    }
    for reg in &w.registries {
        for run in reg.runs.iter().filter(|r| !r.status.is_terminal()) {
            // A run with its script written out still has to end: due now.
            consider(run.script.front().map(|(t, _)| *t).unwrap_or_else(Utc::now));
        }
        for rule in reg.cache_rules.values() {
            if let Some(t) = rule.settle_at {
                consider(t);
            }
        }
        for task in reg.tasks.values().filter(|t| t.enabled) {
            if let Some(m) = task.timer_minutes {
                consider(task.last_timer + Duration::minutes(m as i64));
            }
        }
    }
    due
}

pub fn tick(emu: &Emu, now: DateTime<Utc>) {
    complete_operations(emu, now);
    let mut w = emu.world();
    let World {
        registries, upstream, ..
    } = &mut *w;
    for reg in registries.iter_mut() {
        for rule in reg.cache_rules.values_mut() {
            if rule.settle_at.is_some_and(|t| t <= now) {
                rule.settle_at = None;
                rule.provisioning = "Succeeded".into();
            }
        }
        // Timer triggers.
        let due: Vec<String> = reg
            .tasks
            .values()
            .filter(|t| {
                t.enabled
                    && t.timer_minutes
                        .is_some_and(|m| now - t.last_timer >= Duration::minutes(m as i64))
            })
            .map(|t| t.name.clone())
            .collect();
        for name in due {
            if let Some(t) = reg.tasks.get_mut(&name) {
                t.last_timer = now;
            }
            if let Ok(run) = new_run(
                reg,
                &name,
                Trigger::Timer,
                now + Duration::seconds(1),
                8,
                false,
                upstream,
            ) {
                reg.runs.push(run);
            }
        }
        advance_runs(reg, now, upstream);
    }
}

fn advance_runs(reg: &mut Registry, now: DateTime<Utc>, upstream: &super::world::Upstream) {
    let mut effects = Vec::new();
    for run in reg.runs.iter_mut().filter(|r| !r.status.is_terminal()) {
        if run.status == RunStatus::Queued {
            match run.script.front() {
                Some((t, _)) if *t <= now => {
                    run.status = RunStatus::Running;
                    run.started = Some(now);
                }
                Some(_) => continue,
                None => {}
            }
        }
        flush_due(run, now);
        if run.script.is_empty() {
            run.status = run.outcome;
            run.finished = Some(now);
            run.log_complete = true;
            if run.status == RunStatus::Succeeded
                && let Some(e) = run.on_success.take()
            {
                effects.push(e);
            }
        }
    }
    for e in effects {
        apply_effect(reg, e, now, upstream);
    }
}

fn apply_effect(reg: &mut Registry, effect: RunEffect, now: DateTime<Utc>, upstream: &super::world::Upstream) {
    match effect {
        RunEffect::ImportFromUpstream {
            upstream_repo,
            digest,
            target_repo,
            tag,
        } => {
            let src = extract(&upstream.store, &upstream_repo, &digest);
            if reg
                .store
                .copy_image_from(
                    &src,
                    &upstream_repo,
                    &digest,
                    &target_repo,
                    std::slice::from_ref(&tag),
                    now,
                )
                .is_ok()
            {
                pushed(reg, &target_repo, Some(&tag), &digest, now, upstream);
            }
        }
        RunEffect::PushBuilt {
            repo,
            tag,
            seed,
            created,
        } => {
            let spec = super::images::ImageSpec {
                seed: &seed,
                platforms: &[],
                env: &[],
                created,
            };
            if let Ok(d) = super::images::build_image(&mut reg.store, &repo, Some(&tag), &spec) {
                pushed(reg, &repo, Some(&tag), &d, now, upstream);
            }
        }
    }
}

/// A copy of the part of `store` an image needs: its repository and the blobs referenced.
pub fn extract(store: &Store, repo: &str, digest: &str) -> Store {
    let mut out = Store::default();
    if let Some(r) = store.repos.get(repo) {
        let mut todo = vec![digest.to_string()];
        let mut copy = super::model::Repository::new(repo, r.created);
        while let Some(d) = todo.pop() {
            if let Some(m) = r.manifests.get(&d) {
                for b in &m.blobs {
                    if let Some(bytes) = store.blobs.get(b) {
                        out.blobs.insert(b.clone(), bytes.clone());
                    }
                }
                todo.extend(m.references.iter().map(|(c, _, _)| c.clone()));
                copy.manifests.insert(d.clone(), m.clone());
            }
        }
        out.repos.insert(repo.to_string(), copy);
    }
    out
}

/// Records a push: webhook events, and base-image triggers of tasks watching the repository.
pub fn pushed(
    reg: &mut Registry,
    repo: &str,
    tag: Option<&str>,
    digest: &str,
    now: DateTime<Utc>,
    upstream: &super::world::Upstream,
) {
    record_event(reg, "push", repo, tag, digest, now);
    let triggered: Vec<String> = reg
        .tasks
        .values()
        .filter(|t| t.enabled && t.base_image_repo.as_deref() == Some(repo))
        .map(|t| t.name.clone())
        .collect();
    for name in triggered {
        if let Ok(run) = new_run(
            reg,
            &name,
            Trigger::BaseImage,
            now + Duration::seconds(2),
            40,
            false,
            upstream,
        ) {
            reg.runs.push(run);
        }
    }
}

/// Records an event with every webhook that wants it (by action and scope).
pub fn record_event(reg: &mut Registry, action: &str, repo: &str, tag: Option<&str>, digest: &str, now: DateTime<Utc>) {
    let names: Vec<String> = reg.webhooks.keys().cloned().collect();
    for name in names {
        record_event_to(reg, &name, action, repo, tag, digest, now);
    }
}

/// Records an event with one webhook, if it wants it.
pub fn record_event_to(
    reg: &mut Registry,
    webhook: &str,
    action: &str,
    repo: &str,
    tag: Option<&str>,
    digest: &str,
    now: DateTime<Utc>,
) {
    let (media_type, size) = reg
        .store
        .repos
        .get(repo)
        .and_then(|r| r.manifests.get(digest))
        .map(|m| (m.media_type.clone(), m.body.len() as u64))
        .unwrap_or_default();
    if let Some(hook) = reg.webhooks.get_mut(webhook) {
        let wants = hook.enabled
            && hook.actions.iter().any(|a| a == action)
            && (hook.scope.is_empty()
                || super::faults::glob_match(&hook.scope.replace(":*", "*"), &format!("{repo}:{}", tag.unwrap_or("")))
                || hook.scope == repo);
        if wants {
            hook.events.push(WebhookEvent {
                id: uuid::Uuid::new_v4().to_string(),
                timestamp: now,
                action: action.to_string(),
                repository: repo.to_string(),
                tag: tag.map(str::to_string),
                digest: digest.to_string(),
                media_type: media_type.clone(),
                size,
                status: hook.response_status,
            });
        }
    }
}

/// Applies every finished operation once: a successful import copies the image in now.
pub fn complete_operations(emu: &Emu, now: DateTime<Utc>) {
    let rewrite = &emu.rewrite_next_import;
    let mut w = emu.world();
    let due: Vec<String> = w
        .operations
        .iter()
        .filter(|(_, op)| !op.applied && op.done_at <= now)
        .map(|(id, _)| id.clone())
        .collect();
    for id in due {
        let Some(op) = w.operations.get_mut(&id) else {
            continue;
        };
        op.applied = true;
        if op.error.is_some() {
            continue;
        }
        let OperationKind::Import(plan) = op.kind.clone() else {
            continue;
        };
        let src = match plan.source {
            ImportSource::Registry(i) => extract(&w.registries[i].store, &plan.source_repo, &plan.digest),
            ImportSource::Upstream => extract(&w.upstream.store, &plan.source_repo, &plan.digest),
        };
        let World {
            registries, upstream, ..
        } = &mut *w;
        let reg = &mut registries[plan.target_registry];
        let mut result = Ok(());
        for (repo, tag) in &plan.target_tags {
            result = result.and_then(|_| {
                reg.store.copy_image_from(
                    &src,
                    &plan.source_repo,
                    &plan.digest,
                    repo,
                    std::slice::from_ref(tag),
                    now,
                )
            });
        }
        for repo in &plan.untagged_repos {
            result = result.and_then(|_| {
                reg.store
                    .copy_image_from(&src, &plan.source_repo, &plan.digest, repo, &[], now)
            });
        }
        if result.is_ok() && rewrite.swap(false, std::sync::atomic::Ordering::SeqCst) {
            // Fault: the registry ends up with different bytes than the source had.
            for (repo, tag) in &plan.target_tags {
                let spec = super::images::ImageSpec {
                    seed: &format!("rewritten:{}", plan.digest),
                    platforms: &[],
                    env: &[],
                    created: now,
                };
                if let Some(r) = reg.store.repos.get_mut(repo)
                    && let Some(t) = r.tags.get_mut(tag)
                {
                    t.attrs.write_enabled = true;
                }
                let _ = super::images::build_image(&mut reg.store, repo, Some(tag), &spec);
            }
        }
        match result {
            Ok(()) => {
                for (repo, tag) in &plan.target_tags {
                    let digest = reg
                        .store
                        .repos
                        .get(repo)
                        .and_then(|r| r.tags.get(tag))
                        .map(|t| t.digest.clone())
                        .unwrap_or_default();
                    pushed(reg, repo, Some(tag), &digest, now, upstream);
                }
            }
            Err(e) => {
                let status = if e.status == 405 { 409 } else { 400 };
                if let Some(op) = w.operations.get_mut(&id) {
                    op.error = Some((status, e.code.to_string(), e.message));
                }
            }
        }
        let _ = plan.force;
    }
}
