//! The Tags pane: a repository's tags joined with their manifests, sortable, filterable, with
//! the selected tag's detail.

use crate::acr::Failure;
use crate::acr::model::{ManifestProperties, TagProperties};
use crate::app::data::{Loadable, TagRow, index_tag, tag_index};
use crate::app::mutation::LockTarget;
use crate::app::table::{Sort, Table, TagColumn};
use crate::app::{Effect, Page, Pane, Refresh, State};
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
    // The repository's tag count, when read, is what the progress of the read is shown against.
    let expected = state
        .panes
        .repositories
        .props
        .get(&(ls.clone(), repo.clone()))
        .map(|p| p.tag_count);
    let listing = state.panes.tags.listings.entry((ls.clone(), repo.clone())).or_default();
    listing.expected = expected;
    let generation = listing.begin();
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
    /// A manifest came after some of its tags were indexed: their platforms are not in the
    /// index yet, so it is built again at the end.
    late: bool,
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
) -> Vec<Effect> {
    let now = state.now;
    let pane = &mut state.panes.tags;
    let l = pane.listings.entry(key.clone()).or_default();
    if !l.is_current(page.generation) {
        return vec![];
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
            join.late = true;
        }
        join.by_digest.insert(m.digest.clone(), m);
    }
    // The rows shown as they come (a first read) are searchable as they come: their index
    // grows by the page instead of being built again for every page.
    let shown = l.value.as_deref().unwrap_or(&[]);
    let index = pane.search.entry(key.clone()).or_insert_with(|| tag_index(&[]));
    if index.len() > shown.len() {
        *index = tag_index(shown);
    } else {
        for r in &shown[index.len()..] {
            index_tag(index, r);
        }
    }
    if !page.last {
        return vec![];
    }
    let late = pane.joins.remove(&key).is_some_and(|j| j.late);
    l.finish(page.generation, error.clone(), now);
    // The index grown page by page is whole unless manifests came late or the rows were held
    // back (a re-read): then it is built for the rows now shown.
    let rows = l.value.as_deref().unwrap_or(&[]);
    if late || pane.search.get(&key).is_none_or(|ix| ix.len() != rows.len()) {
        pane.search.insert(key.clone(), tag_index(rows));
    }
    state.mark_health(&key.0, error.as_ref());
    vec![check_later(state, key)]
}

/// How many of the newest tags the cheap check reads: one page.
pub const CHECK_PAGE: usize = 100;

/// The next cheap check of a listing, one refresh interval from now.
fn check_later(state: &State, (login_server, repository): (String, String)) -> Effect {
    Effect::RefreshLater {
        after: state.refresh.listings,
        refresh: Refresh::Tags {
            login_server,
            repository,
        },
    }
}

/// Showing a repository's tags: a listing already read this session is brought up to date by
/// the cheap check once it is a refresh interval old; one never read (or only from the cache)
/// is read whole. A read that failed with nothing to show is retried by the operator (ctrl-r),
/// not on every visit.
pub fn show(state: &mut State) -> Vec<Effect> {
    let (Some(ls), Some(repo)) = (state.nav.registry.clone(), state.nav.repository.clone()) else {
        return vec![];
    };
    let interval = chrono::Duration::from_std(state.refresh.listings).unwrap_or_default();
    let recent = state
        .panes
        .tags
        .listings
        .get(&(ls, repo))
        // Rows from an earlier session's cache are read again whatever their age.
        .filter(|l| !l.cached)
        .and_then(|l| l.loaded_at)
        .is_some_and(|at| state.now - at < interval);
    if recent { vec![] } else { bring_up_to_date(state) }
}

/// The shown listing: checked cheaply when it was read this session, read whole when it never
/// was (or only from the cache).
fn bring_up_to_date(state: &mut State) -> Vec<Effect> {
    let (Some(ls), Some(repo)) = (state.nav.registry.clone(), state.nav.repository.clone()) else {
        return vec![];
    };
    match state.panes.tags.listings.get(&(ls.clone(), repo.clone())) {
        Some(l) if l.loading || (l.value.is_none() && l.error.is_some()) => vec![],
        Some(l) if l.value.is_some() && !l.cached => vec![Effect::CheckTags {
            login_server: ls,
            repository: repo,
            generation: l.generation,
        }],
        _ => load(state),
    }
}

/// A check is due: made when the listing is still on screen (a hidden pane is checked when it
/// is shown again). The timer, not the clock on screen (which moves twice a minute when idle),
/// says it is due.
pub fn check_due(state: &mut State, login_server: String, repository: String) -> Vec<Effect> {
    let on_screen = state.pane == Pane::Tags
        && state.nav.registry.as_deref() == Some(login_server.as_str())
        && state.nav.repository.as_deref() == Some(repository.as_str());
    if !on_screen {
        return vec![];
    }
    bring_up_to_date(state)
}

