//! Killed in the middle of a promotion: the dashboard is SIGKILLed while prod's import runs; on
//! the next start the board shows what every stage really holds (read from the registries) and
//! the Audit pane shows the promotion's intent without an outcome.

mod common;

use common::{PtySession, emulator};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn killed_mid_promotion_then_the_truth_and_an_intent_without_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path());
    let config = emu.info["config"].as_str().unwrap().to_string();
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 150, 36);
    // More than one stage: the dashboard opens on the rollout view; 1 shows the registries.
    s.wait_until_running("Runs · every registry");
    s.send("1");
    s.wait_for_text("Registries (4)", WAIT);
    s.send(":");
    s.wait_for_text("tab completes", WAIT);
    s.send("board apps/web\r");
    s.wait_for_line(
        "1.6.0 in dev and staging",
        |l| l.contains("1.6.0") && l.contains('='),
        WAIT,
    );
    // staging → uat for 1.6.0 (uat is not protected: a note is enough).
    s.send("/1.6.0\r");
    s.send("l");
    s.wait_for_text("▸STAGING", WAIT);
    s.send("\x10");
    s.wait_for_text("Promote 1 tag(s)?", WAIT);
    s.send("REL-10 web 1.6.0 to uat");
    s.wait_for_text("REL-10 web 1.6.0 to uat", WAIT);
    s.send("\r");
    // The import is accepted and being polled (the emulator takes two seconds): kill it now.
    s.wait_for_text("importing", WAIT);
    s.signal(libc::SIGKILL);
    s.wait_exit(WAIT);

    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 150, 36);
    // More than one stage: the dashboard opens on the rollout view; 1 shows the registries.
    s.wait_until_running("Runs · every registry");
    s.send("1");
    s.wait_for_text("Registries (4)", WAIT);
    s.send("9");
    s.wait_for_line(
        "the promotion's intent, without an outcome",
        |l| l.contains("promote") && l.contains("NO OUTCOME") && l.contains("REL-10"),
        WAIT,
    );
    // The board reads the registries: the service finished the import after acrdeck died.
    s.send(":");
    s.wait_for_text("tab completes", WAIT);
    s.send("board apps/web\r");
    s.wait_for_line("the board", |l| l.contains("1.6.0"), WAIT);
    // The import takes the emulator two seconds from its request: read the board again
    // (ctrl-r) until it shows the import done.
    s.repeat_until_line(
        "\x12",
        Duration::from_millis(500),
        "uat has staging's 1.6.0 now",
        |l| l.contains("1.6.0") && l.matches('=').count() == 2,
        WAIT,
    );
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
