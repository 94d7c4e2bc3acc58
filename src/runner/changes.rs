//! Changes an operator confirmed (locks, run cancels, scheduled runs), each with its audit
//! records and read back from the registry.

use super::Ctx;
use crate::acr::model::AttributesUpdate;
use crate::acr::{Acr, AcrError, ArmClient, ErrorKind, Failure, RegistryRef, RunFilter};
use crate::app::mutation::{LockTarget, Mutation};
use crate::app::{Action, JobId};
use futures::StreamExt;
use std::sync::Arc;

pub async fn mutate(ctx: Ctx, audit: Result<Arc<crate::audit::AuditTrail>, String>, job: JobId, mutation: Mutation) {
    let result = match (&ctx.acr, audit) {
        (Ok(acr), Ok(audit)) => audited_mutate(acr, &audit, &mutation).await,
        (Err(e), _) => Err(e.clone()),
        (_, Err(e)) => {
            Err(format!("not started: the audit trail is unavailable ({e}); nothing changes without it").into())
        }
    };
    ctx.send(Action::Mutated { job, mutation, result });
}

/// Makes a confirmed change, then reads the result back from the registry: what it reports now
/// is what the operator is told, never what was asked for.
/// A change with its audit records: the intent first (nothing is sent if it cannot be written),
/// then the outcome as read back.
pub async fn audited_mutate(
    acr: &Acr,
    audit: &crate::audit::AuditTrail,
    mutation: &Mutation,
) -> Result<String, Failure> {
    let operator = acr
        .identity()
        .await
        .map(|i| crate::audit::Operator::from(&i))
        .map_err(|e| Failure::from(format!("cannot tell who is signed in, for the audit trail: {e}")))?;
    let intent = crate::audit::Record::intent(mutation.audit_action(), operator, mutation.audit_target());
    audit
        .append(&intent)
        .map_err(|e| Failure::from(format!("not started: {e}; nothing changes without its audit record")))?;
    let result = change(acr, mutation).await;
    let mut record = intent.outcome(match &result {
        Ok(_) => "done",
        Err(e) if e.is_outcome_unknown() => "unknown",
        Err(_) => "failed",
    });
    match &result {
        Ok(read_back) => record.detail = Some(read_back.clone()),
        Err(e) => record.error = Some(e.to_string()),
    }
    match audit.append(&record) {
        Ok(()) => result,
        Err(e) => result.map(|r| format!("{r} (but the audit outcome record failed: {e})")),
    }
}

async fn change(acr: &Acr, mutation: &Mutation) -> Result<String, Failure> {
    match mutation {
        Mutation::Locks {
            login_server,
            repository,
            target,
            write,
            delete,
            lock,
            ..
        } => {
            let client = acr.registry(login_server)?;
            let update = AttributesUpdate::lock(*write, *delete, *lock);
            let read = || async {
                Ok::<_, AcrError>(match target {
                    LockTarget::Repository => client.repository(repository).await?.changeable_attributes,
                    LockTarget::Tag(tag) => client.tag(repository, tag).await?.changeable_attributes,
                    LockTarget::Manifest(digest) => client.manifest(repository, digest).await?.changeable_attributes,
                })
            };
            let sent = match target {
                LockTarget::Repository => client.update_repository(repository, &update).await.map(drop),
                LockTarget::Tag(tag) => client.update_tag(repository, tag, &update).await.map(drop),
                LockTarget::Manifest(digest) => client.update_manifest(repository, digest, &update).await.map(drop),
            };
            // Send, then read the target back: only what the registry reports counts. When the
            // answer never came (a deadline, a dropped connection), the read tells what happened.
            let lost = match sent {
                Ok(()) => None,
                Err(e)
                    if matches!(
                        e.kind,
                        ErrorKind::Deadline | ErrorKind::Transient | ErrorKind::OutcomeUnknown
                    ) =>
                {
                    Some(e)
                }
                Err(e) => return Err(e.into()),
            };
            let now = match (read().await, &lost) {
                (Ok(now), _) => now,
                (Err(read_error), Some(e)) => {
                    let mut e = e.clone();
                    e.kind = ErrorKind::OutcomeUnknown;
                    e.message = format!("{}; reading it back failed too: {read_error}", e.message);
                    e.advice =
                        Some("Read the target's locks (Repositories or Tags pane) before changing them again.".into());
                    return Err(e.into());
                }
                (Err(read_error), None) => return Err(read_error.into()),
            };
            let wrong = (*write && now.write_enabled == *lock) || (*delete && now.delete_enabled == *lock);
            if let (true, Some(e)) = (wrong, &lost) {
                // Not applied: the registry says so. Safe to try again.
                let mut e = e.clone();
                e.message = format!(
                    "{}; read back, the target is unchanged: the change was not made",
                    e.message
                );
                return Err(e.into());
            }
            if wrong {
                return Err(format!(
                    "the registry accepted the change but reads back write={} delete={}",
                    if now.write_enabled { "enabled" } else { "disabled" },
                    if now.delete_enabled { "enabled" } else { "disabled" },
                )
                .into());
            }
            let word = |on: bool| if on { "enabled" } else { "disabled" };
            let state = if now.write_enabled == now.delete_enabled {
                format!("write and delete {}", word(now.write_enabled))
            } else {
                format!("write {}, delete {}", word(now.write_enabled), word(now.delete_enabled))
            };
            Ok(match lost {
                Some(_) => format!("{state} (the answer was lost; read back from the registry)"),
                None => state,
            })
        }
        Mutation::ScheduleRun { registry, task, .. } => {
            let arm = acr.arm()?;
            // The task's newest runs before the request: should its answer be lost, a run that
            // is not among them is the one it started.
            let before = newest_runs(arm, registry, task).await;
            let run = match arm.schedule_run(registry, task).await {
                Ok(run) => run,
                Err(e) if e.kind == ErrorKind::OutcomeUnknown => {
                    return settle_lost_run(arm, registry, task, before, e).await;
                }
                Err(e) => return Err(e.into()),
            };
            // Read the run back: it exists and has a state.
            let run = arm.get_run(registry, run.run_id()).await?;
            Ok(format!("run {} {}", run.run_id(), run.status()))
        }
        Mutation::CancelRun { registry, run_id, .. } => {
            let arm = acr.arm()?;
            let run = arm.cancel_run(registry, run_id).await?;
            Ok(format!("run {run_id} {}", run.status()))
        }
        Mutation::PingWebhook { registry, webhook, .. } => ping(acr.arm()?, registry, webhook).await,
    }
}

