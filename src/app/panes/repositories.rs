//! The Repositories pane: the chosen registry's repositories, their details filled in as they
//! are read.

use crate::acr::Failure;
use crate::acr::model::RepositoryProperties;
use crate::app::data::Loadable;
use crate::app::mutation::LockTarget;
use crate::app::table::{Table, keep, yes};
use crate::app::{Effect, Page, Pane, State};
use crate::query::Query;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct RepositoriesPane {
    pub table: Table,
    /// Repository names by registry (login server).
    pub listings: HashMap<String, Loadable<Vec<String>>>,
    /// Repository properties (counts, locks, last update) by (login server, repository), filled
    /// in progressively.
    pub props: HashMap<(String, String), RepositoryProperties>,
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
    let generation = state.panes.repositories.listings.entry(ls.clone()).or_default().begin();
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

pub fn properties(state: &mut State, login_server: String, properties: RepositoryProperties) {
    state
        .panes
        .repositories
        .props
        .insert((login_server, properties.image_name.clone()), properties);
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
