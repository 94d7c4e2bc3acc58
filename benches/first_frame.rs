//! Cache-first start: how long after `acrdeck` is started its first populated frame is on the
//! screen, read back from a pseudo-terminal as an operator's terminal would show it.
//!
//! `cargo bench --bench first_frame` starts `acrdeck emulator` (a separate process), runs one
//! session that reads the registries and leaves them in the cache, then slows Azure (the ARM
//! listener answers after 10 s) and starts the dashboard again and again, timing from the start
//! of the process to the moment the screen shows the cached registries. Target: under 150 ms.
//! The screen is watched every millisecond, so the numbers are good to about 1 ms; the machine
//! is shared, so the script prints the spread (min, median, p90, max), not just one figure.
//!
//! For comparison it also times the first frame of a start without a cache (the "Listing the
//! registries…" frame): the difference is what reading the cache costs.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{PtySession, emulator};
use std::time::Duration;

const RUNS: usize = 15;
const TARGET: Duration = Duration::from_millis(150);

fn main() {
    // `cargo test --benches` runs bench targets with `--test`; there is nothing to check then.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let emu = emulator(dir.path());
    let config = emu.info["config"].as_str().expect("config path").to_string();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    // Fill the cache: one session that reads the registries, a registry's repositories and a
    // repository's tags.
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 140, 30);
    s.wait_for_line(
        "fresh registries",
        |l| l.contains("Registries (4) · read"),
        Duration::from_secs(30),
    );
    s.send("\r");
    s.wait_for_text("Repositories · contosodev (6) · read", Duration::from_secs(30));
    s.send("\r");
    s.wait_for_text("Tags · contosodev / apps/api (4) · read", Duration::from_secs(30));
    s.send("q");
    s.wait_exit(Duration::from_secs(30));

    runtime.block_on(emu.fault(serde_json::json!({"target": "arm", "kind": {"latency_ms": 10000}})));
    let populated = |l: &str| l.contains("Registries (4) · CACHED");
    let cached = measure(&config, dir.path(), &populated);

    // The most the cache keeps: 16 tag listings of 5,000 tags, and 10,000 repository names.
    let bytes = fill_cache(&config, dir.path());
    let full = measure(&config, dir.path(), &populated);

    // Without a cache: the first frame there is at all (no rows: Azure is slow).
    let empty = tempfile::tempdir().expect("tempdir");
    let first_frame = |l: &str| l.contains("Listing the registries");
    let cold = measure(&config, empty.path(), &first_frame);

    println!("first populated frame from the cache ({RUNS} starts, ARM delayed 10 s):");
    report(&cached);
    println!(
        "first populated frame from a full cache ({:.1} MB: 16 tag listings of 5,000 tags, 10,000 repositories):",
        bytes as f64 / 1e6
    );
    report(&full);
    println!("first frame without a cache (nothing to show yet), for comparison:");
    report(&cold);
    let median = full[full.len() / 2];
    println!(
        "target {} ms: the full cache's median is {:.2}x the target ({})",
        TARGET.as_millis(),
        median.as_secs_f64() / TARGET.as_secs_f64(),
        if median < TARGET { "met" } else { "NOT met" }
    );
}

/// Grows the cache the first session left to the most the dashboard keeps; its size in bytes.
fn fill_cache(config: &str, state: &std::path::Path) -> u64 {
    use acrdeck::app::cached::{MAX_TAG_LISTINGS, MAX_TAG_ROWS};
    use acrdeck::cache::{Part, PartKey, PartRef};
    let loaded = acrdeck::config::load_file(std::path::Path::new(config), true).expect("config");
    let cache = acrdeck::cache::Cache::for_config(state, std::path::Path::new(config), &loaded.config);
    let mut head = cache.load_head().expect("cache").expect("the first session's cache");
    let mut changed = Vec::new();
    let mut template = None;
    for r in &head.parts {
        match cache.load_part(r).expect("a kept listing") {
            Part::Repositories {
                login_server,
                mut listing,
                properties,
            } => {
                listing
                    .items
                    .extend((0..10_000).map(|i| format!("bench/repository-{i:05}")));
                changed.push(Part::Repositories {
                    login_server,
                    listing,
                    properties,
                });
            }
            tags @ Part::Tags { .. } => template = Some(tags),
            Part::Runs { .. } | Part::Registries { .. } => {}
        }
    }
    let Some(Part::Tags {
        login_server,
        listing,
        manifests,
        ..
    }) = template
    else {
        panic!("the first session's tag listing")
    };
    head.parts.retain(|r| !matches!(r.key, PartKey::Tags { .. }));
    for r in 0..MAX_TAG_LISTINGS {
        let repository = format!("bench/repository-{r:05}");
        let mut listing = listing.clone();
        let tag = listing.items[0].clone();
        listing.items = (0..MAX_TAG_ROWS)
            .map(|i| {
                let mut t = tag.clone();
                t.name = format!("1.{r}.{}-build.{i}", i % 100);
                t
            })
            .collect();
        let part = Part::Tags {
            login_server: login_server.clone(),
            repository,
            listing,
            manifests: manifests.clone(),
        };
        head.parts.push(PartRef {
            key: part.key().expect("a tags key"),
            read_at: chrono::Utc::now(),
            stamp: format!("bench {r}"),
        });
        changed.push(part);
    }
    cache.save(&head, &changed).expect("save the full cache");
    std::fs::read_dir(&cache.dir)
        .expect("cache folder")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// Starts the dashboard `RUNS` times; how long each took until a line satisfied `done`.
fn measure(config: &str, state: &std::path::Path, done: &dyn Fn(&str) -> bool) -> Vec<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let mut s = PtySession::spawn(&["--config", config], state, 140, 30);
        let t = s
            .time_until_line(done, Duration::from_secs(5))
            .unwrap_or_else(|| panic!("the expected frame did not appear; screen:\n{}", s.screen_text()));
        times.push(t);
        s.send("q");
        s.wait_exit(Duration::from_secs(30));
    }
    times.sort();
    times
}

fn report(times: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  min {:.1} ms · median {:.1} ms · p90 {:.1} ms · max {:.1} ms",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[(times.len() * 9 / 10).min(times.len() - 1)]),
        ms(times[times.len() - 1]),
    );
}
