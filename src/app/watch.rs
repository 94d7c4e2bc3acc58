//! Every registry's runs, kept fresh whichever pane is shown: the Runs pane and the rollout view
//! show them, and the signals judge them (a run that failed while the operator looked at another
//! pane). Each registry is re-read on its own timer, fast while one of its runs is active, slow
//! when all are idle: the requests a minute are those of a Runs pane open on each registry.

use super::data::Loadable;
use super::{Effect, Page, Refresh, State};
use crate::acr::Failure;
use crate::acr::RegistryRef;
use crate::acr::model::{Run, RunStatus};
use std::collections::HashMap;

/// Reads a registry's newest runs (a read already under way is replaced).
pub fn load(state: &mut State, login_server: &str) -> Vec<Effect> {
    let Some(registry) = state
        .registry_by_login(login_server)
        .and_then(|r| RegistryRef::parse(&r.id))
    else {
        return vec![];
    };
    let generation = state.runs.entry(login_server.to_string()).or_default().begin();
    vec![Effect::LoadRuns {
        registry,
        login_server: login_server.to_string(),
        generation,
    }]
}

/// Starts watching the registries listed that are not watched yet (never read this session and
/// not being read).
pub fn watch_new(state: &mut State) -> Vec<Effect> {
    let unwatched: Vec<String> = state
        .registry_rows()
        .iter()
        .map(|r| r.registry.properties.login_server.clone())
        .filter(|ls| state.runs.get(ls).is_none_or(|l| !l.loading && l.needs_read()))
        .collect();
    unwatched.iter().flat_map(|ls| load(state, ls)).collect()
}

/// A page of a registry's runs arrived. At the end of a read: what changed is judged by the
/// signals, and the next read is timed by whether anything still runs.
pub fn loaded(
    state: &mut State,
    login_server: String,
    page: Page,
    runs: Vec<Run>,
    error: Option<Failure>,
) -> Vec<Effect> {
    let now = state.now;
    let l = state.runs.entry(login_server.clone()).or_default();
    // What was known before this read (a re-read keeps the old rows until it ends).
    let before: HashMap<String, RunStatus> = known(l);
    let since = l.loaded_at;
    if !l.take_page(page.generation, runs) || !page.last {
        return vec![];
    }
    l.finish(page.generation, error, now);
    let active = l.value.iter().flatten().any(|r| r.status().is_active());
    let ended = state
        .runs_of(&login_server)
        .iter()
        .any(|r| !r.status().is_active() && before.get(r.run_id()).is_some_and(RunStatus::is_active));
    let mut effects = super::signals::runs_read(state, &login_server, &before, since);
    // A run that ended may have pushed: its webhook deliveries are read again if shown.
    if ended {
        effects.extend(super::hooks::reread_if_shown(state, &login_server));
    }
    let after = if active {
        state.refresh.runs_active
    } else {
        state.refresh.runs_idle
    };
    effects.push(Effect::RefreshLater {
        after,
        refresh: Refresh::Runs { login_server },
    });
    effects
}

fn known(l: &Loadable<Vec<Run>>) -> HashMap<String, RunStatus> {
    l.value
        .iter()
        .flatten()
        .map(|r| (r.run_id().to_string(), r.status()))
        .collect()
}

/// A registry's timer fired: read its runs again.
pub fn refresh_due(state: &mut State, login_server: &str) -> Vec<Effect> {
    load(state, login_server)
}
