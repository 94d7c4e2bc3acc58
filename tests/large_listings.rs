//! How the dashboard's core handles large listings, action by action (no network): repository
//! details are asked for only for the rows on screen, a tags listing is kept up to date by the
//! cheap check (the newest page and the tag count) instead of being read whole again, and runs
//! arriving page by page are shown at once and judged whole.

use acrdeck::acr::model::{ManifestProperties, RepositoryProperties, TagProperties};
use acrdeck::app::{Action, Effect, Environment, Nav, Page, Pane, Refresh, State, update};
use acrdeck::keys::Keymap;
use serde_json::json;

const LS: &str = "big.azurecr.io";
const REPO: &str = "apps/web";

fn state() -> State {
    let mut s = State::new(
        Environment {
            name: "test".into(),
            detail: "large listings".into(),
        },
        Keymap::default(),
        true,
    );
    s.size = (120, 30);
    s.nav = Nav {
        registry: Some(LS.into()),
        repository: None,
    };
    s
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("team/repository-{i:05}")).collect()
}

fn details_asked(effects: &[Effect]) -> Vec<Vec<String>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadRepositoryDetails { login_server, names } if login_server == LS => Some(names.clone()),
            _ => None,
        })
        .collect()
}

fn props(name: &str) -> RepositoryProperties {
    serde_json::from_value(json!({"imageName": name, "tagCount": 3, "manifestCount": 1})).expect("properties")
}

#[test]
fn repository_details_are_read_for_the_rows_on_screen_only() {
    let mut s = state();
    s.pane = Pane::Repositories;
    let generation = match acrdeck::app::panes::repositories::load(&mut s).as_slice() {
        [Effect::LoadRepositories { generation, .. }] => *generation,
        other => panic!("one read of the names, not {other:?}"),
    };
    let all = names(10_000);
    let on_screen = acrdeck::app::table::rows_on_screen(s.size.1);
    let mut asked = Vec::new();
    for (i, page) in all.chunks(1000).enumerate() {
        let effects = update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: LS.into(),
                page: Page {
                    generation,
                    last: false,
                },
                names: page.to_vec(),
                error: None,
            },
        );
        let details = details_asked(&effects);
        if i == 0 {
            assert_eq!(
                details,
                vec![all[..on_screen].to_vec()],
                "the first screenful, as soon as it is listed"
            );
        } else {
            assert!(
                details.is_empty(),
                "page {i}: the rows on screen are already being read"
            );
        }
        asked.extend(details.into_iter().flatten());
    }
    update(
        &mut s,
        Action::RepositoriesLoaded {
            login_server: LS.into(),
            page: Page { generation, last: true },
            names: vec![],
            error: None,
        },
    );
    let effects = update(
        &mut s,
        Action::RepositoryDetails {
            login_server: LS.into(),
            details: all[..on_screen].iter().map(|n| props(n)).collect(),
            error: None,
        },
    );
    assert!(
        details_asked(&effects).is_empty(),
        "nothing more to read on this screen"
    );

    // Jumping far down reads that screen; coming back reads nothing again.
    s.table_mut(Pane::Repositories).cursor = 7_000;
    let jumped = details_asked(&update(&mut s, Action::Tick(chrono::Utc::now())));
    assert_eq!(jumped, vec![all[7_001 - on_screen..7_001].to_vec()]);
    asked.extend(jumped.into_iter().flatten());
    s.table_mut(Pane::Repositories).cursor = 0;
    assert!(details_asked(&update(&mut s, Action::Tick(chrono::Utc::now()))).is_empty());
    assert!(
        asked.len() <= 2 * on_screen,
        "{} details read for two screens of {on_screen} rows",
        asked.len()
    );

    // Another pane on screen: nothing is read for this one.
    s.pane = Pane::Registries;
    s.table_mut(Pane::Repositories).cursor = 3_000;
    assert!(details_asked(&update(&mut s, Action::Tick(chrono::Utc::now()))).is_empty());

    // A filter on locks needs every repository's switches.
    s.pane = Pane::Repositories;
    s.table_mut(Pane::Repositories).filter = "locked:yes".into();
    s.table_mut(Pane::Repositories).cursor = 0;
    let everything = details_asked(&update(&mut s, Action::Tick(chrono::Utc::now())));
    assert_eq!(everything.len(), 1);
    assert_eq!(everything[0].len(), 10_000 - on_screen, "all but those already read");
}

fn tag(name: &str, digest: &str, minute: i64) -> TagProperties {
    let at = chrono::DateTime::from_timestamp(1_780_000_000 + minute * 60, 0).expect("time");
    TagProperties {
        name: name.into(),
        digest: digest.into(),
        created_time: Some(at),
        last_update_time: Some(at),
        signed: false,
        changeable_attributes: Default::default(),
    }
}

fn manifest(digest: &str) -> ManifestProperties {
    serde_json::from_value(json!({"digest": digest, "imageSize": 1000})).expect("manifest")
}

/// Starts a read of the chosen repository's tags: its generation.
fn read_tags(s: &mut State) -> u64 {
    match acrdeck::app::panes::tags::load(s).as_slice() {
        [Effect::LoadTags { generation, .. }] => *generation,
        other => panic!("one read of the tags, not {other:?}"),
    }
}

