//! The Locks pane: everything locked in the chosen registry (repositories, tags, manifests),
//! found by a scan that fills the table as it goes.

use crate::acr::Failure;
use crate::app::data::{Loadable, LockedItem, LockedKind, lock_marks};
use crate::app::mutation::LockTarget;
use crate::app::table::{Table, keep};
use crate::app::{Effect, Pane, State};
use crate::query::Query;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct LocksPane {
    pub table: Table,
    /// What a registry's scan found, by login server.
    pub listings: HashMap<String, Loadable<Vec<LockedItem>>>,
    /// How far a registry's scan has come: (repositories scanned, repositories in all).
    pub scan: HashMap<String, (usize, usize)>,
}

impl LocksPane {
    pub fn items(&self, login_server: &str) -> &[LockedItem] {
        self.listings
            .get(login_server)
            .and_then(|l| l.value.as_deref())
            .unwrap_or(&[])
    }
}

/// Scans the chosen registry again, from nothing: rows of an old scan would claim locks that
/// may be gone.
pub fn load(state: &mut State) -> Vec<Effect> {
    let Some(ls) = state.nav.registry.clone() else {
        return vec![];
    };
    let pane = &mut state.panes.locks;
    let l = pane.listings.entry(ls.clone()).or_default();
    let generation = l.begin();
    l.value = Some(Vec::new());
    l.error = None;
    l.partial = false;
    pane.scan.insert(ls.clone(), (0, 0));
    vec![Effect::LoadLocks {
        login_server: ls,
        generation,
    }]
}

/// The scan found these in the repositories scanned so far.
pub fn found(
    state: &mut State,
    login_server: String,
    generation: u64,
    items: Vec<LockedItem>,
    (scanned, total): (usize, usize),
) {
    let pane = &mut state.panes.locks;
    let l = pane.listings.entry(login_server.clone()).or_default();
    if !l.is_current(generation) {
        return;
    }
    l.value.get_or_insert_with(Vec::new).extend(items);
    pane.scan.insert(login_server, (scanned, total));
}

/// The scan ended; what it found before an error still shows, marked partial.
pub fn done(state: &mut State, login_server: String, generation: u64, error: Option<Failure>) {
    if !state
        .panes
        .locks
        .listings
        .get(&login_server)
        .is_some_and(|l| l.is_current(generation))
    {
        return;
    }
    let now = state.now;
    state.mark_health(&login_server, error.as_ref());
    let l = state.panes.locks.listings.entry(login_server).or_default();
    let items = l.value.take().unwrap_or_default();
    let had = !items.is_empty();
    l.settle(items, error, now, had);
    if let Some(v) = l.value.as_mut() {
        v.sort_by(|a, b| (&a.repository, a.kind, &a.reference).cmp(&(&b.repository, b.kind, &b.reference)));
    }
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let reg = state.nav.registry.clone().unwrap_or_default();
    let items = state.panes.locks.items(&reg);
    keep(query, items.len(), &|i| {
        let it = &items[i];
        let marks = lock_marks(&it.attributes);
        (
            format!("{} {} {marks} {}", it.kind.as_str(), it.target(), it.tags.join(" ")),
            vec![
                ("kind", it.kind.as_str().to_string()),
                ("repo", it.repository.clone()),
                ("locked", "yes".into()),
            ],
        )
    })
}

/// `x` on a row: unlock (or lock) what it names.
pub fn ask_lock(state: &mut State) -> Vec<Effect> {
    let ls = state.nav.registry.clone().unwrap_or_default();
    let Some(item) = state
        .selected_row(Pane::Locks)
        .and_then(|i| state.panes.locks.items(&ls).get(i))
        .cloned()
    else {
        return vec![];
    };
    let target = match item.kind {
        LockedKind::Repository => LockTarget::Repository,
        LockedKind::Tag => LockTarget::Tag(item.reference.clone()),
        LockedKind::Manifest => LockTarget::Manifest(item.reference.clone()),
    };
    let options = crate::app::mutation::lock_options(state, item.repository.clone(), target, &item.attributes);
    crate::app::mutation::ask(state, options)
}
