//! Run logs: following one live (alongside any others open), and saving one whole to a file.

use super::Ctx;
use crate::acr::logs::{FollowOptions, LogEvent};
use crate::acr::{AcrError, ErrorKind, Failure, RegistryRef};
use crate::app::Action;
use crate::app::Credit;
use std::path::{Path, PathBuf};

/// Log events handed to the dashboard's loop and not yet handled, per followed log.
const LOG_EVENTS_IN_FLIGHT: usize = 2;

/// Follows a run's log, sending each piece of news as it comes.
pub async fn follow(
    ctx: Ctx,
    viewer: crate::app::LogViewer,
    registry: RegistryRef,
    login_server: String,
    run_id: String,
) {
    let send_with = |event, credit| {
        ctx.send(Action::Log {
            viewer,
            login_server: login_server.clone(),
            run_id: run_id.clone(),
            event,
            credit,
        });
    };
    let send = |event| send_with(event, Credit::default());
    let acr = match &ctx.acr {
        Ok(a) => a,
        Err(e) => {
            return send(LogEvent::Failed(AcrError::new(
                ErrorKind::Invalid,
                "open the run log",
                &run_id,
                e.to_string(),
            )));
        }
    };
    let links = match acr.arm() {
        Ok(arm) => arm.log_links(&registry, &run_id).await,
        Err(e) => Err(e),
    };
    let link = match links {
        Ok(l) => match l.link() {
            Some(link) => link.to_string(),
            None => {
                return send(LogEvent::Failed(AcrError::new(
                    ErrorKind::NotFound,
                    "open the run log",
                    &run_id,
                    "the run has no log link",
                )));
            }
        },
        Err(e) => return send(LogEvent::Failed(e)),
    };
    let mut events = match acr.follow_log(&link, 0, FollowOptions::default()) {
        Ok(rx) => rx,
        Err(e) => return send(LogEvent::Failed(e)),
    };
    // At most this many events are on their way to the screen at once: the next waits until
    // the loop has handled one (the loop's queue is unbounded; the log may be hundreds of MB).
    let credits = std::sync::Arc::new(tokio::sync::Semaphore::new(LOG_EVENTS_IN_FLIGHT));
    while let Some(event) = events.recv().await {
        let Ok(permit) = credits.clone().acquire_owned().await else {
            return;
        };
        send_with(event, Credit::new(permit));
    }
}

/// Where a saved log goes: `<registry>-<run>-<time>.log`, the names (which come from the
/// service) kept to safe file-name characters.
pub fn saved_log_path(folder: &Path, registry_name: &str, run_id: &str) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    folder.join(format!("{}-{}-{stamp}.log", safe(registry_name), safe(run_id)))
}

/// Downloads a run's whole log (the pane's ring may hold only its end).
pub async fn save(ctx: Ctx, registry: RegistryRef, run_id: String, path: PathBuf) {
    let result = async {
        let acr = ctx.acr.as_ref().map_err(Clone::clone)?;
        let links = acr.arm()?.log_links(&registry, &run_id).await?;
        let link = links
            .link()
            .ok_or_else(|| Failure::from(format!("run {run_id} has no log link")))?
            .to_string();
        let size = acr.save_log(&link, &path).await?;
        Ok::<_, Failure>((path.display().to_string(), size))
    }
    .await;
    ctx.send(Action::LogSaved(result));
}