/// 300 tags on 3 digests, newest first, read whole; returns the state and the listing's read.
fn tags_read() -> (State, Vec<TagProperties>, u64) {
    let mut s = state();
    s.nav.repository = Some(REPO.into());
    s.pane = Pane::Tags;
    let generation = read_tags(&mut s);
    let tags: Vec<TagProperties> = (0..300)
        .rev()
        .map(|i| tag(&format!("1.0.{i}"), &format!("sha256:{:064}", i % 3), i))
        .collect();
    let effects = update(
        &mut s,
        Action::TagsLoaded {
            login_server: LS.into(),
            repository: REPO.into(),
            page: Page { generation, last: true },
            tags: tags.clone(),
            manifests: (0..3).map(|i| manifest(&format!("sha256:{i:064}"))).collect(),
            error: None,
        },
    );
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::RefreshLater {
                refresh: Refresh::Tags { .. },
                ..
            }
        )),
        "a whole read schedules the next cheap check: {effects:?}"
    );
    (s, tags, generation)
}

fn check(s: &mut State, generation: u64, newest: Vec<TagProperties>, count: u64) -> Vec<Effect> {
    update(
        s,
        Action::TagsChecked {
            login_server: LS.into(),
            repository: REPO.into(),
            generation,
            newest: Ok(newest),
            count: Some(count),
        },
    )
}

fn reads_whole(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::LoadTags { .. }))
}

#[test]
fn the_cheap_check_puts_new_tags_on_top_without_reading_the_listing_again() {
    let (mut s, tags, generation) = tags_read();
    // Nothing changed: the newest page is what is held, and so is the count.
    let effects = check(&mut s, generation, tags[..100].to_vec(), 300);
    assert!(!reads_whole(&effects), "{effects:?}");
    assert_eq!(s.panes.tags.rows(LS, REPO).len(), 300);

    // Two new tags (one on a digest never seen) and one moved to another digest.
    let mut newest = vec![
        tag("2.0.0", "sha256:new", 1000),
        tag(
            "1.0.7",
            "sha256:0000000000000000000000000000000000000000000000000000000000000001",
            999,
        ),
        tag(
            "2.0.0-rc",
            "sha256:0000000000000000000000000000000000000000000000000000000000000002",
            998,
        ),
    ];
    newest.extend(tags[..97].iter().filter(|t| t.name != "1.0.7").cloned());
    let effects = check(&mut s, generation, newest, 302);
    assert!(
        !reads_whole(&effects),
        "a few new tags are merged, not read whole: {effects:?}"
    );
    let rows = s.panes.tags.rows(LS, REPO);
    assert_eq!(rows.len(), 302);
    let top: Vec<&str> = rows[..4].iter().map(|r| r.tag.name.as_str()).collect();
    assert_eq!(top, ["2.0.0", "1.0.7", "2.0.0-rc", "1.0.299"]);
    assert_eq!(
        rows.iter().filter(|r| r.tag.name == "1.0.7").count(),
        1,
        "the moved tag is held once"
    );
    assert!(
        rows[1].manifest.is_some(),
        "a known digest's manifest is joined at once"
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadTagManifests { digests, .. } if digests == &["sha256:new".to_string()])),
        "only the unknown digest's manifest is read: {effects:?}"
    );
    update(
        &mut s,
        Action::TagManifests {
            login_server: LS.into(),
            repository: REPO.into(),
            manifests: vec![manifest("sha256:new")],
            error: None,
        },
    );
    assert!(s.panes.tags.rows(LS, REPO)[0].manifest.is_some());
    // The new tag is searchable at once.
    let visible = s.visible(Pane::Tags).len();
    s.table_mut(Pane::Tags).filter = "2.0.0".into();
    update(&mut s, Action::Tick(chrono::Utc::now()));
    assert_eq!(s.visible(Pane::Tags).len(), 2, "of {visible}");
}

#[test]
fn the_cheap_check_reads_the_listing_whole_when_it_cannot_vouch_for_it() {
    // Tags were deleted: the count is lower than the rows held.
    let (mut s, tags, generation) = tags_read();
    assert!(reads_whole(&check(&mut s, generation, tags[..100].to_vec(), 290)));

    // A whole page of new tags: more may have changed than one page shows.
    let (mut s, _, generation) = tags_read();
    let flood: Vec<TagProperties> = (0..100)
        .map(|i| tag(&format!("3.0.{i}"), "sha256:flood", 2000 - i))
        .collect();
    assert!(reads_whole(&check(&mut s, generation, flood, 400)));

    // A check of a listing read again since is dropped.
    let (mut s, tags, generation) = tags_read();
    let newer = acrdeck::app::panes::tags::load(&mut s);
    assert!(reads_whole(&newer));
    let effects = check(&mut s, generation, tags[..100].to_vec(), 1);
    assert!(effects.is_empty(), "a superseded check changes nothing: {effects:?}");
}