/// The cheap check came back. Tags that are new or changed come first in the service's newest-
/// first order, so they are all in its page unless more than a page changed; then they take
/// their places at the top. The listing is read whole again when the check cannot vouch for
/// it: the page holds nothing already known unchanged (more than a page changed), or the count
/// of tags differs from the rows held (tags were deleted).
pub fn checked(
    state: &mut State,
    key: (String, String),
    generation: u64,
    newest: Result<Vec<TagProperties>, Failure>,
    count: Option<u64>,
) -> Vec<Effect> {
    let now = state.now;
    let Some(l) = state.panes.tags.listings.get_mut(&key) else {
        return vec![];
    };
    if !l.is_current(generation) || l.loading {
        return vec![];
    }
    let newest = match newest {
        Ok(n) => n,
        Err(e) => {
            l.error = Some(e.clone());
            state.mark_health(&key.0, Some(&e));
            return vec![check_later(state, key)];
        }
    };
    let Some(rows) = l.value.as_mut() else {
        return load(state);
    };
    let merged = merge_newest(rows, newest);
    let whole_again = match merged {
        Merge::Unchanged | Merge::Merged(_) => count.is_some_and(|c| c != rows.len() as u64),
        Merge::TooMany => true,
    };
    if whole_again {
        return load(state);
    }
    l.error = None;
    l.loaded_at = Some(now);
    l.expected = count;
    let mut effects = vec![check_later(state, key.clone())];
    if let Merge::Merged(missing) = merged {
        let rows = state.panes.tags.rows(&key.0, &key.1);
        state.panes.tags.search.insert(key.clone(), tag_index(rows));
        if !missing.is_empty() {
            effects.push(Effect::LoadTagManifests {
                login_server: key.0,
                repository: key.1,
                digests: missing,
            });
        }
    }
    effects
}

/// What the newest page did to the rows held.
enum Merge {
    /// Every tag in it was held, unchanged.
    Unchanged,
    /// New or changed tags were put at the top; these digests' manifests are not held.
    Merged(Vec<String>),
    /// Not one tag of a full page was held unchanged: more may have changed than it shows.
    TooMany,
}

fn merge_newest(rows: &mut Vec<TagRow>, newest: Vec<TagProperties>) -> Merge {
    let (page, full) = (newest.len(), newest.len() >= CHECK_PAGE);
    let held: HashMap<&str, usize> = rows.iter().enumerate().map(|(i, r)| (r.tag.name.as_str(), i)).collect();
    let changed: Vec<TagProperties> = newest
        .into_iter()
        .filter(|t| held.get(t.name.as_str()).is_none_or(|&i| rows[i].tag != *t))
        .collect();
    if changed.is_empty() {
        return Merge::Unchanged;
    }
    if full && changed.len() == page {
        return Merge::TooMany;
    }
    let manifests: HashMap<String, Arc<ManifestProperties>> = rows
        .iter()
        .filter_map(|r| r.manifest.clone())
        .map(|m| (m.digest.clone(), m))
        .collect();
    let names: std::collections::HashSet<&str> = changed.iter().map(|t| t.name.as_str()).collect();
    rows.retain(|r| !names.contains(r.tag.name.as_str()));
    let mut missing = Vec::new();
    let fresh: Vec<TagRow> = changed
        .into_iter()
        .map(|t| {
            let m = manifests.get(&t.digest).cloned();
            if m.is_none() && !missing.contains(&t.digest) {
                missing.push(t.digest.clone());
            }
            TagRow::new(t, m)
        })
        .collect();
    rows.splice(0..0, fresh);
    Merge::Merged(missing)
}

/// Manifests read for tags the check brought: joined to every row on their digests. One that
/// could not be read leaves its rows without size and platforms, and the registry marked.
pub fn manifests_read(
    state: &mut State,
    key: (String, String),
    manifests: Vec<ManifestProperties>,
    error: Option<Failure>,
) {
    if error.is_some() {
        state.mark_health(&key.0, error.as_ref());
    }
    let Some(rows) = state.panes.tags.listings.get_mut(&key).and_then(|l| l.value.as_mut()) else {
        return;
    };
    let by_digest: HashMap<String, Arc<ManifestProperties>> =
        manifests.into_iter().map(|m| (m.digest.clone(), Arc::new(m))).collect();
    for r in rows.iter_mut().filter(|r| r.manifest.is_none()) {
        r.manifest = by_digest.get(&r.tag.digest).cloned();
    }
    let rows = state.panes.tags.rows(&key.0, &key.1);
    state.panes.tags.search.insert(key.clone(), tag_index(rows));
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
