//! A registry that serves hostile text (a tag holding OSC 52, which writes the clipboard, and
//! OSC 0, which sets the window title; a right-to-left override; a run log with CSI and C1
//! controls) cannot drive the operator's terminal: not through the dashboard in a real
//! pseudo-terminal, not through any headless printer (table, TSV, JSON, logs, audit, the lock
//! command, errors on stderr). With `--raw`, headless output is the service's bytes.

mod common;

use common::{PtySession, emulator_with};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const OSC52: &str = "evil\u{1b}]52;c;ZXZpbA==\u{7}";
const TITLE: &str = "\u{1b}]0;pwned\u{7}title";
const RTL: &str = "rtl\u{202e}gpj.exe";

/// One registry whose apps/web carries the hostile tags beside a plain one.
fn world() -> String {
    let toml_str = |s: &str| serde_json::to_string(s).expect("a TOML basic string is a JSON string here");
    format!(
        r#"tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
subscription = "8d3c1a52-5c52-4f4e-9a3a-1b2c3d4e5f60"

[principal]
client_id = "5f4e3d2c-1b0a-4988-8776-655443322110"
object_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
display_name = "acrdeck-test-operator"

[[registries]]
name = "contosodev"
resource_group = "rg-acr-dev"
location = "westeurope"
sku = "Premium"
stage = "dev"

[[registries.images]]
repository = "apps/web"
tags = ["1.0.0", {}, {}, {}]
"#,
        toml_str(OSC52),
        toml_str(TITLE),
        toml_str(RTL)
    )
}

/// Bytes that act on a terminal: ESC, BEL, the C1 controls (UTF-8 C2 80..9F), and the
/// right-to-left override (E2 80 AE).
fn active(bytes: &[u8]) -> Option<String> {
    if let Some(i) = bytes.iter().position(|b| *b == 0x1b || *b == 0x07) {
        return Some(format!("a control byte {:#x} at {i}", bytes[i]));
    }
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .find(|c| ('\u{80}'..='\u{9f}').contains(c) || *c == '\u{202e}')
        .map(|c| format!("{c:?}"))
}

struct Out {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn acrdeck(config: &str, state: &Path, args: &[&str]) -> Out {
    let out = std::process::Command::new(common::BIN)
        .args(["--config", config])
        .args(args)
        .env("ACRDECK_STATE_DIR", state)
        .env_remove("RUST_LOG")
        .output()
        .expect("run acrdeck");
    Out {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn inert(what: &str, out: &Out) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if let Some(found) = active(bytes) {
            panic!("{what}: {stream} carries {found}:\n{}", String::from_utf8_lossy(bytes));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_service_text_never_reaches_the_terminal_from_headless_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world_file = dir.path().join("hostile-world.toml");
    std::fs::write(&world_file, world()).expect("world written");
    let emu = emulator_with(dir.path(), &["--world", &world_file.display().to_string()]);
    let config = emu.info["config"].as_str().expect("config path").to_string();
    let state = dir.path().join("state");
    let run = |args: &[&str]| acrdeck(&config, &state, args);

    for output in ["table", "tsv", "json"] {
        let out = run(&["tags", "dev/apps/web", "-o", output]);
        assert_eq!(out.code, Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        inert(&format!("tags -o {output}"), &out);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("evil") && text.contains("title") && text.contains("1.0.0"),
            "{text}"
        );
        if output == "json" {
            // JSON escapes: a reader gets exactly the service's names back.
            let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON");
            let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
            for hostile in [OSC52, TITLE, RTL] {
                assert!(names.contains(&hostile), "{hostile:?} in {names:?}");
            }
        }
    }
    // --raw: the service's bytes, escape sequences included.
    let out = run(&["tags", "dev/apps/web", "--raw"]);
    assert_eq!(out.code, Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(OSC52),
        "--raw keeps the bytes"
    );

    // A change names the tag: the answer, the audit trail and its printer stay inert.
    let target = format!("dev/apps/web:{OSC52}");
    let out = run(&["lock", &target, "--yes"]);
    assert_eq!(out.code, Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    inert("lock", &out);
    for output in ["table", "json"] {
        let out = run(&["audit", "-o", output]);
        assert_eq!(out.code, Some(0));
        inert(&format!("audit -o {output}"), &out);
        assert!(String::from_utf8_lossy(&out.stdout).contains("evil"));
    }

    // An error that quotes service text: stderr stays inert.
    let out = run(&["tags", &format!("dev/apps/{TITLE}")]);
    assert_ne!(out.code, Some(0));
    inert("a failing listing", &out);

    // A run whose log holds CSI, OSC and C1 controls (a quick run echoes its steps).
    let ready: acrdeck::emulator::ReadyInfo = serde_json::from_value(emu.info.clone()).expect("ready info");
    let yaml = format!("steps:\n  - cmd: echo \u{1b}[2J\u{1b}]52;c;QQ==\u{7} \u{9b}6n {RTL}\n");
    let id = common::emu::quick_run(&common::emu::client_for(&ready), &ready, &yaml).await;
    let out = run(&["logs", "dev", &id, "--follow"]);
    assert_eq!(out.code, Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    inert("logs --follow", &out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("acb_step_"),
        "the log was printed"
    );
    let out = run(&["logs", "dev", &id, "--raw"]);
    assert!(out.stdout.contains(&0x1b), "--raw keeps the log's escapes");
}

#[test]
fn an_osc_52_tag_never_reaches_the_terminal_from_the_dashboard() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world_file = dir.path().join("hostile-world.toml");
    std::fs::write(&world_file, world()).expect("world written");
    let emu = emulator_with(dir.path(), &["--world", &world_file.display().to_string()]);
    let config = emu.info["config"].as_str().expect("config path").to_string();
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 120, 30);
    s.wait_until_running("Registries (1)");
    s.wait_for_text("contosodev", WAIT);
    s.send("\r");
    s.wait_for_text("Repositories · contosodev", WAIT);
    s.wait_for_text("apps/web", WAIT);
    s.send("\r");
    s.wait_for_text("Tags · contosodev / apps/web", WAIT);
    s.wait_for_screen(
        "the hostile tags, shown inert",
        |screen| screen.contains("evil") && screen.contains("title") && screen.contains("gpj.exe"),
        WAIT,
    );
    // Open the hostile tag's detail too.
    s.send("/evil\r");
    s.wait_for_text("1 of 4", WAIT);
    s.send("\r");
    s.wait_for_text("Tags on digest", WAIT);
    let raw = s.raw_text();
    assert!(!raw.contains("\u{1b}]52"), "an OSC 52 reached the terminal");
    assert!(!raw.contains("\u{1b}]0;pwned"), "an OSC 0 reached the terminal");
    assert!(
        !raw.contains('\u{202e}'),
        "a right-to-left override reached the terminal"
    );
    // Esc, and q once its effect is on screen (a key right after Esc reads as Alt+key).
    s.send("\x1b");
    s.wait_for_screen("the tag list again", |screen| !screen.contains("Tags on digest"), WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
