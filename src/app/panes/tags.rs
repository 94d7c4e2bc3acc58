//! The Tags pane: a repository's tags joined with their manifests, sortable, filterable, with
//! the selected tag's detail.

use crate::acr::Failure;
use crate::acr::model::{ManifestProperties, TagProperties};
use crate::app::data::{Loadable, TagRow, tag_index};
use crate::app::mutation::LockTarget;
use crate::app::table::{Sort, Table, TagColumn};
use crate::app::{Effect, Page, Pane, State};
use crate::query::{Query, SearchIndex};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct TagsPane {
    pub table: Table,
    /// Tag listings by (login server, repository).
    pub listings: HashMap<(String, String), Loadable<Vec<TagRow>>>,
    /// The `/` search text of each listing, built once when it loads (see `SearchIndex`).
    pub search: HashMap<(String, String), SearchIndex>,
    /// The manifests of each listing being read, for joining the tags that come after them.
    joins: HashMap<(String, String), Join>,
    /// The selected tag's detail is shown instead of the table.
    pub detail: bool,
}

impl TagsPane {
    pub fn rows(&self, login_server: &str, repository: &str) -> &[TagRow] {
        self.listings
            .get(&(login_server.to_string(), repository.to_string()))
            .and_then(|l| l.value.as_deref())
            .unwrap_or(&[])
    }
}

/// Reads the chosen repository's tags.
pub fn load(state: &mut State) -> Vec<Effect> {
    let (Some(ls), Some(repo)) = (state.nav.registry.clone(), state.nav.repository.clone()) else {
        return vec![];
    };
    let generation = state
        .panes
        .tags
        .listings
        .entry((ls.clone(), repo.clone()))
        .or_default()
        .begin();
    vec![Effect::LoadTags {
        login_server: ls,
        repository: repo,
        generation,
    }]
}

/// A listing's manifests while it is read: tags and manifests come in pages side by side, so a
/// tag may come before its manifest. Each manifest is held once, shared by its tags.
#[derive(Debug, Clone, Default)]
struct Join {
    generation: u64,
    by_digest: HashMap<String, Arc<ManifestProperties>>,
    /// Rows whose manifest has not come yet, by digest.
    waiting: HashMap<String, Vec<usize>>,
}

/// A page of a tags listing arrived: each tag is joined with its manifest by a lookup on the
/// digest (now, or when the manifest's page comes). On the last page the search index is built
/// for the rows the pane now holds (kept on a failed refresh too).
pub fn loaded(
    state: &mut State,
    key: (String, String),
    page: Page,
    tags: Vec<TagProperties>,
    manifests: Vec<ManifestProperties>,
    error: Option<Failure>,
) {
    let now = state.now;
    let pane = &mut state.panes.tags;
    let l = pane.listings.entry(key.clone()).or_default();
    if !l.is_current(page.generation) {
        return;
    }
    let join = pane.joins.entry(key.clone()).or_default();
    if join.generation != page.generation {
        *join = Join {
            generation: page.generation,
            ..Join::default()
        };
    }
    if !tags.is_empty()
        && let Some(rows) = l.filling(page.generation)
    {
        for t in tags {
            let manifest = join.by_digest.get(&t.digest).cloned();
            if manifest.is_none() {
                join.waiting.entry(t.digest.clone()).or_default().push(rows.len());
            }
            rows.push(TagRow::new(t, manifest));
        }
    }
    for m in manifests {
        let m = Arc::new(m);
        if let Some(waiting) = join.waiting.remove(&m.digest)
            && let Some(rows) = l.filling(page.generation)
        {
            for i in waiting {
                if let Some(row) = rows.get_mut(i) {
                    row.manifest = Some(m.clone());
                }
            }
        }
        join.by_digest.insert(m.digest.clone(), m);
    }
    if !page.last {
        return;
    }
    pane.joins.remove(&key);
    l.finish(page.generation, error.clone(), now);
    let index = tag_index(l.value.as_deref().unwrap_or(&[]));
    pane.search.insert(key.clone(), index);
    state.mark_health(&key.0, error.as_ref());
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let reg = state.nav.registry.clone().unwrap_or_default();
    let repo = state.nav.repository.clone().unwrap_or_default();
    let pane = &state.panes.tags;
    let rows = pane.rows(&reg, &repo);
    let mut shown: Vec<usize> = if query.is_empty() {
        (0..rows.len()).collect()
    } else {
        match pane.search.get(&(reg, repo)).filter(|ix| ix.len() == rows.len()) {
            Some(index) => query.filter_indexed(index),
            // Rows put in place without their index (tests): build it here.
            None => query.filter_indexed(&tag_index(rows)),
        }
    };
    if let Some(sort) = pane.table.sort {
        sort.apply(&mut shown, rows);
    }
    shown
}

/// The selected tag's row.
pub fn selected(state: &State) -> Option<&TagRow> {
    let (ls, repo) = (state.nav.registry.as_deref()?, state.nav.repository.as_deref()?);
    state.panes.tags.rows(ls, repo).get(state.selected_row(Pane::Tags)?)
}

/// `s` cycles the sort column (and back to the service's order); `S` flips it.
pub fn sort(state: &mut State, reverse: bool) {
    let table = &mut state.panes.tags.table;
    let next = match (table.sort, reverse) {
        (Some(s), true) => Some(Sort {
            descending: !s.descending,
            ..s
        }),
        (None, true) => Some(Sort {
            column: TagColumn::Created,
            descending: false,
        }),
        (None, false) => Some(Sort {
            column: TagColumn::Tag,
            descending: false,
        }),
        (Some(s), false) => s.column.next().map(|column| Sort {
            column,
            descending: false,
        }),
    };
    table.sort = next;
}

/// `x` on a tag: lock or unlock it.
pub fn ask_lock(state: &mut State) -> Vec<Effect> {
    let Some(row) = selected(state) else { return vec![] };
    let (repo, target, attrs) = (
        state.nav.repository.clone().unwrap_or_default(),
        LockTarget::Tag(row.tag.name.clone()),
        row.tag.changeable_attributes,
    );
    let options = crate::app::mutation::lock_options(state, repo, target, &attrs);
    crate::app::mutation::ask(state, options)
}

/// `X`: lock or unlock the selected tag's manifest (its digest, and so every tag on it).
pub fn ask_lock_digest(state: &mut State) -> Vec<Effect> {
    let Some(row) = selected(state) else { return vec![] };
    let digest = row.tag.digest.clone();
    // The manifest's own switches when known; a tag's are a fair guess otherwise.
    let attrs = row
        .manifest
        .as_ref()
        .map(|m| m.changeable_attributes)
        .unwrap_or(row.tag.changeable_attributes);
    let repo = state.nav.repository.clone().unwrap_or_default();
    let options = crate::app::mutation::lock_options(state, repo, LockTarget::Manifest(digest), &attrs);
    crate::app::mutation::ask(state, options)
}
