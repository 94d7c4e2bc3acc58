//! The two-person rule's work for the dashboard: reading every request (judged now), and each
//! confirmed step (ask, approve, reject, run) through `promote::requests`, which audits it and
//! reads it back.

use super::Ctx;
use crate::acr::Failure;
use crate::app::data::{RequestRow, Requests};
use crate::app::gate::GateStep;
use crate::app::{Action, JobId};
use crate::config::Config;
use crate::promote::approval::Decision;
use crate::promote::requests;

pub async fn load(ctx: Ctx, subscriptions: Vec<String>, config: Config, generation: u64) {
    let result = match &ctx.acr {
        Ok(acr) => match super::promotions::resolved_stages(acr, &subscriptions, &config).await {
            Ok(stages) => {
                let now = chrono::Utc::now();
                let (found, problems) = requests::list(acr, &stages).await;
                let mut rows = Vec::with_capacity(found.len());
                for f in found {
                    let judgement = requests::judge(acr, &stages, &f, now).await;
                    rows.push(RequestRow { found: f, judgement });
                }
                Ok(Requests { rows, stages, problems })
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e.clone()),
    };
    ctx.send(Action::RequestsLoaded { generation, result });
}

pub async fn step(
    ctx: Ctx,
    audit: Result<std::sync::Arc<crate::audit::AuditTrail>, String>,
    job: JobId,
    (step, note, stages): (GateStep, String, Vec<crate::promote::ResolvedStage>),
) {
    let result = match (&ctx.acr, audit) {
        (Ok(acr), Ok(trail)) => run_step(acr, &trail, &stages, step, &note).await,
        (Err(e), _) => Err(e.to_string()),
        (_, Err(e)) => Err(format!(
            "not started: the audit trail is unavailable ({e}); nothing changes without it"
        )),
    };
    ctx.send(Action::GateDone { job, result });
}

async fn run_step(
    acr: &crate::acr::Acr,
    trail: &crate::audit::AuditTrail,
    stages: &[crate::promote::ResolvedStage],
    step: GateStep,
    note: &str,
) -> Result<String, String> {
    let now = chrono::Utc::now();
    let decision = match &step {
        GateStep::Reject { .. } => Decision::Reject,
        _ => Decision::Approve,
    };
    match step {
        GateStep::Request {
            source,
            target,
            repository,
            tag,
        } => {
            let f = requests::request(acr, stages, (source, target), &repository, &tag, note, trail, now).await?;
            Ok(format!(
                "request {} stored next to {repository}:{tag} in {}; another operator approves it in :requests",
                crate::text::short_hex(&f.id),
                f.request.source_stage
            ))
        }
        GateStep::Approve { id } | GateStep::Reject { id } => {
            let found = requests::find(acr, stages, &id).await?;
            requests::review(acr, &found, decision, note, trail, now).await?;
            Ok(format!(
                "{} request {} (read back from the registry)",
                if decision == Decision::Approve {
                    "approved"
                } else {
                    "rejected"
                },
                crate::text::short_hex(&id)
            ))
        }
        GateStep::Run { id } => {
            let found = requests::find(acr, stages, &id).await?;
            match requests::run(acr, stages, &found, trail, now, |_| {}).await? {
                crate::imports::execute::Outcome::Imported { digest, locked, .. } => Ok(format!(
                    "promoted {}:{} to {}: the registry now reports {}{}",
                    found.request.repository,
                    found.request.tag,
                    found.request.target_stage,
                    crate::text::short_hex(&digest),
                    if locked { ", locked" } else { "" }
                )),
                crate::imports::execute::Outcome::Failed { error, .. } => Err(Failure::to_string(&error)),
            }
        }
    }
}
