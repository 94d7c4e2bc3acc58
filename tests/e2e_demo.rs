//! The demo in a real pseudo-terminal, as an operator uses it: the registries come up in stage
//! order, Enter drills down to prod's repositories and tags with their locks, the runs pane shows
//! the live run, and quitting restores the terminal.

mod common;

use common::PtySession;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn navigate_to_prod_and_see_its_locked_tags() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 120, 30);
    // More than one stage: the dashboard opens on the rollout view; 1 shows the registries.
    s.wait_until_running("Runs · every registry");
    s.send("1");
    s.wait_for_text("Registries (4)", WAIT);
    s.wait_for_text("acrdeck-demo-operator", WAIT);
    s.wait_for_screen(
        "the stages in pipeline order",
        |screen| {
            let order: Vec<usize> = ["dev ", "staging ", "uat ", "prod "]
                .iter()
                .map(|st| screen.find(&format!("\n│{st}")).unwrap_or(usize::MAX))
                .collect();
            order[3] != usize::MAX && order.windows(2).all(|w| w[0] < w[1])
        },
        WAIT,
    );
    // prod is the last row.
    s.send("G");
    s.send("\r");
    s.wait_for_text("Repositories · contosoprod", WAIT);
    s.wait_for_text("base/node", WAIT);
    // apps/api, apps/web, base/node: apps/web is the second.
    s.send("j");
    s.send("\r");
    s.wait_for_text("Tags · contosoprod / apps/web", WAIT);
    s.wait_for_text("W D", WAIT);
    s.wait_for_screen(
        "both of prod's tags",
        |screen| screen.contains("1.4.1") && screen.contains("1.4.0"),
        WAIT,
    );
    // Filter the tags.
    s.send("/1.4.1\r");
    s.wait_for_screen(
        "the filtered tags",
        |screen| screen.contains("1 of 2") && !screen.contains("1.4.0"),
        WAIT,
    );
    // Each Esc is sent once the last one's effect is on screen: a key right after Esc would
    // read as Alt+key, as in any terminal program.
    s.send("\x1b");
    s.wait_for_text("1.4.0", WAIT);
    // Back out, and look at dev's runs: the live demo run is there.
    s.send("\x1b");
    s.wait_for_text("Repositories · contosoprod", WAIT);
    s.send("\x1b");
    s.wait_for_text("Registries (4)", WAIT);
    s.send("g");
    s.send("\r");
    s.wait_for_text("Repositories · contosodev", WAIT);
    s.send("6");
    s.wait_for_text("Runs · contosodev", WAIT);
    s.wait_for_text("Running", WAIT);
    // Jump by name with the command line (tab completes), then open a tag's detail.
    s.send(":tags pro\t");
    s.wait_for_text(":tags prod/", WAIT);
    s.send("apps/web\r");
    s.wait_for_text("Tags · contosoprod / apps/web", WAIT);
    s.wait_for_text("1.4.1", WAIT);
    s.send("\r");
    s.wait_for_text("Tags on digest", WAIT);
    s.wait_for_text("prod · contosoprod › apps/web › 1.4.1", WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}

#[test]
fn follow_the_live_run_to_its_final_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 120, 40);
    // More than one stage: the dashboard opens on the rollout view; 1 shows the registries.
    s.wait_until_running("Runs · every registry");
    s.send("1");
    s.wait_for_text("Registries (4)", WAIT);
    s.send("6");
    s.wait_for_text("Running", WAIT);
    s.send("\r");
    s.wait_for_text("Log · contosodev · run co7", WAIT);
    s.wait_for_text("● streaming", WAIT);
    // The demo's live run writes for about 75 s; its log ends with the outcome.
    s.wait_for_text("Run co7 ended: Succeeded", Duration::from_secs(150));
    // Colours arrive as colours, not as escape codes on screen.
    s.wait_for_screen(
        "the run's last line, coloured without escape codes",
        |screen| screen.contains("Run ID: co7 was successful") && !screen.contains("[32m"),
        WAIT,
    );
    s.send("\x1b");
    s.wait_for_text("RUN ID", WAIT);
    s.wait_for_line(
        "co7 Succeeded",
        |l| l.contains("co7") && l.contains("Succeeded") && !l.contains("ended"),
        WAIT,
    );
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
