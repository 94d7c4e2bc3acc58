//! A server that accepts and never answers: every headless command ends by its deadline
//! (`[network] deadline_secs`, 3 s here, 60 s by default) with status 1 and a message saying
//! which host did not answer in time; the dashboard shows the pane as failed with that reason and
//! goes on answering keys.

mod common;

use common::{PtySession, emulator};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

/// The emulator's config with a short deadline.
fn with_deadline(config: &str, dir: &Path) -> String {
    let text = std::fs::read_to_string(config).expect("config reads");
    assert!(
        text.contains("[network]\n"),
        "the generated config has a [network] table"
    );
    let text = text.replacen(
        "[network]\n",
        "[network]\ndeadline_secs = 3\nread_timeout_secs = 2\n",
        1,
    );
    let path = dir.join("deadline.toml");
    std::fs::write(&path, text).expect("config written");
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_ends_headless_commands_by_their_deadline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let emu = emulator(dir.path());
    let config = with_deadline(emu.info["config"].as_str().expect("config"), dir.path());
    emu.fault(json!({"target": "registry:contosodev", "path": "*/_tags", "kind": "silent"}))
        .await;
    emu.fault(json!({"target": "arm", "path": "*/runs", "method": "GET", "kind": "silent"}))
        .await;
    for args in [["tags", "dev/apps/web"], ["runs", "dev"]] {
        let child = tokio::process::Command::new(common::BIN)
            .args(["--config", &config])
            .args(args)
            .env("ACRDECK_STATE_DIR", dir.path().join("state"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("run acrdeck");
        // A hang guard, not a timing: the command is expected to end well before it.
        let Ok(out) = tokio::time::timeout(WAIT, child.wait_with_output()).await else {
            panic!("acrdeck {} still running after {} s", args.join(" "), WAIT.as_secs());
        };
        let out = out.expect("output");
        let status = out.status;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(status.code(), Some(1), "{}: {stderr}", args.join(" "));
        assert!(
            stderr.contains("no whole answer within 3 s") && stderr.contains("deadline_secs"),
            "{}: {stderr}",
            args.join(" ")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_fails_the_pane_and_the_dashboard_keeps_answering() {
    let dir = tempfile::tempdir().expect("temp dir");
    let emu = emulator(dir.path());
    let config = with_deadline(emu.info["config"].as_str().expect("config"), dir.path());
    emu.fault(json!({"target": "registry:contosodev", "path": "*/_tags", "kind": "silent"}))
        .await;
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 140, 36);
    // More than one stage: the dashboard opens on the rollout view; 1 shows the registries.
    s.wait_until_running("Runs · every registry");
    s.send("1");
    s.wait_for_text("Registries (4)", WAIT);
    s.send(":tags dev/apps/web\r");
    s.wait_for_text("Tags · contosodev / apps/web", WAIT);
    s.wait_for_text("no whole answer within 3 s", WAIT);
    // Still answering: another pane opens at once, and back.
    s.send("6");
    s.wait_for_text("Runs · contosodev", WAIT);
    s.send("3");
    s.wait_for_text("Tags · contosodev / apps/web", WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
