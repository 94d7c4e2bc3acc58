//! Every registry's webhooks and their deliveries, shared by the Webhooks pane and the rollout
//! view's feed (pushes and deletes the registries reported). Read when either is shown, on
//! ctrl-r, after a ping and when a registry's run ends (it may have pushed): never on a timer,
//! so an idle dashboard makes no more requests for them. A push to a production registry
//! delivered since the session began raises the production-push signal, under the same key a
//! run's push does, so one push is told once whichever saw it first.

use super::data::WebhookRow;
use super::signals::{self, SignalKind};
use super::{Effect, Page, State};
use crate::acr::{Failure, RegistryRef};

/// Reads the webhooks of every registry (`all`), or of those never read.
pub fn load(state: &mut State, all: bool) -> Vec<Effect> {
    let targets: Vec<String> = state
        .registry_rows()
        .iter()
        .map(|r| r.registry.properties.login_server.clone())
        .filter(|ls| all || state.webhooks.get(ls).is_none_or(|l| l.needs_read()))
        .collect();
    targets.iter().flat_map(|ls| load_one(state, ls)).collect()
}

/// Reads one registry's webhooks again (a read under way is replaced).
pub fn load_one(state: &mut State, login_server: &str) -> Vec<Effect> {
    let Some(registry) = state
        .registry_by_login(login_server)
        .and_then(|r| RegistryRef::parse(&r.id))
    else {
        return vec![];
    };
    let generation = state.webhooks.entry(login_server.to_string()).or_default().begin();
    vec![Effect::LoadWebhooks {
        registry,
        login_server: login_server.to_string(),
        generation,
    }]
}

/// Reads a registry's webhooks again if they were read before (someone looks at them).
pub fn reread_if_shown(state: &mut State, login_server: &str) -> Vec<Effect> {
    if state
        .webhooks
        .get(login_server)
        .is_some_and(|l| l.value.is_some() && !l.loading)
    {
        load_one(state, login_server)
    } else {
        vec![]
    }
}

pub fn loaded(
    state: &mut State,
    login_server: String,
    page: Page,
    webhooks: Vec<WebhookRow>,
    error: Option<Failure>,
) -> Vec<Effect> {
    let now = state.now;
    let l = state.webhooks.entry(login_server.clone()).or_default();
    if !l.take_page(page.generation, webhooks) || !page.last {
        return vec![];
    }
    l.finish(page.generation, error, now);
    production_pushes(state, &login_server)
}

/// Pushes to a production registry delivered since the session began, each signalled once.
fn production_pushes(state: &mut State, login_server: &str) -> Vec<Effect> {
    if !state.is_production(login_server) {
        return vec![];
    }
    let name = state.registry_name_of(login_server);
    let since = state.session_start;
    let mut pushes: Vec<(String, String, String, String)> = state
        .webhooks
        .get(login_server)
        .and_then(|l| l.value.as_ref())
        .into_iter()
        .flatten()
        .flat_map(|w| w.deliveries.iter().map(move |d| (w, d)))
        .filter(|(_, d)| d.action == "push" && d.at.is_some_and(|t| t > since))
        .filter_map(|(w, d)| {
            let what = format!("{}:{}", d.repository.as_deref()?, d.tag.as_deref().unwrap_or("?"));
            Some((what, d.digest.clone()?, w.webhook.name.clone(), d.id.clone()))
        })
        .collect();
    // One push reaches every webhook whose scope covers it: told once.
    pushes.sort();
    pushes.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let mut effects = Vec::new();
    for (what, digest, webhook, _) in pushes {
        let short: String = digest.chars().take(19).collect();
        effects.extend(signals::raise(
            state,
            SignalKind::ProductionPush,
            format!("push:{login_server}/{what}@{digest}"),
            format!("{what} ({short}) pushed to production {name} (webhook {webhook})"),
            false,
        ));
    }
    effects
}
