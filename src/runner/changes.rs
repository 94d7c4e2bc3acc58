//! Changes an operator confirmed (locks, run cancels, scheduled runs), each with its audit
//! records and read back from the registry.

use super::Ctx;
use crate::acr::model::AttributesUpdate;
use crate::acr::{Acr, Failure};
use crate::app::mutation::{LockTarget, Mutation};
use crate::app::{Action, JobId};
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
    let mut record = intent.outcome(if result.is_ok() { "done" } else { "failed" });
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
            // Send, then read the target back: only what the registry reports counts.
            let now = match target {
                LockTarget::Repository => {
                    client.update_repository(repository, &update).await?;
                    client.repository(repository).await?.changeable_attributes
                }
                LockTarget::Tag(tag) => {
                    client.update_tag(repository, tag, &update).await?;
                    client.tag(repository, tag).await?.changeable_attributes
                }
                LockTarget::Manifest(digest) => {
                    client.update_manifest(repository, digest, &update).await?;
                    client.manifest(repository, digest).await?.changeable_attributes
                }
            };
            let wrong = (*write && now.write_enabled == *lock) || (*delete && now.delete_enabled == *lock);
            if wrong {
                return Err(format!(
                    "the registry accepted the change but reads back write={} delete={}",
                    if now.write_enabled { "enabled" } else { "disabled" },
                    if now.delete_enabled { "enabled" } else { "disabled" },
                )
                .into());
            }
            let word = |on: bool| if on { "enabled" } else { "disabled" };
            Ok(if now.write_enabled == now.delete_enabled {
                format!("write and delete {}", word(now.write_enabled))
            } else {
                format!("write {}, delete {}", word(now.write_enabled), word(now.delete_enabled))
            })
        }
        Mutation::ScheduleRun { registry, task, .. } => {
            let arm = acr.arm()?;
            let run = arm.schedule_run(registry, task).await?;
            // Read the run back: it exists and has a state.
            let run = arm.get_run(registry, run.run_id()).await?;
            Ok(format!("run {} {}", run.run_id(), run.status()))
        }
        Mutation::CancelRun { registry, run_id, .. } => {
            let arm = acr.arm()?;
            let run = arm.cancel_run(registry, run_id).await?;
            Ok(format!("run {run_id} {}", run.status()))
        }
    }
}
