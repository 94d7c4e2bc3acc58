//! The command line as a newcomer meets it: help, version, completions, man page, and config
//! errors that are reported before the terminal is touched.

mod common;

use common::{BIN, PtySession};
use std::process::Command;
use std::time::Duration;

fn acrdeck(args: &[&str], state: &std::path::Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("ACRDECK_STATE_DIR", state)
        .env("ACRDECK_CONFIG_DIR", state.join("config"))
        .output()
        .expect("run acrdeck")
}

#[test]
fn help_shows_examples() {
    let dir = tempfile::tempdir().unwrap();
    let out = acrdeck(&["--help"], dir.path());
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Examples:",
        "acrdeck --demo",
        "--readonly",
        "--config",
        "--log-level",
        "completions",
        "man",
    ] {
        assert!(help.contains(needle), "`{needle}` missing from --help:\n{help}");
    }
    assert!(!help.contains("debug-panic-after"), "test-only flags stay hidden");
}

#[test]
fn version_names_the_build_and_the_json_says_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let out = acrdeck(&["-V"], dir.path());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("acrdeck {}", env!("CARGO_PKG_VERSION"))
    );
    let long = String::from_utf8_lossy(&acrdeck(&["--version"], dir.path()).stdout).to_string();
    let json = acrdeck(&["version", "--output", "json"], dir.path());
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    // This checkout's commit, when the tests run in one.
    if let Ok(head) = std::process::Command::new("git").args(["rev-parse", "HEAD"]).output()
        && head.status.success()
    {
        assert_eq!(v["commit"], String::from_utf8_lossy(&head.stdout).trim());
    }
    assert!(
        v["target"]
            .as_str()
            .is_some_and(|t| t.starts_with(std::env::consts::ARCH)),
        "{v}"
    );
    assert!(v["rustc"].as_str().is_some_and(|r| r.starts_with("rustc 1.")), "{v}");
    let date = v["build_date"].as_str().expect("a build date");
    assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok(), "{date}");
    for key in ["commit", "build_date", "target", "rustc"] {
        let value = v[key].as_str().expect("a string");
        assert!(long.contains(value), "--version names the {key} {value}:\n{long}");
    }
    let table = String::from_utf8_lossy(&acrdeck(&["version"], dir.path()).stdout).to_string();
    assert_eq!(table, long, "`version` prints what --version prints");
}

#[test]
fn completions_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef acrdeck"),
        ("fish", "complete -c acrdeck"),
    ] {
        let out = acrdeck(&["completions", shell], dir.path());
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell} completion lacks `{marker}`");
        assert!(text.contains("readonly"), "{shell} completion knows the flags");
    }
    let out = acrdeck(&["completions", "tcsh"], dir.path());
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn man_page_is_roff() {
    let dir = tempfile::tempdir().unwrap();
    let out = acrdeck(&["man"], dir.path());
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(".ie") || text.contains(".TH acrdeck"), "{text}");
    assert!(text.contains("readonly"));
}

#[test]
fn malformed_config_names_file_line_column_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prod.toml");
    std::fs::write(&config, "tenant = \"contoso\"\n\n[cloud]\nname = \"AzureGermany\"\n").unwrap();
    let out = acrdeck(&["--config", config.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let expected_where = format!("{}:4:8", config.display());
    assert!(err.contains(&expected_where), "names file:line:col:\n{err}");
    assert!(err.contains("`cloud.name`"), "names the key:\n{err}");
    assert!(err.contains("AzureUSGovernment"), "says what is expected:\n{err}");
    assert_eq!(err.trim().lines().count(), 1, "one paragraph:\n{err}");
}

#[test]
fn missing_explicit_config_is_an_error_but_missing_default_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let out = acrdeck(&["--config", "/nonexistent/acrdeck.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/acrdeck.toml"));
}

#[test]
fn the_dashboard_refuses_to_run_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = acrdeck(&["--demo"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interactive terminal"));
}

#[test]
fn config_errors_leave_the_terminal_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[[stages]]\nname = \"dev\"\nregistry = \"not a registry\"\n").unwrap();
    let mut s = PtySession::spawn(&["--config", config.to_str().unwrap()], dir.path(), 100, 30);
    assert_eq!(s.wait_exit(Duration::from_secs(20)), 2);
    let raw = s.raw_text();
    assert!(
        !raw.contains("\x1b[?1049h"),
        "never entered the alternate screen: {raw:?}"
    );
    assert!(raw.contains("bad.toml:3:12"), "{raw}");
    assert_eq!(s.line_discipline(), (true, true));
}

/// `acrdeck audit`: newest first, `--since` leaves older changes out, an intent without an
/// outcome (acrdeck killed mid-change) shows as such, and JSON carries both records.
#[test]
fn audit_prints_the_trail_newest_first_with_crashes_visible() {
    use acrdeck::audit::{AuditTrail, Operator, Record};
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::open(dir.path()).unwrap();
    let op = Operator {
        principal: "ops@contoso.com".into(),
        ..Default::default()
    };
    let mut old = Record::intent("lock", op.clone(), "prod.azurecr.io/apps/web:1.0".into());
    old.time = chrono::Utc::now() - chrono::Duration::days(3);
    trail.append(&old).unwrap();
    trail.append(&old.outcome("done")).unwrap();
    let promoted = Record {
        note: Some("REL-1".into()),
        source_digest: Some("sha256:ab".into()),
        ..Record::intent("promote", op.clone(), "prod.azurecr.io/apps/web:1.5.0".into())
    };
    trail.append(&promoted).unwrap();
    let mut done = promoted.outcome("imported");
    done.target_digest = Some("sha256:ab".into());
    trail.append(&done).unwrap();
    // Killed after the intent: no outcome.
    trail
        .append(&Record::intent("import", op, "dev.azurecr.io/x:1".into()))
        .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("audit")
            .arg("--file")
            .arg(trail.path())
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let (code, table) = run(&[]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(
        lines[1].contains("import") && lines[1].contains("NO OUTCOME"),
        "{table}"
    );
    assert!(lines[2].contains("promote") && lines[2].contains("IMPORTED") && lines[2].contains("REL-1"));
    assert!(lines[3].contains("lock") && lines[3].contains("DONE"));
    let (code, json) = run(&["--since", "24h", "--output", "json"]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let list = doc.as_array().unwrap();
    assert_eq!(list.len(), 2, "the three-day-old lock is left out: {json}");
    assert_eq!(list[0]["outcome"], "no outcome");
    assert!(list[0]["result"].is_null());
    assert_eq!(list[1]["result"]["target_digest"], "sha256:ab");
    let (code, _) = run(&["--since", "yesterday"]);
    assert_eq!(code, Some(2), "a bad duration is a usage error");
}
