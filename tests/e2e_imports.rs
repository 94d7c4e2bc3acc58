//! Approving queued imports in the real dashboard: `acrdeck --demo` in a pseudo-terminal, two
//! queued lines of the demo images.txt selected, approved with a note, and seen imported (read
//! back from the registry); the note and the outcomes are in the demo's audit trail.

mod common;

use common::PtySession;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn two_queued_imports_approved_with_a_note_become_imported() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = PtySession::spawn(&["--demo"], dir.path(), 160, 36);
    // The rollout view (home with four stages) lists the stages once the registries are read.
    s.wait_for_text("→ prod", WAIT);
    s.send("7");
    s.wait_for_line(
        "the plan of the demo images.txt",
        |l| l.contains("images.txt:3") && l.contains("QUEUED"),
        WAIT,
    );
    s.wait_for_line(
        "a present line",
        |l| l.contains("images.txt:5") && l.contains("PRESENT"),
        WAIT,
    );
    // Select the first two lines (space moves on), and approve.
    s.send("  ");
    s.wait_for_text("2 selected", WAIT);
    s.send("\x19"); // ctrl-y
    s.wait_for_screen(
        "the whole approval dialog",
        |dialog| {
            dialog.contains("Approve 2 import(s)?")
                && dialog.contains("registry.k8s.io/ingress-nginx/controller:v1.11.1")
                && dialog.contains("ingress-nginx/kube-webhook-certgen:v1.4.1")
                && dialog.contains("mode NoForce")
        },
        WAIT,
    );
    s.send("CHG-4711 ingress for the rollout");
    s.wait_for_text("CHG-4711 ingress for the rollout", WAIT);
    s.send("\r");
    s.wait_for_line(
        "the first import read back",
        |l| l.contains("images.txt:3") && l.contains("IMPORTED") && l.contains("read back"),
        WAIT,
    );
    s.wait_for_line(
        "the second import read back",
        |l| l.contains("images.txt:4") && l.contains("IMPORTED") && l.contains("read back"),
        WAIT,
    );
    // The other queued lines were not touched.
    s.wait_for_line(
        "an untouched line",
        |l| l.contains("images.txt:6") && l.contains("QUEUED"),
        WAIT,
    );
    // After the batch the plan is read again: 2 fewer queued.
    s.wait_for_text("4 queued", WAIT);

    let trail = std::fs::read_to_string(dir.path().join("demo").join("audit.jsonl")).expect("the demo's audit trail");
    let records: Vec<serde_json::Value> = trail.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 4, "{trail}");
    assert!(records.iter().all(|r| r["note"] == "CHG-4711 ingress for the rollout"));
    let outcomes: Vec<&serde_json::Value> = records.iter().filter(|r| r["phase"] == "outcome").collect();
    assert_eq!(outcomes.len(), 2);
    assert!(
        outcomes
            .iter()
            .all(|r| r["outcome"] == "imported" && r["target_digest"].as_str().unwrap().starts_with("sha256:"))
    );

    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