#[test]
fn runs_arriving_in_pages_are_refreshed_as_often_as_their_active_ones_ask() {
    let mut s = state();
    s.pane = Pane::Runs;
    let generation = 1;
    s.runs.entry(LS.into()).or_default().begin();
    let run = |id: &str, status: &str| -> acrdeck::acr::model::Run {
        serde_json::from_value(json!({"name": id, "properties": {"runId": id, "status": status}})).expect("run")
    };
    let page = |runs, last| Action::RunsLoaded {
        login_server: LS.into(),
        page: Page { generation, last },
        runs,
        error: None,
    };
    assert!(
        update(
            &mut s,
            page(vec![run("cb2", "Running"), run("cb1", "Succeeded")], false)
        )
        .is_empty()
    );
    assert_eq!(
        s.runs[LS].value.as_ref().map(Vec::len),
        Some(2),
        "the first page is shown at once"
    );
    let effects = update(&mut s, page(vec![run("ca9", "Succeeded")], false));
    assert!(effects.is_empty());
    let effects = update(&mut s, page(vec![], true));
    let after = effects.iter().find_map(|e| match e {
        Effect::RefreshLater {
            after,
            refresh: Refresh::Runs { .. },
        } => Some(*after),
        _ => None,
    });
    assert_eq!(
        after,
        Some(s.refresh.runs_active),
        "a run on the first page is active: {effects:?}"
    );
    assert_eq!(s.runs[LS].value.as_ref().map(Vec::len), Some(3));
}

#[test]
fn the_check_is_made_when_due_on_screen_and_when_the_pane_is_shown_again() {
    let (mut s, _, generation) = tags_read();
    let due = || {
        Action::RefreshDue(Refresh::Tags {
            login_server: LS.into(),
            repository: REPO.into(),
        })
    };
    let checks = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::CheckTags { generation: g, .. } if *g == generation))
            .count()
    };
    // The timer says when: the clock on screen may not have moved since the read.
    assert_eq!(checks(&update(&mut s, due())), 1);
    // Hidden when due: nothing is read for it.
    s.pane = Pane::Registries;
    assert!(update(&mut s, due()).is_empty());
    // Shown again soon after its read: nothing to do; a refresh interval later: checked.
    assert_eq!(checks(&acrdeck::app::navigate::show(&mut s, Pane::Tags)), 0);
    s.now += chrono::Duration::from_std(s.refresh.listings).expect("interval");
    assert_eq!(checks(&acrdeck::app::navigate::show(&mut s, Pane::Tags)), 1);
}

#[test]
fn tags_are_found_by_platform_when_their_manifest_came_after_them() {
    let mut s = state();
    s.nav.repository = Some(REPO.into());
    s.pane = Pane::Tags;
    let generation = read_tags(&mut s);
    let arm: ManifestProperties =
        serde_json::from_value(json!({"digest": "sha256:arm", "os": "linux", "architecture": "arm64"}))
            .expect("manifest");
    let page = |tags: Vec<TagProperties>, manifests: Vec<ManifestProperties>, last| Action::TagsLoaded {
        login_server: LS.into(),
        repository: REPO.into(),
        page: Page { generation, last },
        tags,
        manifests,
        error: None,
    };
    // The tags come first (indexed without platforms), their manifest in a later page.
    let tags = (0..10)
        .map(|i| {
            tag(
                &format!("v{i}"),
                if i % 2 == 0 { "sha256:arm" } else { "sha256:other" },
                i,
            )
        })
        .collect();
    update(&mut s, page(tags, vec![], false));
    update(&mut s, page(vec![], vec![arm], false));
    update(&mut s, page(vec![], vec![], true));
    s.table_mut(Pane::Tags).filter = "platform:linux/arm64".into();
    update(&mut s, Action::Tick(chrono::Utc::now()));
    assert_eq!(s.visible(Pane::Tags).len(), 5);
}

#[test]
fn cached_tags_are_read_again_when_shown_however_recent() {
    let (mut s, _, _) = tags_read();
    let l = s
        .panes
        .tags
        .listings
        .get_mut(&(LS.to_string(), REPO.to_string()))
        .expect("listing");
    // As the cache restores a listing of an earlier session, read a moment ago.
    l.cached = true;
    let effects = acrdeck::app::navigate::show(&mut s, Pane::Tags);
    assert!(reads_whole(&effects), "{effects:?}");
}

#[test]
fn a_check_that_fails_keeps_the_rows_marked_stale() {
    let (mut s, _, generation) = tags_read();
    let effects = update(
        &mut s,
        Action::TagsChecked {
            login_server: LS.into(),
            repository: REPO.into(),
            generation,
            newest: Err(acrdeck::acr::Failure::Reason("the tag count could not be read".into())),
            count: None,
        },
    );
    assert!(!reads_whole(&effects), "{effects:?}");
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::RefreshLater {
                refresh: Refresh::Tags { .. },
                ..
            }
        )),
        "checked again later: {effects:?}"
    );
    let l = &s.panes.tags.listings[&(LS.to_string(), REPO.to_string())];
    assert_eq!(l.value.as_ref().map(Vec::len), Some(300), "the rows stay");
    assert!(l.error.is_some(), "and are shown stale");
}