/// Pings a webhook and reads its event back: the service records each delivery with the
/// receiver's answer, which is what the operator is told. A ping whose answer was lost is not
/// sent again: the events before and after tell whether it went out.
async fn ping(arm: &ArmClient, registry: &RegistryRef, webhook: &str) -> Result<String, Failure> {
    let before: Option<Vec<String>> = arm
        .deliveries(registry, webhook)
        .await
        .ok()
        .map(|d| d.into_iter().map(|e| e.id).collect());
    let id = match arm.ping_webhook(registry, webhook).await {
        Ok(id) => Some(id),
        Err(e) if e.kind == ErrorKind::OutcomeUnknown => None,
        Err(e) => return Err(e.into()),
    };
    let after = arm.deliveries(registry, webhook).await?;
    let event = match &id {
        Some(id) => after.iter().find(|e| &e.id == id),
        None => {
            let new: Vec<_> = after
                .iter()
                .filter(|e| e.action == "ping" && before.as_ref().is_some_and(|b| !b.contains(&e.id)))
                .collect();
            match new.as_slice() {
                [one] => Some(*one),
                _ => {
                    let mut e = AcrError::new(
                        ErrorKind::OutcomeUnknown,
                        "ping webhook",
                        format!("{}/{webhook}", registry.name),
                        format!("the answer was lost and {} new ping events were found", new.len()),
                    );
                    e.advice = Some(format!(
                        "Check webhook {webhook}'s events (Webhooks pane) before pinging it again."
                    ));
                    return Err(e.into());
                }
            }
        }
    };
    let Some(event) = event else {
        return Err(format!(
            "the registry accepted the ping (event {}) but its events do not list it",
            id.unwrap_or_default()
        )
        .into());
    };
    let answer = match event.status {
        Some(s) if event.delivered() => format!("delivered, the receiver answered {s}"),
        Some(s) => format!("NOT delivered: the receiver answered {s}"),
        None => "NOT delivered: the receiver did not answer".into(),
    };
    // The answer first: the footer may not have room for the event's id.
    Ok(format!(
        "{answer} (ping event {}){}",
        event.id,
        if id.is_none() {
            " (the answer was lost; found by reading the events back)"
        } else {
            ""
        }
    ))
}

/// How many of a task's newest runs are compared before and after a scheduled run whose answer
/// was lost.
const RUNS_COMPARED: u32 = 20;

/// The ids of a task's newest runs (the first page), or why they could not be read.
async fn newest_runs(arm: &ArmClient, registry: &RegistryRef, task: &str) -> Result<Vec<String>, AcrError> {
    let filter = RunFilter {
        task: Some(task.to_string()),
        ..Default::default()
    };
    let mut pages = arm.list_runs(registry, &filter, Some(RUNS_COMPARED));
    match pages.next().await {
        Some(Ok(page)) => Ok(page.iter().map(|r| r.run_id().to_string()).collect()),
        Some(Err(e)) => Err(e),
        None => Ok(Vec::new()),
    }
}

/// scheduleRun was sent and its answer lost: it is not sent again. The task's runs are read
/// back and compared with those before the request: one new run is this request's (done), none
/// means it was not carried out (failed), more than one (someone else started one too) or a
/// failed read leaves it unknown, naming what to check.
async fn settle_lost_run(
    arm: &ArmClient,
    registry: &RegistryRef,
    task: &str,
    before: Result<Vec<String>, AcrError>,
    mut lost: AcrError,
) -> Result<String, Failure> {
    let after = newest_runs(arm, registry, task).await;
    let check = format!(
        "Check the runs of task {task} on {} (Runs pane) before starting it again.",
        registry.name
    );
    let (before, after) = match (before, after) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(e), _) | (_, Err(e)) => {
            lost.message = format!("{}; reading the task's runs back failed: {e}", lost.message);
            lost.advice = Some(check);
            return Err(lost.into());
        }
    };
    let new: Vec<&String> = after.iter().filter(|id| !before.contains(id)).collect();
    match new.as_slice() {
        [id] => {
            let run = arm.get_run(registry, id).await?;
            Ok(format!(
                "run {} {} (the answer was lost; found by reading the task's runs back)",
                run.run_id(),
                run.status()
            ))
        }
        [] => {
            let mut e = AcrError::new(
                ErrorKind::Transient,
                lost.operation.clone(),
                lost.target.clone(),
                format!(
                    "{}; reading the task's runs back found no new run: it was not carried out",
                    lost.message
                ),
            );
            e.advice = Some("Starting the task again is safe.".into());
            Err(e.into())
        }
        many => {
            let ids: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
            lost.message = format!(
                "{}; reading back found {} new runs ({}): one may be this request's, others someone else's",
                lost.message,
                ids.len(),
                ids.join(", ")
            );
            lost.advice = Some(check);
            Err(lost.into())
        }
    }
}
