//! Actions end to end: the dashboard runs against `acrdeck emulator` (a separate process) as it
//! would against Azure; a tag is locked through the confirmation dialog, the lock shows, and the
//! registry itself then refuses an overwrite; a live run is cancelled and reads back Canceled.

mod common;

use common::{PtySession, emulator};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// A push of another image over `apps/web:1.6.0` in dev, straight at the registry.
async fn overwrite_status(info: &Value) -> u16 {
    let info: acrdeck::emulator::ReadyInfo = serde_json::from_value(info.clone()).unwrap();
    let http = common::emu::client_for(&info);
    let host = info.registries["contosodev"].clone();
    let pull = common::emu::acr_token(&http, &info, "contosodev", "repository:apps/api:pull").await;
    let m = http
        .get(format!("https://{host}/v2/apps/api/manifests/2.0.0"))
        .bearer_auth(pull)
        .send()
        .await
        .unwrap();
    let media = m.headers()["content-type"].to_str().unwrap().to_string();
    let body = m.bytes().await.unwrap();
    let push = common::emu::acr_token(&http, &info, "contosodev", "repository:apps/web:push").await;
    let put = http
        .put(format!("https://{host}/v2/apps/web/manifests/1.6.0"))
        .bearer_auth(push)
        .header("content-type", media)
        .body(body);
    put.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_a_tag_then_the_registry_refuses_an_overwrite_and_cancel_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path());
    let config = emu.info["config"].as_str().unwrap().to_string();
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 120, 30);
    // More than one stage: the dashboard opens on the rollout view; 1 shows the registries.
    s.wait_until_running("Runs · every registry");
    s.send("1");
    s.wait_for_text("Registries (4)", WAIT);
    // dev is the first row.
    s.send("\r");
    s.wait_for_text("Repositories · contosodev", WAIT);
    s.wait_for_text("apps/web", WAIT);
    s.send("j\r");
    s.wait_for_text("Tags · contosodev / apps/web", WAIT);
    s.wait_for_text("1.6.0", WAIT);
    // 1.7.0-rc.1 is newest; 1.6.0 is the second row.
    s.send("jx");
    s.wait_for_screen(
        "the dialog with the exact request",
        |screen| screen.contains("Confirm a change") && screen.contains("PATCH https://"),
        WAIT,
    );
    s.send("\r");
    s.wait_for_text("registry now reports write and delete disabled", WAIT);
    s.wait_for_line("1.6.0 locked", |l| l.contains("1.6.0") && l.contains("W D"), WAIT);
    // The registry, not just the screen, holds the lock.
    assert_eq!(overwrite_status(&emu.info).await, 405);
    // The Locks pane's scan finds it too.
    s.send("4");
    s.wait_for_line(
        "lock listed",
        |l| l.contains("apps/web:1.6.0") && l.contains("W D"),
        WAIT,
    );
    s.wait_for_text("complete (", WAIT);

    // Cancel the live run.
    s.send("6");
    s.wait_for_text("Runs · contosodev", WAIT);
    s.wait_for_line("co7 running", |l| l.contains("co7") && l.contains("Running"), WAIT);
    s.send("\x18"); // ctrl-x
    s.wait_for_text("cancel run co7 on contosodev", WAIT);
    s.send("\r");
    s.wait_for_line("co7 canceled", |l| l.contains("co7") && l.contains("Canceled"), WAIT);
    // Run its task again: a new run appears, read back from the registry.
    s.send("\x05"); // ctrl-e
    s.wait_for_text("run task hello-world on contosodev", WAIT);
    s.send("\r");
    s.wait_for_text("registry now reports run co8", WAIT);
    s.wait_for_line("co8 listed", |l| l.contains("co8") && l.contains("hello-world"), WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();

    // Each change is in the audit trail: its intent, then its outcome as read back.
    let trail = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("the audit trail");
    let records: Vec<Value> = trail.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for action in ["lock", "cancel-run", "schedule-run"] {
        let of = |phase: &str| {
            records
                .iter()
                .filter(|r| r["action"] == action && r["phase"] == phase)
                .count()
        };
        assert_eq!((of("intent"), of("outcome")), (1, 1), "{action}: {trail}");
    }
    let lock = records
        .iter()
        .find(|r| r["action"] == "lock" && r["phase"] == "outcome")
        .unwrap();
    assert_eq!(lock["outcome"], "done");
    assert!(lock["target"].as_str().unwrap().ends_with("/apps/web:1.6.0"), "{lock}");
    assert_eq!(lock["operator"]["principal"], "acrdeck-demo-operator");
    let secret = emu.info["client_secret"].as_str().unwrap();
    assert!(!trail.contains(secret), "no secret in the audit trail");
}
