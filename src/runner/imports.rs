//! The Imports pane's work: planning the configured images.txt files, watching them for
//! changes, and running approved imports.

use super::{Ctx, ImportsSetup};
use crate::acr::{Acr, Failure};
use crate::app::Action;
use futures::StreamExt;
use std::path::PathBuf;
use tokio::sync::mpsc::UnboundedSender;

/// Reads and plans every configured images file.
pub async fn plan(ctx: Ctx, subscriptions: Vec<String>, setup: ImportsSetup) {
    let action = match &ctx.acr {
        Ok(acr) => plan_files(acr, &subscriptions, &setup).await,
        Err(e) => Action::ImportsPlanned {
            files: vec![],
            error: Some(e.clone()),
        },
    };
    ctx.send(action);
}

/// How often the images files are checked for changes: an edit shows within seconds, and a stat
/// of a few files costs nothing.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Tells the dashboard when an images file changes (or appears, or goes).
pub async fn watch_files(paths: Vec<PathBuf>, tx: UnboundedSender<Action>) {
    let mut seen: Vec<_> = paths.iter().map(|p| crate::imports::modified(p)).collect();
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let now: Vec<_> = paths.iter().map(|p| crate::imports::modified(p)).collect();
        if now != seen {
            seen = now;
            if tx.send(Action::ImportsChanged).is_err() {
                return;
            }
        }
    }
}

/// Reads and plans every configured images file.
async fn plan_files(acr: &Acr, subscriptions: &[String], setup: &ImportsSetup) -> Action {
    use crate::app::panes::imports::PlannedFile;
    if setup.files.is_empty() {
        return Action::ImportsPlanned {
            files: vec![],
            error: None,
        };
    }
    let reads = crate::imports::read_files(&setup.files);
    let registries = match crate::imports::environment(acr, subscriptions).await {
        Ok(r) => r,
        Err(e) => {
            return Action::ImportsPlanned {
                files: vec![],
                error: Some(format!("cannot list the registries to plan imports against: {e}").into()),
            };
        }
    };
    let readable: std::collections::HashSet<String> =
        registries.iter().map(|r| r.properties.login_server.clone()).collect();
    let mut files = Vec::new();
    for read in reads {
        let target = crate::imports::target_for(&registries, &setup.config, &read.file);
        let (login_server, entries, error) = match (&read.error, target) {
            (Some(e), _) => (None, vec![], Some(e.clone())),
            (None, Err(e)) => (None, vec![], Some(e)),
            (None, Ok(t)) => {
                let statuses = crate::imports::plan::plan(acr, &t.login_server, &read.parsed.entries, &readable).await;
                (
                    Some(t.login_server),
                    read.parsed.entries.into_iter().zip(statuses).collect(),
                    None,
                )
            }
        };
        files.push(PlannedFile {
            label: read.file.label.clone(),
            login_server,
            registry: read.file.registry.clone(),
            lock_after_import: read.file.lock_after_import,
            entries,
            problems: read.parsed.problems,
            error,
        });
    }
    Action::ImportsPlanned { files, error: None }
}

/// Runs a batch of approved imports, a few at a time, each with its audit records; records the
/// skipped lines; reports every step and outcome.
pub async fn run(
    ctx: Ctx,
    subscriptions: Vec<String>,
    setup: ImportsSetup,
    items: Vec<crate::app::panes::imports::ApproveItem>,
    note: Option<String>,
) {
    let (acr, tx) = (ctx.acr, ctx.tx);
    use crate::imports::execute::{self, Approval, Outcome};
    let fail_all = |items: &[crate::app::panes::imports::ApproveItem], error: Failure| {
        for i in items.iter().filter(|i| i.skip.is_none()) {
            let _ = tx.send(Action::ImportDone {
                key: i.key.clone(),
                outcome: Outcome::Failed {
                    error: error.clone(),
                    request_ids: vec![],
                },
                audit_error: None,
            });
        }
    };
    let (acr, audit) = match (acr, &setup.audit) {
        (Ok(a), Ok(t)) => (a, t.clone()),
        (Err(e), _) => return fail_all(&items, e),
        (_, Err(e)) => {
            return fail_all(
                &items,
                format!("not started: the audit trail is unavailable ({e}); nothing is imported without it").into(),
            );
        }
    };
    let registries = match crate::imports::environment(&acr, &subscriptions).await {
        Ok(r) => r,
        Err(e) => return fail_all(&items, format!("cannot list the registries: {e}").into()),
    };
    let operator = match acr.identity().await {
        Ok(i) => crate::audit::Operator::from(&i),
        Err(e) => {
            return fail_all(
                &items,
                format!("cannot tell who is signed in, for the audit trail: {e}").into(),
            );
        }
    };
    let approval = Approval { operator, note };
    let mut runs = Vec::new();
    for item in &items {
        let target = setup
            .files
            .iter()
            .find(|f| f.label == item.file)
            .ok_or_else(|| format!("{} is no longer in the config", item.file))
            .and_then(|f| crate::imports::target_for(&registries, &setup.config, f));
        match (target, &item.skip) {
            (Ok(t), Some(why)) => {
                if let Err(e) = execute::skip(&t, &item.approved, &approval, why, &audit) {
                    tracing::error!(error = %e, "audit record of a skipped import");
                }
            }
            (Ok(t), None) => runs.push((item.clone(), t)),
            (Err(e), None) => fail_all(std::slice::from_ref(item), e.into()),
            (Err(_), Some(_)) => {}
        }
    }
    futures::stream::iter(runs.into_iter().map(|(item, target)| {
        let (acr, approval, audit, tx) = (acr.clone(), approval.clone(), audit.clone(), tx.clone());
        async move {
            let key = item.key.clone();
            let (outcome, audit_error) = execute::run(&acr, &target, &item.approved, &approval, &audit, |step| {
                let _ = tx.send(Action::ImportStep { key: key.clone(), step });
            })
            .await;
            let _ = tx.send(Action::ImportDone {
                key,
                outcome,
                audit_error: audit_error.map(Failure::from),
            });
        }
    }))
    .buffer_unordered(crate::imports::execute::IMPORT_CONCURRENCY)
    .collect::<Vec<()>>()
    .await;
}
