//! The Repositories pane: the chosen registry's repositories, named page by page; the details
//! (tag count, last update, locks) of the rows on screen are read as they come into view, so a
//! registry of 10,000 repositories costs a screenful of detail reads, not 10,000.

use crate::acr::Failure;
use crate::acr::model::RepositoryProperties;
use crate::app::data::Loadable;
use crate::app::mutation::LockTarget;
use crate::app::table::{Table, keep, rows_on_screen, window, yes};
use crate::app::{Effect, Page, Pane, State};
use crate::query::Query;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct RepositoriesPane {
    pub table: Table,
    /// Repository names by registry (login server).
    pub listings: HashMap<String, Loadable<Vec<String>>>,
    /// Repository properties (counts, locks, last update) by (login server, repository), filled
    /// in progressively.
    pub props: HashMap<(String, String), RepositoryProperties>,
    /// Repositories whose details were read since their registry's listing was last asked for
    /// (the others show what an earlier read or the cache said, or nothing yet).
    fresh: HashSet<(String, String)>,
    /// The registry and the repositories whose details are being read.
    asked: Option<(String, HashSet<String>)>,
}

impl RepositoriesPane {
    /// The names listed for a registry (none until read).
    pub fn names(&self, login_server: &str) -> &[String] {
        self.listings
            .get(login_server)
            .and_then(|l| l.value.as_deref())
            .unwrap_or(&[])
    }
}

/// Reads the chosen registry's repositories.
pub fn load(state: &mut State) -> Vec<Effect> {
    let Some(ls) = state.nav.registry.clone() else {
        return vec![];
    };
    let pane = &mut state.panes.repositories;
    // A refresh reads the details on screen again too.
    pane.fresh.retain(|(l, _)| *l != ls);
    pane.asked = None;
    let generation = pane.listings.entry(ls.clone()).or_default().begin();
    vec![Effect::LoadRepositories {
        login_server: ls,
        generation,
    }]
}

/// A page of names arrived; the last one says how the listing ended.
pub fn loaded(state: &mut State, login_server: String, page: Page, names: Vec<String>, error: Option<Failure>) {
    let now = state.now;
    let l = state
        .panes
        .repositories
        .listings
        .entry(login_server.clone())
        .or_default();
    if !l.take_page(page.generation, names) || !page.last {
        return;
    }
    l.finish(page.generation, error.clone(), now);
    state.mark_health(&login_server, error.as_ref());
}

/// Some repositories' details came (and perhaps the error that stopped others).
pub fn details(state: &mut State, login_server: String, details: Vec<RepositoryProperties>, error: Option<Failure>) {
    let pane = &mut state.panes.repositories;
    for p in details {
        let key = (login_server.clone(), p.image_name.clone());
        pane.fresh.insert(key.clone());
        pane.props.insert(key, p);
    }
    if error.is_some() {
        state.mark_health(&login_server, error.as_ref());
    }
}

/// Asks for the details of the repositories on screen that were not read yet; the request
/// replaces the one before, so rows scrolled away stop being read. A filter on `locked:` needs
/// every repository's switches, so it asks for all of them.
pub fn read_details_shown(state: &mut State) -> Vec<Effect> {
    if state.pane != Pane::Repositories {
        return vec![];
    }
    let Some(ls) = state.nav.registry.clone() else {
        return vec![];
    };
    let pane = &state.panes.repositories;
    let names = pane.names(&ls);
    if names.is_empty() {
        return vec![];
    }
    let unread = |i: &usize| {
        names
            .get(*i)
            .filter(|n| !pane.fresh.contains(&(ls.clone(), n.to_string())))
    };
    let wanted: Vec<String> = if pane.table.filter.to_lowercase().contains("locked:") {
        (0..names.len()).filter_map(|i| unread(&i)).cloned().collect()
    } else {
        let shown = state.visible(Pane::Repositories);
        let (start, end) = window(
            shown.len(),
            state.selected(Pane::Repositories),
            rows_on_screen(state.size.1),
        );
        shown[start..end].iter().filter_map(unread).cloned().collect()
    };
    let in_flight = pane
        .asked
        .as_ref()
        .is_some_and(|(l, asked)| *l == ls && wanted.iter().all(|n| asked.contains(n)));
    if wanted.is_empty() || in_flight {
        return vec![];
    }
    state.panes.repositories.asked = Some((ls.clone(), wanted.iter().cloned().collect()));
    vec![Effect::LoadRepositoryDetails {
        login_server: ls,
        names: wanted,
    }]
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let reg = state.nav.registry.clone().unwrap_or_default();
    let pane = &state.panes.repositories;
    let names = pane.names(&reg);
    keep(query, names.len(), &|i| {
        let locked = pane
            .props
            .get(&(reg.clone(), names[i].clone()))
            .map(|p| p.changeable_attributes.is_locked());
        (
            names[i].clone(),
            vec![("locked", yes(locked.unwrap_or(false))), ("name", names[i].clone())],
        )
    })
}

/// The repository under the cursor.
pub fn selected(state: &State) -> Option<String> {
    let reg = state.nav.registry.as_deref()?;
    state
        .panes
        .repositories
        .names(reg)
        .get(state.selected_row(Pane::Repositories)?)
        .cloned()
}

/// `x` on a repository: lock or unlock it whole, once its lock state is known.
pub fn ask_lock(state: &mut State) -> Vec<Effect> {
    let ls = state.nav.registry.clone().unwrap_or_default();
    let Some(repo) = selected(state) else {
        return vec![];
    };
    let Some(attrs) = state
        .panes
        .repositories
        .props
        .get(&(ls, repo.clone()))
        .map(|p| p.changeable_attributes)
    else {
        state.flash = Some((
            format!("{repo}: its lock state has not been read yet; try again in a moment"),
            true,
        ));
        return vec![];
    };
    let options = crate::app::mutation::lock_options(state, repo, LockTarget::Repository, &attrs);
    crate::app::mutation::ask(state, options)
}
