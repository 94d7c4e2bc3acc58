//! The rollout view in a real pseudo-terminal, on the demo: it opens there (the demo has four
//! stages), shows the runs of several registries with their stages, a pinned run's tile follows
//! its log live to its end, and a run failing in another registry raises the status-bar signal
//! and rings the bell.

mod common;

use common::PtySession;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
/// The demo's live runs end within a minute and a half of its start.
const RUN_END: Duration = Duration::from_secs(120);

#[test]
fn rollout_shows_every_stage_follows_a_pinned_run_and_signals_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 160, 45);
    s.wait_until_running("Runs · every registry");
    // Runs of several registries, each with its stage.
    s.wait_for_line(
        "a staging run",
        |l| l.contains("staging") && l.contains("contosostaging") && l.contains("smoke-web"),
        WAIT,
    );
    s.wait_for_line(
        "a uat run",
        |l| l.contains("uat") && l.contains("contosouat") && l.contains("acceptance"),
        WAIT,
    );
    s.wait_for_line(
        "a dev run",
        |l| l.contains("dev") && l.contains("contosodev") && l.contains("hello-world"),
        WAIT,
    );
    assert!(!s.raw_text().contains('\x07'), "no bell before anything happened");

    // Pin uat's running acceptance run: its tile follows the log.
    s.send("/stage:uat status:running\r");
    s.wait_for_screen(
        "the filtered runs",
        |screen| screen.contains("1 of ") && screen.contains("acceptance"),
        WAIT,
    );
    s.send("p");
    s.wait_for_text("contosouat · co4", WAIT);
    s.wait_for_line("the tile's log", |l| l.contains("Step 1/"), WAIT);

    // Meanwhile staging's smoke test fails: the status bar says so and the bell rings,
    // whichever pane is shown.
    s.send("2");
    s.wait_for_line(
        "the failure signalled",
        |l| l.contains("⚑ run co2 of smoke-web Failed in contosostaging"),
        RUN_END,
    );
    assert!(s.raw_text().contains('\x07'), "the bell rang");

    // Back on the rollout view, the pinned tile followed the log to its end and says how.
    s.send("0");
    s.wait_for_text("ended Succeeded", RUN_END);
    s.wait_for_line(
        "the tile's last line",
        |l| l.contains("Run ID: co4 was successful"),
        WAIT,
    );
    s.wait_for_line(
        "the watched run's end signalled",
        |l| l.contains("⚑ watched run co4") && l.contains("ended Succeeded in contosouat"),
        WAIT,
    );
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
