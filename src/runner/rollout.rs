//! The reads of what operators check during a rollout besides runs: each registry's webhooks
//! (with where they deliver and their deliveries) and its tokens (with their scope maps). Never
//! a credential: no `generateCredentials`, no `listCredentials`, and of a webhook's callback
//! only the host is kept.

use super::Ctx;
use super::listings::arm;
use crate::acr::paging::collect;
use crate::acr::{Failure, RegistryRef};
use crate::app::data::{TokenRow, WebhookRow};
use crate::app::{Action, Page};

/// A registry's webhooks, each with its callback's host and its deliveries, sent whole.
pub async fn webhooks(ctx: Ctx, registry: RegistryRef, login_server: String, generation: u64) {
    let send = |webhooks, error| {
        ctx.send(Action::WebhooksLoaded {
            login_server: login_server.clone(),
            page: Page::whole(generation),
            webhooks,
            error,
        })
    };
    let arm = match arm(&ctx) {
        Ok(a) => a,
        Err(e) => return send(vec![], Some(e)),
    };
    let listed = collect(arm.list_webhooks(&registry)).await;
    let mut rows = Vec::with_capacity(listed.items.len());
    for webhook in listed.items {
        let (host, deliveries) = arm.webhook_detail(&registry, &webhook.name).await;
        // What could not be read is kept beside what could.
        let problem = host
            .as_ref()
            .err()
            .or(deliveries.as_ref().err())
            .cloned()
            .map(Failure::from);
        rows.push(WebhookRow {
            host: host.ok().flatten(),
            deliveries: deliveries.unwrap_or_default(),
            problem,
            webhook,
        });
    }
    send(rows, listed.error.map(Failure::from));
}

/// A registry's tokens joined to their scope maps, sent whole.
pub async fn tokens(ctx: Ctx, registry: RegistryRef, login_server: String, generation: u64) {
    let send = |tokens, error| {
        ctx.send(Action::TokensLoaded {
            login_server: login_server.clone(),
            page: Page::whole(generation),
            tokens,
            error,
        })
    };
    let arm = match arm(&ctx) {
        Ok(a) => a,
        Err(e) => return send(vec![], Some(e)),
    };
    let (tokens, maps) = futures::join!(
        collect(arm.list_tokens(&registry)),
        collect(arm.list_scope_maps(&registry))
    );
    let rows = tokens
        .items
        .into_iter()
        .map(|token| TokenRow {
            scope_map: token.properties.scope_map_name().map(str::to_string),
            permissions: token.grants(&maps.items),
            token,
        })
        .collect();
    // Without the scope maps the permissions shown would be empty, not unknown: say so.
    send(rows, tokens.error.or(maps.error).map(Failure::from));
}
