//! The dashboard's side of the listing cache (`crate::cache`): what of the state is kept, and how
//! a kept listing comes back into a pane, marked cached with the age of its read.

use super::data::{Loadable, RegistryRow, TagRow};
use super::{Action, Nav, Pane, State};
use crate::cache::{CachedRegistry, Head, Listing, Opened, Part, PartKey, PartRef, VERSION};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Tag listings kept: those of the repositories opened most recently.
pub const MAX_TAG_LISTINGS: usize = 16;
/// A tag listing longer than this is not kept: the pane fills from Azure soon after anyway, and
/// a cache should not grow with the largest repository.
pub const MAX_TAG_ROWS: usize = 5_000;

/// Whether an action changed what the cache keeps.
pub fn changes_cache(action: &Action) -> bool {
    matches!(
        action,
        Action::RegistriesLoaded { .. }
            | Action::UsageLoaded { .. }
            | Action::RepositoriesLoaded { .. }
            | Action::RepositoryDetails { .. }
            | Action::TagsLoaded { .. }
            | Action::RunsLoaded { .. }
    )
}

/// The listings on disk, as the last head named them.
pub type Written = HashMap<PartKey, PartRef>;

/// What to save: the head naming every listing kept, and the listings whose files must be
/// (re)written because they changed since `written`. Listings of an earlier session that have
/// not been read back yet are kept as they are.
pub fn plan_save(state: &State, scope: &str, written: &Written) -> (Head, Vec<Part>) {
    let registries = state.registries.value.as_ref().and_then(|rows| {
        Some(Listing {
            read_at: state.registries.loaded_at?,
            partial: state.registries.partial,
            items: rows
                .iter()
                .map(|r| CachedRegistry {
                    registry: r.registry.clone(),
                    storage: r.storage,
                })
                .collect(),
        })
    });

    let held = held(state);
    let refs = kept(&held, written);
    let changed = held
        .iter()
        .filter(|(r, _)| written.get(&r.key).is_none_or(|w| w.stamp != r.stamp) && refs.contains(r))
        .map(|(_, build)| build())
        .collect();
    let head = Head {
        version: VERSION,
        scope: scope.to_string(),
        saved_at: Some(state.now),
        registries,
        opened: state.nav.registry.clone().map(|registry| Opened {
            registry,
            repository: state.nav.repository.clone(),
        }),
        parts: refs,
        signalled: state.signals.remembered(),
    };
    (head, changed)
}

/// A listing's file as it would be written, built only if it must be.
type Build<'a> = Box<dyn Fn() -> Part + 'a>;

/// Every listing the state holds, with what would be written for it.
fn held(state: &State) -> Vec<(PartRef, Build<'_>)> {
    let mut props_count: HashMap<&str, usize> = HashMap::new();
    for (ls, _) in state.panes.repositories.props.keys() {
        *props_count.entry(ls.as_str()).or_default() += 1;
    }
    let mut held: Vec<(PartRef, Build)> = Vec::new();
    for (ls, l) in &state.panes.repositories.listings {
        let (Some(names), Some(read_at)) = (&l.value, l.loaded_at) else {
            continue;
        };
        let props = props_count.get(ls.as_str()).copied().unwrap_or(0);
        let key = PartKey::Repositories {
            login_server: ls.clone(),
        };
        let build = move || Part::Repositories {
            login_server: ls.clone(),
            listing: Listing {
                read_at,
                partial: l.partial,
                items: names.clone(),
            },
            properties: state
                .panes
                .repositories
                .props
                .iter()
                .filter(|((r, _), _)| r == ls)
                .map(|(_, p)| p.clone())
                .collect(),
        };
        held.push((part_ref(key, read_at, props), Box::new(build)));
    }
    for ((ls, repo), l) in &state.panes.tags.listings {
        let (Some(rows), Some(read_at)) = (&l.value, l.loaded_at) else {
            continue;
        };
        if rows.len() > MAX_TAG_ROWS {
            continue;
        }
        let key = PartKey::Tags {
            login_server: ls.clone(),
            repository: repo.clone(),
        };
        let build = move || {
            let mut manifests: Vec<crate::acr::model::ManifestProperties> =
                rows.iter().filter_map(|r| r.manifest.as_deref().cloned()).collect();
            // Tags on one digest share its manifest: keep it once.
            manifests.sort_by(|a, b| a.digest.cmp(&b.digest));
            manifests.dedup_by(|a, b| a.digest == b.digest);
            Part::Tags {
                login_server: ls.clone(),
                repository: repo.clone(),
                listing: Listing {
                    read_at,
                    partial: l.partial,
                    items: rows.iter().map(|r| r.tag.clone()).collect(),
                },
                manifests,
            }
        };
        held.push((part_ref(key, read_at, rows.len()), Box::new(build)));
    }
    for (ls, l) in &state.runs {
        let (Some(runs), Some(read_at)) = (&l.value, l.loaded_at) else {
            continue;
        };
        let key = PartKey::Runs {
            login_server: ls.clone(),
        };
        let build = move || Part::Runs {
            login_server: ls.clone(),
            listing: Listing {
                read_at,
                partial: l.partial,
                items: runs.clone(),
            },
        };
        held.push((part_ref(key, read_at, runs.len()), Box::new(build)));
    }

    held
}

