//! Cache-first start, end to end: a first session against `acrdeck emulator` (a separate process)
//! reads registries, a registry's repositories, a repository's tags and the runs; the second
//! session, with Azure slowed to a crawl, paints all of them at once from the cache, marked
//! CACHED with their age, back in the registry and repository that were open, and replaces them
//! when fresh reads land. The cache holds no secret, a
//! broken cache file does not stop the dashboard, and the demo keeps none.

mod common;

use common::{PtySession, emulator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// The cache folders under the state dir (one per environment).
fn cache_dirs(state: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(state.join("cache"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Waits until the Registries pane shows a read of this session.
fn wait_for_fresh_registries(s: &PtySession) {
    s.wait_for_line(
        "fresh registries",
        |l| l.contains("Registries (4) · read") && !l.contains("CACHED"),
        WAIT,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_start_paints_from_the_cache_then_replaces_it_with_fresh_reads() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path());
    let config = emu.info["config"].as_str().unwrap().to_string();

    // First session: read what the second one should find.
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 140, 30);
    // More than one stage: the dashboard opens on the rollout view; 1 shows the registries.
    s.wait_until_running("Runs · every registry");
    s.send("1");
    s.wait_for_text("Registries (4)", WAIT);
    wait_for_fresh_registries(&s);
    s.send("\r");
    s.wait_for_text("Repositories · contosodev (6) · read", WAIT);
    s.send("\r");
    s.wait_for_text("Tags · contosodev / apps/api (4) · read", WAIT);
    s.send("6");
    s.wait_for_line("co7 running", |l| l.contains("co7") && l.contains("Running"), WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);

    let dirs = cache_dirs(dir.path());
    assert_eq!(dirs.len(), 1, "one cache per environment: {dirs:?}");
    let cache = &dirs[0];
    assert_eq!(mode(cache), 0o700, "owner-only folder");
    let files = files_in(cache);
    // The head (registries), the repositories and tags that were read, and every registry's
    // runs (all four are watched), one file each.
    assert_eq!(files.len(), 7, "{files:?}");
    let mut text = String::new();
    for f in &files {
        assert_eq!(mode(f), 0o600, "owner-only: {}", f.display());
        text.push_str(&std::fs::read_to_string(f).unwrap());
    }
    for listed in ["contosoprod", "apps/api", "2.2.0", "co7"] {
        assert!(text.contains(listed), "{listed} is kept");
    }
    let info = emu.ready();
    // Nothing that signs anything in: the emulator's client secret, a token (JWTs start with
    // `eyJ`), a SAS signature, a log link.
    for secret in [info.client_secret.as_str(), "eyJ", "sig=", "logLink", "Bearer"] {
        assert!(!text.contains(secret), "the cache holds {secret}");
    }

    // Second session: Azure answers only after 5 s, so whatever shows before is the cache.
    for target in ["arm", "registry:contosodev"] {
        emu.fault(json!({"target": target, "kind": {"latency_ms": 5000}})).await;
    }
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 140, 30);
    s.wait_until_running("Runs · every registry");
    s.send("1");
    // A title that says CACHED and refreshing can only come from the cache while Azure has not
    // answered (how fast it comes is measured by `cargo bench --bench first_frame`, not here).
    s.wait_for_line(
        "the cached registries",
        |l| l.contains("Registries (4) · CACHED") && l.contains("refreshing"),
        WAIT,
    );
    s.wait_for_line(
        "a cached row",
        |l| l.contains("prod") && l.contains("contosoprod"),
        WAIT,
    );
    // The operator is back in the registry and repository that were open: their cached
    // listings show at once while they are read again.
    s.send("3");
    s.wait_for_line(
        "cached tags",
        |l| l.contains("Tags · contosodev / apps/api (4) · CACHED") && l.contains("refreshing"),
        Duration::from_secs(2),
    );
    s.wait_for_text("2.2.0", Duration::from_secs(2));
    s.send("2");
    s.wait_for_line(
        "cached repositories",
        |l| l.contains("Repositories · contosodev (6) · CACHED") && l.contains("refreshing"),
        Duration::from_secs(2),
    );
    s.send("6");
    s.wait_for_line(
        "cached runs",
        |l| l.contains("Runs · contosodev (7) · CACHED"),
        Duration::from_secs(2),
    );
    // A run that was running when the cache was read shows how long it had run by then, as a
    // lower bound, not a duration that ticks as if it were known to still run.
    s.wait_for_line(
        "cached live run",
        |l| l.contains("co7") && l.contains("Running") && l.contains('≥'),
        Duration::from_secs(2),
    );
    emu.clear_faults().await;
    // Fresh reads replace the cache, pane by pane.
    s.wait_for_line(
        "fresh runs",
        |l| l.contains("Runs · contosodev (7) · read") && !l.contains("CACHED"),
        WAIT,
    );
    s.send("1");
    wait_for_fresh_registries(&s);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);

    // A cache that cannot be read is replaced, not fatal.
    let head = cache.join("head.json");
    std::fs::write(&head, b"{\"version\": 2, \"scope\": \"").unwrap();
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 140, 30);
    s.wait_until_running("Runs · every registry");
    s.send("1");
    wait_for_fresh_registries(&s);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    let text = std::fs::read_to_string(&head).unwrap();
    assert!(
        text.contains("contosoprod"),
        "the broken file was replaced by a good one"
    );
}

#[test]
fn the_demo_keeps_no_cache() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 120, 30);
    // More than one stage: the dashboard opens on the rollout view; 1 shows the registries.
    s.wait_until_running("Runs · every registry");
    s.send("1");
    s.wait_for_text("Registries (4)", WAIT);
    s.wait_for_text("Registries (4) · read", WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    assert!(
        cache_dirs(dir.path()).is_empty(),
        "the demo's world is new at every start: a cache of it would show what no longer exists"
    );
}
