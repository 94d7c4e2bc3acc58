//! Moving between panes: showing one (and reading what it shows if it has nothing yet),
//! drilling down with Enter, backing out with Esc, refreshing what is shown.

use super::data::Loadable;
use super::panes::{audit, cache_rules, imports, locks, promotions, registries, repositories, runs, tags};
use super::{Effect, Nav, Pane, State};

/// Switches pane, loading what it shows if it has nothing yet.
pub fn show(state: &mut State, pane: Pane) -> Vec<Effect> {
    state.pane = pane;
    if state.nav.registry.is_none() && matches!(pane, Pane::Repositories | Pane::Runs | Pane::Locks | Pane::CacheRules)
    {
        state.nav.registry = state.registry_under_cursor();
    }
    let reg = state.nav.registry.clone().unwrap_or_default();
    let p = &state.panes;
    match pane {
        Pane::Locks if unread(p.locks.listings.get(&reg)) => locks::load(state),
        Pane::CacheRules if unread(p.cache_rules.listings.get(&reg)) => cache_rules::load(state),
        Pane::Runs if unread(state.runs.get(&reg)) || unread(p.runs.tasks.get(&reg)) => runs::load(state),
        Pane::Repositories if unread(p.repositories.listings.get(&reg)) => repositories::load(state),
        Pane::Tags => tags::show(state),
        Pane::Imports => imports::on_show(state),
        Pane::Promotions => promotions::show_board(state, None),
        Pane::Audit => audit::load(state),
        Pane::Webhooks | Pane::Rollout => super::hooks::load(state, false),
        Pane::Tokens => super::panes::tokens::load(state, false),
        Pane::Requests => super::panes::requests::show(state),
        _ => vec![],
    }
}

/// Nothing was read for a pane yet, or only the cache was.
fn unread<T>(listing: Option<&Loadable<T>>) -> bool {
    listing.is_none_or(|l| l.needs_read())
}

/// Enter: into the registry or repository under the cursor, a tag's detail, a run's log.
pub fn open(state: &mut State) -> Vec<Effect> {
    match state.pane {
        Pane::Registries => {
            let Some(ls) = state.registry_under_cursor() else {
                return vec![];
            };
            if state.nav.registry.as_deref() != Some(ls.as_str()) {
                state.nav = Nav {
                    registry: Some(ls),
                    repository: None,
                };
                state.table_mut(Pane::Repositories).cursor = 0;
            }
            state.pane = Pane::Repositories;
            repositories::load(state)
        }
        Pane::Repositories => {
            let Some(repo) = repositories::selected(state) else {
                return vec![];
            };
            if state.nav.repository.as_deref() != Some(repo.as_str()) {
                state.nav.repository = Some(repo);
                state.table_mut(Pane::Tags).cursor = 0;
            }
            state.pane = Pane::Tags;
            tags::load(state)
        }
        Pane::Tags => {
            if state.selected_row(Pane::Tags).is_some() {
                state.panes.tags.detail = true;
            }
            vec![]
        }
        Pane::Runs => runs::open(state),
        Pane::Requests => validation_log(state),
        _ => vec![],
    }
}

/// Enter on a promotion request: the log of its validation run, in the Runs pane of the source
/// stage's registry.
fn validation_log(state: &mut State) -> Vec<Effect> {
    use crate::promote::approval::Validation;
    let Some(row) = state
        .selected_row(Pane::Requests)
        .and_then(|i| super::gate::row(state, i))
    else {
        return vec![];
    };
    let run_id = match &row.judgement.validation {
        Validation::Passed { run_id, .. } | Validation::Failed { run_id, .. } => run_id.clone(),
        _ => {
            state.flash = Some(("this request has no validation run to show".into(), true));
            return vec![];
        }
    };
    let ls = row.found.request.source_registry.clone();
    choose_registry(state, ls.clone());
    state.pane = Pane::Runs;
    let mut effects = if unread(state.runs.get(&ls)) {
        runs::load(state)
    } else {
        vec![]
    };
    effects.extend(runs::open_log(state, &run_id));
    effects
}

/// Esc: out of a tag's detail or the tasks list, then clears a filter, then goes back up.
pub fn back(state: &mut State) -> Vec<Effect> {
    if state.pane == Pane::Tags && std::mem::replace(&mut state.panes.tags.detail, false) {
        return vec![];
    }
    if state.pane == Pane::Runs && runs::back(state) {
        return vec![];
    }
    let pane = state.pane;
    let table = state.table_mut(pane);
    if !table.filter.is_empty() {
        table.filter.clear();
        return vec![];
    }
    state.pane = match state.pane {
        Pane::Tags => Pane::Repositories,
        Pane::Repositories | Pane::Runs | Pane::Locks | Pane::CacheRules => Pane::Registries,
        other => other,
    };
    vec![]
}

/// ctrl-r: read what the pane shows again.
pub fn refresh(state: &mut State) -> Vec<Effect> {
    match state.pane {
        Pane::Registries => registries::load(state),
        Pane::Repositories => repositories::load(state),
        Pane::Tags => tags::load(state),
        Pane::Runs => runs::reload(state),
        Pane::Locks => locks::load(state),
        Pane::CacheRules => cache_rules::load(state),
        Pane::Imports => imports::plan(state),
        Pane::Promotions => promotions::load(state),
        Pane::Audit => audit::load(state),
        Pane::Rollout => {
            let mut effects = super::panes::rollout::refresh(state);
            effects.extend(super::hooks::load(state, true));
            effects
        }
        Pane::Webhooks => super::hooks::load(state, true),
        Pane::Tokens => super::panes::tokens::load(state, true),
        Pane::Requests => super::gate::load(state),
    }
}

/// Goes to another registry (by login server): the panes under it start from their top.
pub fn choose_registry(state: &mut State, login_server: String) {
    if state.nav.registry.as_deref() == Some(login_server.as_str()) {
        return;
    }
    state.nav = Nav {
        registry: Some(login_server),
        repository: None,
    };
    state.panes.runs.log_shown = None;
    state.panes.tags.detail = false;
    for p in [
        Pane::Repositories,
        Pane::Tags,
        Pane::Locks,
        Pane::CacheRules,
        Pane::Runs,
    ] {
        state.table_mut(p).cursor = 0;
    }
}

/// Goes to a repository's tags in the chosen registry.
pub fn tags_of(state: &mut State, repository: String) -> Vec<Effect> {
    if state.nav.repository.as_deref() != Some(repository.as_str()) {
        state.nav.repository = Some(repository);
        state.table_mut(Pane::Tags).cursor = 0;
        state.panes.tags.detail = false;
    }
    state.pane = Pane::Tags;
    tags::show(state)
}
