//! Promoting in the real dashboard: `acrdeck --demo` in a pseudo-terminal, the stage board of
//! apps/web, 1.5.0 promoted from uat to prod with a note and prod's name typed, and the board's
//! prod cell turning to the same digest with a lock mark.

mod common;

use common::PtySession;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn a_tag_promoted_from_uat_to_prod_with_the_typed_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 150, 36);
    // The rollout view (home with four stages) lists the stages once the registries are read.
    s.wait_for_text("→ prod", WAIT);
    s.send(":");
    s.wait_for_text("tab completes", WAIT);
    s.send("board apps/web\r");
    s.wait_for_line(
        "1.5.0 in dev, staging and uat but not prod",
        |l| l.contains("1.5.0") && l.matches('=').count() == 2 && l.contains('—'),
        WAIT,
    );
    let line = s
        .screen_text()
        .lines()
        .find(|l| l.contains(" 1.5.0 "))
        .unwrap()
        .to_string();
    let digest: String = line
        .split_whitespace()
        .find(|w| w.len() == 12 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .expect("a short digest on the 1.5.0 row")
        .to_string();
    // To the 1.5.0 row with the filter, then to the uat column.
    s.send("/1.5.0\r");
    s.send("ll");
    s.wait_for_text("▸UAT", WAIT);
    s.send("\x10"); // ctrl-p
    s.wait_for_screen(
        "the whole promotion dialog",
        |dialog| {
            dialog.contains("Promote 1 tag(s)?")
                && dialog.contains("uat → prod")
                && dialog.contains("then lock write and delete")
                && dialog.contains("contosoprod is a protected registry")
        },
        WAIT,
    );
    s.send("REL-9 web 1.5.0 to prod");
    s.wait_for_text("REL-9 web 1.5.0 to prod", WAIT);
    // Enter before the name is typed is refused and moves to the name.
    s.send("\r");
    s.wait_for_text("type the target registry's name, contosoprod", WAIT);
    s.send("contosoprod");
    s.send("\r");
    s.wait_for_line(
        "prod now has uat's digest, locked",
        |l| l.contains("1.5.0") && l.matches(digest.as_str()).count() >= 4 && l.contains("W D"),
        WAIT,
    );
    s.wait_for_text("promoted", WAIT);
    let trail = std::fs::read_to_string(dir.path().join("demo").join("audit.jsonl")).expect("the demo's audit trail");
    assert!(trail.contains("\"action\":\"promote\"") && trail.contains("REL-9 web 1.5.0 to prod"));
    assert!(trail.contains("\"outcome\":\"imported\""));
    s.send("\x1b");
    s.wait_for_screen(
        "the board without its filter",
        |screen| !screen.contains("/1.5.0"),
        WAIT,
    );
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
