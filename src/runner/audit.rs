//! Reading the audit trail for the Audit pane.

use super::Ctx;
use crate::acr::Failure;
use crate::app::Action;
use std::sync::Arc;

pub async fn load(ctx: Ctx, audit: Result<Arc<crate::audit::AuditTrail>, String>) {
    let result = match audit {
        Ok(trail) => {
            let path = trail.path().to_path_buf();
            // The file is read off the runtime's threads: it may be large and on a slow disk.
            tokio::task::spawn_blocking(move || {
                crate::audit::read(&path).map(|(r, bad)| (r, bad, path.display().to_string()))
            })
            .await
            .unwrap_or_else(|e| Err(format!("reading the audit trail stopped: {e}")))
            .map_err(Failure::from)
        }
        Err(e) => Err(e.into()),
    };
    ctx.send(Action::AuditLoaded(result));
}
