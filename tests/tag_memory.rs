//! The memory a Tags listing holds grows with its rows, not with rows x tags: every tag on a
//! digest shares that digest's manifest (whose tag list names all of them) instead of a copy
//! each. Measured with a counting allocator around the real update path (pages of tags and of
//! manifests, joined as they come, the search index built).

use acrdeck::acr::model::{ManifestProperties, TagProperties};
use acrdeck::app::{Action, Effect, Environment, Nav, Page, Pane, State, update};
use acrdeck::keys::Keymap;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

/// Bytes allocated and not yet freed, by every thread of this test binary (it has one test).
static LIVE: AtomicIsize = AtomicIsize::new(0);

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const LS: &str = "big.azurecr.io";

/// Bytes the state holds after a listing of `tags` tags, all on `digests` digests, is read in
/// pages of 1,000 (manifests first for half of them, after their tags for the rest).
fn held_after(tags: usize, digests: usize) -> isize {
    let mut s = State::new(
        Environment {
            name: "test".into(),
            detail: "tag memory".into(),
        },
        Keymap::default(),
        true,
    );
    let repo = format!("apps/web-{tags}-{digests}");
    s.nav = Nav {
        registry: Some(LS.into()),
        repository: Some(repo.clone()),
    };
    s.pane = Pane::Tags;
    let generation = match acrdeck::app::panes::tags::load(&mut s).as_slice() {
        [Effect::LoadTags { generation, .. }] => *generation,
        other => panic!("one read, not {other:?}"),
    };
    let digest = |i: usize| format!("sha256:{:064x}", i % digests);
    let names: Vec<String> = (0..tags).map(|i| format!("build-{i:07}")).collect();
    let manifests: Vec<ManifestProperties> = (0..digests)
        .map(|d| {
            serde_json::from_value(serde_json::json!({
                "digest": digest(d),
                "imageSize": 1000,
                "architecture": "amd64",
                "os": "linux",
                // As the service answers: every tag on the digest.
                "tags": names.iter().enumerate().filter(|(i, _)| i % digests == d).map(|(_, n)| n).collect::<Vec<_>>(),
            }))
            .expect("manifest")
        })
        .collect();
    let before = LIVE.load(Ordering::Relaxed);
    let (early, late) = manifests.split_at(digests / 2);
    let send = |s: &mut State, tags: Vec<TagProperties>, manifests: Vec<ManifestProperties>, last: bool| {
        update(
            s,
            Action::TagsLoaded {
                login_server: LS.into(),
                repository: repo.clone(),
                page: Page { generation, last },
                tags,
                manifests,
                error: None,
            },
        );
    };
    send(&mut s, vec![], early.to_vec(), false);
    for (p, chunk) in names.chunks(1000).enumerate() {
        let page: Vec<TagProperties> = chunk
            .iter()
            .enumerate()
            .map(|(i, n)| TagProperties {
                name: n.clone(),
                digest: digest(p * 1000 + i),
                created_time: Some(chrono::Utc::now()),
                last_update_time: Some(chrono::Utc::now()),
                signed: false,
                changeable_attributes: Default::default(),
            })
            .collect();
        send(&mut s, page, vec![], false);
    }
    send(&mut s, vec![], late.to_vec(), true);
    let rows = s.panes.tags.rows(LS, &repo);
    assert_eq!(rows.len(), tags);
    assert!(
        rows.iter().all(|r| r.manifest.is_some()),
        "every tag joined to its manifest"
    );
    let held = LIVE.load(Ordering::Relaxed) - before;
    drop(manifests);
    held
}

#[test]
fn a_tags_listing_holds_memory_in_proportion_to_its_rows() {
    // Few digests, so each manifest's tag list is long: a copy per tag would be quadratic.
    let small = held_after(5_000, 4);
    let large = held_after(20_000, 4);
    let ratio = large as f64 / small as f64;
    assert!(
        (3.0..5.5).contains(&ratio),
        "4x the rows held {ratio:.2}x the memory ({small} -> {large} bytes): not in proportion"
    );
    let per_row = large / 20_000;
    assert!(
        per_row < 1_500,
        "{per_row} bytes per tag row (held {large} bytes for 20,000 tags)"
    );
}