/// The listings the head names: those held, and those of an earlier session not read back yet;
/// small listings first (they are read back first), then the most recent tag listings.
fn kept(held: &[(PartRef, Build<'_>)], written: &Written) -> Vec<PartRef> {
    let mut refs: Vec<PartRef> = held.iter().map(|(r, _)| r.clone()).collect();
    refs.extend(
        written
            .values()
            .filter(|w| !held.iter().any(|(r, _)| r.key == w.key))
            .cloned(),
    );
    refs.sort_by(|a, b| {
        let tags = |r: &PartRef| matches!(r.key, PartKey::Tags { .. });
        tags(a)
            .cmp(&tags(b))
            .then_with(|| b.read_at.cmp(&a.read_at))
            .then_with(|| a.key.cmp(&b.key))
    });
    let mut tag_listings = 0;
    refs.retain(|r| {
        if matches!(r.key, PartKey::Tags { .. }) {
            tag_listings += 1;
            tag_listings <= MAX_TAG_LISTINGS
        } else {
            true
        }
    });
    refs
}

/// A listing's stamp: when it was read and how many entries it holds, so a listing read again,
/// or one whose repositories' properties came in since, is written again.
fn part_ref(key: PartKey, read_at: DateTime<Utc>, entries: usize) -> PartRef {
    PartRef {
        key,
        read_at,
        stamp: format!("{}|{entries}", read_at.to_rfc3339()),
    }
}

/// Puts a kept listing into its pane, as cached, unless this session already read it.
pub fn restore(state: &mut State, part: Part) {
    match part {
        Part::Registries {
            listing,
            opened,
            signalled,
        } => {
            state.signals.remember(signalled);
            let rows = listing
                .items
                .into_iter()
                .map(|c| RegistryRow {
                    registry: c.registry,
                    storage: c.storage,
                    health: None,
                    replicas: None,
                })
                .collect();
            if state.registries.restore(rows, listing.read_at, listing.partial) {
                reopen(state, opened);
            }
        }
        Part::Repositories {
            login_server,
            listing,
            properties,
        } => {
            let l = state
                .panes
                .repositories
                .listings
                .entry(login_server.clone())
                .or_default();
            if l.restore(listing.items, listing.read_at, listing.partial) {
                for p in properties {
                    state
                        .panes
                        .repositories
                        .props
                        .entry((login_server.clone(), p.image_name.clone()))
                        .or_insert(p);
                }
            }
        }
        Part::Tags {
            login_server,
            repository,
            listing,
            manifests,
        } => {
            let key = (login_server, repository);
            if state.panes.tags.listings.get(&key).is_some_and(|l| l.value.is_some()) {
                return;
            }
            let manifests: HashMap<String, std::sync::Arc<crate::acr::model::ManifestProperties>> = manifests
                .into_iter()
                .map(|m| (m.digest.clone(), std::sync::Arc::new(m)))
                .collect();
            let rows: Vec<TagRow> = listing
                .items
                .into_iter()
                .map(|t| {
                    let manifest = manifests.get(&t.digest).cloned();
                    TagRow::new(t, manifest)
                })
                .collect();
            state
                .panes
                .tags
                .search
                .insert(key.clone(), super::data::tag_index(&rows));
            state
                .panes
                .tags
                .listings
                .entry(key)
                .or_default()
                .restore(rows, listing.read_at, listing.partial);
        }
        Part::Runs { login_server, listing } => {
            state
                .runs
                .entry(login_server)
                .or_default()
                .restore(listing.items, listing.read_at, listing.partial);
        }
    }
}

/// Back where the operator was: the registry and repository that were open are chosen again (and
/// the Registries cursor is on that registry), unless something was chosen already.
fn reopen(state: &mut State, opened: Option<Opened>) {
    let Some(opened) = opened else { return };
    if state.nav.registry.is_some() {
        return;
    }
    let Some(row) = state
        .registry_rows()
        .iter()
        .position(|r| r.registry.properties.login_server == opened.registry)
    else {
        return;
    };
    state.nav = Nav {
        registry: Some(opened.registry),
        repository: opened.repository,
    };
    state.table_mut(Pane::Registries).cursor = row;
}

impl<T> Loadable<T> {
    /// Shows a listing of an earlier session, read at `read_at`, where this session has none
    /// yet; a read in flight or an error of this session is kept. Whether it was taken.
    fn restore(&mut self, value: T, read_at: DateTime<Utc>, partial: bool) -> bool {
        if self.value.is_some() {
            return false;
        }
        self.value = Some(value);
        self.loaded_at = Some(read_at);
        self.partial = partial;
        self.cached = true;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Environment, update};
    use crate::keys::Keymap;
    use serde_json::json;

    fn state() -> State {
        State::new(
            Environment {
                name: "test".into(),
                detail: "test".into(),
            },
            Keymap::default(),
            false,
        )
    }

    fn registry(name: &str, stage: &str) -> crate::acr::model::Registry {
        serde_json::from_value(json!({
            "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/{name}"),
            "name": name, "tags": {"stage": stage},
            "sku": {"name": "Premium"}, "properties": {"loginServer": format!("{name}.azurecr.io")}
        }))
        .expect("registry")
    }

    fn tag(name: &str) -> crate::acr::model::TagProperties {
        serde_json::from_value(json!({
            "name": name, "digest": format!("sha256:{:0>64}", name.len()),
            "createdTime": "2026-11-01T00:00:00Z", "lastUpdateTime": "2026-11-01T00:00:00Z",
        }))
        .expect("tag")
    }

    fn run(id: &str, status: &str) -> crate::acr::model::Run {
        serde_json::from_value(json!({"name": id, "properties": {"runId": id, "status": status}})).expect("run")
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    const DEV: &str = "acrdev.azurecr.io";

    /// A session that read registries, dev's repositories (one with properties), a tag listing
    /// and the runs, at 10:00.
    fn session() -> State {
        let mut s = state();
        s.now = at("2026-11-22T10:00:00Z");
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: crate::app::Page::whole(0),
                registries: vec![registry("acrprod", "prod"), registry("acrdev", "dev")],
                error: None,
            },
        );
        update(
            &mut s,
            Action::UsageLoaded {
                login_server: DEV.into(),
                usage: Ok((10, 100)),
            },
        );
        update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: DEV.into(),
                page: crate::app::Page::whole(0),
                names: vec!["apps/api".into(), "apps/web".into()],
                error: None,
            },
        );
        update(
            &mut s,
            Action::RepositoryDetails {
                login_server: DEV.into(),
                details: vec![
                    serde_json::from_value(json!({"imageName": "apps/api", "tagCount": 2, "manifestCount": 2}))
                        .expect("props"),
                ],
                error: None,
            },
        );
        update(
            &mut s,
            Action::TagsLoaded {
                login_server: DEV.into(),
                page: crate::app::Page::whole(0),
                repository: "apps/api".into(),
                tags: vec![tag("2.2.0"), tag("2.1")],
                manifests: vec![],
                error: None,
            },
        );
        // The read the watch started when the registries were listed.
        let generation = s.runs[DEV].generation;
        update(
            &mut s,
            Action::RunsLoaded {
                login_server: DEV.into(),
                page: crate::app::Page::whole(generation),
                runs: vec![run("cf2", "Running"), run("cf1", "Succeeded")],
                error: None,
            },
        );
        s
    }

    /// Saves `from` and reads it back into a new session at 12:00, as the dashboard does: the
    /// registries first, then every other listing.
    fn round_trip(from: &State) -> State {
        let (head, changed) = plan_save(from, "scope", &Written::new());
        let mut s = state();
        s.now = at("2026-11-22T12:00:00Z");
        let head: Head = serde_json::from_str(&json(&head)).expect("head");
        update(
            &mut s,
            Action::CacheRestored(Box::new(Part::Registries {
                listing: head.registries.clone().expect("registries"),
                opened: head.opened.clone(),
                signalled: head.signalled.clone(),
            })),
        );
        for r in &head.parts {
            let part = changed
                .iter()
                .find(|p| p.key().as_ref() == Some(&r.key))
                .expect("written");
            let part: Part = serde_json::from_str(&json(part)).expect("part");
            update(&mut s, Action::CacheRestored(Box::new(part)));
        }
        s
    }

    /// Through JSON, as the files hold them.
    fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).expect("json")
    }

    #[test]
    fn a_saved_session_comes_back_as_cached_with_the_age_of_its_reads() {
        let s = round_trip(&session());
        let names: Vec<&str> = s.registry_rows().iter().map(|r| r.registry.name.as_str()).collect();
        assert_eq!(names, ["acrdev", "acrprod"]);
        assert!(s.registries.cached);
        assert_eq!(
            s.registries.loaded_at,
            Some(at("2026-11-22T10:00:00Z")),
            "the read's time, not the restore's"
        );
        let dev = s
            .registry_rows()
            .into_iter()
            .find(|r| r.registry.name == "acrdev")
            .expect("dev");
        assert_eq!(dev.storage, Some((10, 100)));
        let repos = &s.panes.repositories.listings[DEV];
        assert!(repos.cached);
        assert_eq!(
            repos.value.as_deref(),
            Some(&["apps/api".to_string(), "apps/web".to_string()][..])
        );
        assert_eq!(
            s.panes.repositories.props[&(DEV.to_string(), "apps/api".to_string())].tag_count,
            2
        );
        let tags = &s.panes.tags.listings[&(DEV.to_string(), "apps/api".to_string())];
        assert!(tags.cached);
        assert_eq!(tags.value.as_ref().map(Vec::len), Some(2));
        assert!(
            s.panes
                .tags
                .search
                .contains_key(&(DEV.to_string(), "apps/api".to_string())),
            "cached tags filter too"
        );
        assert!(s.runs[DEV].cached);
        assert_eq!(s.runs[DEV].value.as_ref().map(Vec::len), Some(2));
        // A cached pane is read again when shown; one of this session is not.
        assert!(s.runs[DEV].needs_read());
        assert!(!session().runs[DEV].needs_read());
    }

    #[test]
    fn the_operator_is_back_in_the_registry_and_repository_that_were_open() {
        let mut old = session();
        old.nav = Nav {
            registry: Some("acrprod.azurecr.io".into()),
            repository: Some("apps/web".into()),
        };
        let s = round_trip(&old);
        assert_eq!(s.nav, old.nav);
        assert_eq!(
            s.selected(Pane::Registries),
            1,
            "the cursor is on prod (dev is listed first)"
        );
        assert_eq!(s.pane, Pane::Registries, "the first frame is still the Registries pane");
        // A registry that is not in the cached listing is not chosen.
        old.nav.registry = Some("gone.azurecr.io".into());
        assert_eq!(round_trip(&old).nav, Nav::default());
    }

    #[test]
    fn fresh_reads_replace_the_cache_and_failed_ones_keep_it_marked() {
        let mut s = round_trip(&session());
        s.registries.loading = true;
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: crate::app::Page::whole(0),
                registries: vec![],
                error: Some("ARM timed out".into()),
            },
        );
        assert!(s.registries.cached, "nothing new came: still the cache");
        assert_eq!(s.registry_rows().len(), 2);
        assert_eq!(s.registries.error, Some("ARM timed out".into()));
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: crate::app::Page::whole(0),
                registries: vec![registry("acrdev", "dev")],
                error: None,
            },
        );
        assert!(!s.registries.cached);
        assert_eq!(s.registries.loaded_at, Some(s.now));
        assert_eq!(s.registry_rows().len(), 1, "what Azure says now, not what was cached");
    }

    #[test]
    fn the_cache_never_overwrites_a_read_of_this_session() {
        let old = session();
        let mut s = state();
        s.runs.entry(DEV.into()).or_default().loading = true;
        update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: DEV.into(),
                page: crate::app::Page::whole(0),
                names: vec!["fresh".into()],
                error: None,
            },
        );
        let (_, changed) = plan_save(&old, "scope", &Written::new());
        for part in changed {
            update(&mut s, Action::CacheRestored(Box::new(part)));
        }
        assert_eq!(
            s.panes.repositories.listings[DEV].value.as_deref(),
            Some(&["fresh".to_string()][..])
        );
        assert!(!s.panes.repositories.listings[DEV].cached);
        assert!(
            s.panes.repositories.props.is_empty(),
            "properties of a listing not taken are not taken"
        );
        let runs = &s.runs[DEV];
        assert!(runs.cached && runs.loading, "a read in flight is still in flight");
        assert!(!runs.needs_read(), "and is not asked for twice");
    }

    #[test]
    fn only_listings_that_changed_are_written_again() {
        let mut s = session();
        let (head, changed) = plan_save(&s, "scope", &Written::new());
        assert_eq!(changed.len(), 3, "repositories, tags, runs");
        let written: Written = head.parts.iter().map(|p| (p.key.clone(), p.clone())).collect();
        let (_, changed) = plan_save(&s, "scope", &written);
        assert!(changed.is_empty(), "nothing was read since");
        update(
            &mut s,
            Action::RepositoryDetails {
                login_server: DEV.into(),
                details: vec![serde_json::from_value(json!({"imageName": "apps/web"})).expect("props")],
                error: None,
            },
        );
        let (_, changed) = plan_save(&s, "scope", &written);
        assert_eq!(changed.len(), 1);
        assert!(matches!(&changed[0], Part::Repositories { properties, .. } if properties.len() == 2));
    }

    #[test]
    fn listings_not_read_back_yet_are_kept_and_tag_listings_are_bounded() {
        let s = session();
        let kept_elsewhere = PartRef {
            key: PartKey::Runs {
                login_server: "acrprod.azurecr.io".into(),
            },
            read_at: at("2026-11-21T09:00:00Z"),
            stamp: "x".into(),
        };
        let mut written = Written::new();
        written.insert(kept_elsewhere.key.clone(), kept_elsewhere.clone());
        let (head, _) = plan_save(&s, "scope", &written);
        assert!(
            head.parts.contains(&kept_elsewhere),
            "a listing still on disk stays named"
        );

        let mut s = state();
        for i in 0..MAX_TAG_LISTINGS + 3 {
            s.now = at("2026-11-22T10:00:00Z") + chrono::Duration::minutes(i as i64);
            update(
                &mut s,
                Action::TagsLoaded {
                    login_server: DEV.into(),
                    page: crate::app::Page::whole(0),
                    repository: format!("r{i:02}"),
                    tags: vec![tag("1")],
                    manifests: vec![],
                    error: None,
                },
            );
        }
        let huge: Vec<_> = (0..=MAX_TAG_ROWS).map(|i| tag(&format!("t{i}"))).collect();
        update(
            &mut s,
            Action::TagsLoaded {
                login_server: DEV.into(),
                page: crate::app::Page::whole(0),
                repository: "huge".into(),
                tags: huge,
                manifests: vec![],
                error: None,
            },
        );
        let (head, changed) = plan_save(&s, "scope", &Written::new());
        let repos: Vec<String> = head
            .parts
            .iter()
            .filter_map(|p| match &p.key {
                PartKey::Tags { repository, .. } => Some(repository.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(repos.len(), MAX_TAG_LISTINGS);
        assert_eq!(
            repos[0],
            format!("r{:02}", MAX_TAG_LISTINGS + 2),
            "the most recent first"
        );
        assert!(!repos.contains(&"r00".to_string()), "the oldest dropped out");
        assert!(
            !repos.contains(&"huge".to_string()),
            "a listing over {MAX_TAG_ROWS} rows is not kept"
        );
        assert_eq!(
            changed.len(),
            MAX_TAG_LISTINGS,
            "a dropped listing is not written either"
        );
    }
}
