//! The Promotions pane's work: reading the stage board, planning promotions, running approved
//! ones.

use super::Ctx;
use crate::acr::{Acr, Failure};
use crate::app::Action;
use crate::config::Config;
use futures::StreamExt;

/// A repository's tags in every stage, with the stages they were read from.
pub async fn board(ctx: Ctx, subscriptions: Vec<String>, config: Config, repository: String) {
    let result = match &ctx.acr {
        Ok(acr) => match resolved_stages(acr, &subscriptions, &config).await {
            Ok(stages) => {
                let board = crate::promote::board::board(acr, &stages, &repository).await;
                Ok((board, stages))
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e.clone()),
    };
    ctx.send(Action::BoardLoaded { repository, result });
}

/// The plan of promoting these (repository, tag) rows from stage `source` to stage `target`.
pub async fn plan(
    ctx: Ctx,
    subscriptions: Vec<String>,
    config: Config,
    items: Vec<(String, String)>,
    source: usize,
    target: usize,
) {
    let result = match &ctx.acr {
        Ok(acr) => plan_all(acr, &subscriptions, &config, &items, source, target).await,
        Err(e) => Err(e.clone()),
    };
    ctx.send(Action::PromotionsPlanned(result));
}

/// The config's stages, each with its registry found among the environment's.
pub(super) async fn resolved_stages(
    acr: &Acr,
    subscriptions: &[String],
    config: &Config,
) -> Result<Vec<crate::promote::ResolvedStage>, Failure> {
    let stages = crate::promote::stages(config);
    if stages.is_empty() {
        return Err("no stages are configured: add [[stages]] (dev first, prod last) to the config".into());
    }
    let registries = crate::imports::environment(acr, subscriptions).await?;
    Ok(crate::promote::resolve(&registries, &stages)?)
}

async fn plan_all(
    acr: &Acr,
    subscriptions: &[String],
    config: &Config,
    items: &[(String, String)],
    source: usize,
    target: usize,
) -> Result<Vec<crate::promote::promotion::Promotion>, Failure> {
    let stages = resolved_stages(acr, subscriptions, config).await?;
    let mut plans = Vec::new();
    for (repository, tag) in items {
        plans.push(crate::promote::promotion::plan(acr, &stages, source, target, repository, tag).await?);
    }
    Ok(plans)
}

/// Runs approved promotions a few at a time, each with its audit records.
pub async fn run(
    ctx: Ctx,
    audit: Result<std::sync::Arc<crate::audit::AuditTrail>, String>,
    stages: Vec<crate::promote::ResolvedStage>,
    promotions: Vec<crate::promote::promotion::Promotion>,
    note: String,
) {
    let (acr, tx) = (ctx.acr, ctx.tx);
    use crate::imports::execute::{Approval, Outcome};
    let fail_all = |error: Failure| {
        for p in promotions
            .iter()
            .filter(|p| matches!(p.verdict, crate::promote::promotion::Verdict::Go(_)))
        {
            let _ = tx.send(Action::PromotionDone {
                repository: p.repository.clone(),
                tag: p.tag.clone(),
                outcome: Outcome::Failed {
                    error: error.clone(),
                    request_ids: vec![],
                },
                audit_error: None,
            });
        }
    };
    let (acr, audit) = match (acr, audit) {
        (Ok(a), Ok(t)) => (a, t),
        (Err(e), _) => return fail_all(e),
        (_, Err(e)) => {
            return fail_all(
                format!("not started: the audit trail is unavailable ({e}); nothing is promoted without it").into(),
            );
        }
    };
    let operator = match acr.identity().await {
        Ok(i) => crate::audit::Operator::from(&i),
        Err(e) => return fail_all(format!("cannot tell who is signed in, for the audit trail: {e}").into()),
    };
    let approval = Approval {
        operator,
        note: Some(note),
    };
    // Owned values in each future (see `imports::plan`): the batch runs inside a boxed job.
    let stages = std::sync::Arc::new(stages);
    futures::stream::iter(promotions.clone().into_iter().map(|p| {
        let (acr, approval, audit, tx, stages) =
            (acr.clone(), approval.clone(), audit.clone(), tx.clone(), stages.clone());
        async move {
            let tag = p.tag.clone();
            let (outcome, audit_error) =
                crate::promote::promotion::promote(&acr, &stages, &p, &approval, &audit, |step| {
                    let _ = tx.send(Action::PromotionStep {
                        repository: p.repository.clone(),
                        tag: tag.clone(),
                        step,
                    });
                })
                .await;
            // Refusals the operator confirmed past are only recorded; the pane knows them already.
            if matches!(p.verdict, crate::promote::promotion::Verdict::Go(_)) {
                let _ = tx.send(Action::PromotionDone {
                    repository: p.repository.clone(),
                    tag,
                    outcome,
                    audit_error: audit_error.map(Failure::from),
                });
            }
        }
    }))
    .buffer_unordered(crate::imports::execute::IMPORT_CONCURRENCY)
    .collect::<Vec<()>>()
    .await;
}
