//! Following a run log of 200 MB holds a bounded amount of memory: the follower reads it in
//! ranged pieces, at most a few pieces wait between the network and the log view, and the view
//! keeps its ring of the newest lines. Measured with a counting allocator around the real path
//! (the shared client's follower feeding the dashboard's log view); the emulator runs as its own
//! process, so its copy of the log is not counted.

mod common;

use acrdeck::acr::logs::{FollowOptions, LogEvent};
use acrdeck::acr::{Acr, RegistryRef};
use acrdeck::app::log_view::LogView;
use serde_json::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

/// Bytes allocated and not yet freed by this test binary, and the most there ever were.
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

struct Counting;

impl Counting {
    fn add(n: isize) {
        let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Counting::add(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Counting::add(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Counting::add(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const LOG_BYTES: usize = 200 << 20;
const BOUND: isize = 64 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_a_200_mb_log_holds_bounded_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let emu = common::emulator(dir.path());
    let info = emu.ready();
    let http = common::emu::client_for(&info);
    let token = common::emu::arm_token(&http, &info).await;
    let registry = RegistryRef {
        subscription: info.subscription.clone(),
        resource_group: "rg-acr-dev".into(),
        name: "contosodev".into(),
    };
    let run_url = |suffix: &str| format!("{}{}{suffix}?api-version=2025-03-01-preview", info.arm, registry.id());
    // A quick run that ends in a few seconds; its log is then grown to 200 MB.
    let id = common::emu::quick_run(&http, &info, "steps:\n  - cmd: echo build\n").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r: Value = http
            .get(run_url(&format!("/runs/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get run")
            .json()
            .await
            .expect("run");
        if r["properties"]["status"] == "Succeeded" {
            break;
        }
        assert!(Instant::now() < deadline, "the quick run never finished: {r}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let filled: Value = http
        .post(format!("{}/runs/contosodev/{id}/fill?bytes={LOG_BYTES}", info.admin))
        .send()
        .await
        .expect("fill")
        .json()
        .await
        .expect("fill JSON");
    let filled_lines = filled["lines"].as_u64().expect("lines");

    let loaded = acrdeck::config::load_file(&info.config, true).expect("config");
    let acr = Acr::new(acrdeck::connect::settings(&loaded, true).expect("settings")).expect("client");
    let links = acr
        .arm()
        .expect("arm")
        .log_links(&registry, &id)
        .await
        .expect("log link");
    let link = links.link().expect("a link").to_string();

    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut view = LogView::new(info.registries["contosodev"].clone(), "contosodev".into(), id.clone());
    let mut events = acr.follow_log(&link, 0, FollowOptions::default()).expect("follow");
    let mut lines = 0u64;
    let outcome = loop {
        match tokio::time::timeout(Duration::from_secs(120), events.recv()).await {
            Ok(Some(LogEvent::Lines(l))) => {
                lines += l.len() as u64;
                view.push(l, chrono::Utc::now());
            }
            Ok(Some(LogEvent::Complete(status))) => break status,
            Ok(Some(LogEvent::Failed(e))) => panic!("following failed: {e}"),
            Ok(Some(LogEvent::Retrying { error, .. })) => eprintln!("retrying: {error}"),
            Ok(Some(_)) => {}
            Ok(None) => panic!("the follower stopped without an outcome"),
            Err(_) => panic!("no event for 120 s after {lines} lines"),
        }
    };
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    assert_eq!(outcome, "Succeeded");
    assert!(
        lines >= filled_lines,
        "every line arrived: {lines} of at least {filled_lines}"
    );
    assert!(view.dropped > 0, "the view kept its ring, not the whole log");
    assert!(
        peak < BOUND,
        "following {} MB held up to {} MB (bound {} MB)",
        LOG_BYTES >> 20,
        peak >> 20,
        BOUND >> 20
    );
    eprintln!(
        "followed {} lines ({} MB): peak {} MB above the start",
        lines,
        LOG_BYTES >> 20,
        peak >> 20
    );
}
