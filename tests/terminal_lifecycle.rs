//! The terminal is left usable however the dashboard ends: `q`, SIGTERM, SIGHUP or a panic.

mod common;

use common::PtySession;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn quit_key_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 100, 30);
    s.wait_until_running("Registries");
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 100, 30);
    s.wait_until_running("Registries");
    s.signal(libc::SIGTERM);
    assert_eq!(s.wait_exit(WAIT), 143);
    s.assert_restored();
}

#[test]
fn sighup_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 100, 30);
    s.wait_until_running("Registries");
    s.signal(libc::SIGHUP);
    assert_eq!(s.wait_exit(WAIT), 129);
    s.assert_restored();
}

#[test]
fn a_terminal_that_goes_away_ends_the_dashboard_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let s = PtySession::spawn(&["--demo"], dir.path(), 100, 30);
    s.wait_until_running("Registries");
    let code = s.hang_up(WAIT);
    let log: String = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert_eq!(code, 129, "ended by the hangup, as a shell reports it; the log:\n{log}");
    assert!(log.contains("acrdeck stopped"), "{log}");
    assert!(
        !log.contains("panicked"),
        "nothing to tell on a closed terminal is not a bug:\n{log}"
    );
}

#[test]
fn panic_restores_the_terminal_and_says_where_the_log_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo", "--debug-panic-after", "300"], dir.path(), 100, 30);
    s.wait_until_running("Registries");
    assert_eq!(s.wait_exit(WAIT), 101);
    s.assert_restored();
    // What the operator reads after the crash, on the restored main screen.
    let after = s.raw_text();
    let after = &after[after.rfind("\x1b[?1049l").expect("left the alternate screen")..];
    assert!(after.contains("forced panic"), "the panic is reported:\n{after}");
    assert!(
        after.contains(&dir.path().join("logs").display().to_string()),
        "the log location is named:\n{after}"
    );
    // The panic also reached the diagnostics log before the process died.
    let logs: String = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .collect();
    assert!(logs.contains("acrdeck panicked"), "log:\n{logs}");
}

#[test]
fn resize_redraws_and_small_terminals_get_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 100, 30);
    s.wait_until_running("Registries");
    s.resize(70, 20);
    s.wait_for_text("this one is 70x20", WAIT);
    s.resize(100, 30);
    s.wait_for_text("1 Registries", WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
