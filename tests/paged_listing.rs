//! A listing reaches the pane page by page, through the real runner and client against the
//! emulator: a repository of 5,000 tags (50 pages) shows its first page while the emulator still
//! holds the second back, then fills in; every tag is joined to its manifest, each manifest held
//! once however many tags share it.

mod common;

use acrdeck::acr::Acr;
use acrdeck::app::{Action, Environment, Nav, Pane, State, update};
use acrdeck::emulator::Scale;
use acrdeck::keys::Keymap;
use acrdeck::runner::{ImportsSetup, Runner};
use common::emu::TestEmu;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

const TAGS: usize = 5_000;
const REPOSITORY: &str = "synthetic/app-00000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_page_of_tags_is_shown_before_the_last_is_served() {
    let emu = TestEmu::start_with(Scale {
        repos: 1,
        tags: TAGS,
        registries: 1,
    })
    .await;
    let login_server = emu.info().registries["scale"].clone();
    // Pages of 100, whatever the client asks: 50 pages.
    emu.page_limit(100).await;
    // The second page of tags waits 10 s: whatever the pane shows before that came from the first.
    emu.fault(json!({
        "target": "registry:scale", "path": "*/_tags", "kind": {"latency_ms": 10_000},
        "every": 2, "count": 1
    }))
    .await;
    let loaded = acrdeck::config::load_file(&emu.info().config, true).expect("generated config loads");
    let acr = Acr::new(acrdeck::connect::settings(&loaded, true).expect("settings")).expect("client");

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runner = Runner::new(
        Ok(acr),
        vec![],
        emu.dir.path().join("logs"),
        ImportsSetup {
            files: vec![],
            config: loaded.config.clone(),
            audit: Err("no audit trail in this test".into()),
        },
        tx,
    );
    let mut state = State::new(
        Environment {
            name: "test".into(),
            detail: "paged listing".into(),
        },
        Keymap::default(),
        true,
    );
    state.nav = Nav {
        registry: Some(login_server.clone()),
        repository: Some(REPOSITORY.into()),
    };
    state.pane = Pane::Tags;
    for effect in acrdeck::app::panes::tags::load(&mut state) {
        runner.run(effect);
    }

    let key = (login_server.clone(), REPOSITORY.to_string());
    let listing = |state: &State| state.panes.tags.listings.get(&key).cloned().unwrap_or_default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let mut first_page_seen = false;
    loop {
        let action = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the listing ends within its deadline")
            .expect("the runner is alive");
        let is_tags = matches!(action, Action::TagsLoaded { .. });
        for effect in update(&mut state, action) {
            runner.run(effect);
        }
        if !is_tags {
            continue;
        }
        let l = listing(&state);
        let shown = state.row_count(Pane::Tags);
        if !first_page_seen && shown > 0 {
            first_page_seen = true;
            assert!(l.loading, "the first page is shown while the listing goes on");
            assert!(shown < TAGS, "only what came so far: {shown}");
            let served = emu
                .requests()
                .await
                .iter()
                .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/_tags")) && r["status"] == 200)
                .count();
            assert_eq!(served, 1, "the second page is still held back by the emulator");
        }
        if !l.loading {
            break;
        }
    }
    assert!(first_page_seen, "{:?}", listing(&state).error);
    let l = listing(&state);
    assert!(l.error.is_none() && !l.partial, "{:?}", l.error);
    let rows = l.value.expect("the rows");
    assert_eq!(rows.len(), TAGS);
    assert_eq!(state.row_count(Pane::Tags), TAGS);
    // Newest first, as the service orders them.
    assert!(rows[0].tag.last_update_time >= rows[TAGS - 1].tag.last_update_time);
    // Every tag joined to its manifest, and each manifest held once for all its tags.
    assert!(rows.iter().all(|r| r.manifest.is_some()), "every tag has its manifest");
    let distinct: HashSet<*const acrdeck::acr::model::ManifestProperties> = rows
        .iter()
        .filter_map(|r| r.manifest.as_ref().map(Arc::as_ptr))
        .collect();
    let digests: HashSet<&str> = rows.iter().map(|r| r.tag.digest.as_str()).collect();
    assert_eq!(
        distinct.len(),
        digests.len(),
        "one manifest per digest, shared by its tags"
    );
    assert!(digests.len() < TAGS / 10, "the synthetic repository shares manifests");
    // The search index covers the whole listing once it ended.
    assert_eq!(state.panes.tags.search.get(&key).map(|ix| ix.len()), Some(TAGS));
}
