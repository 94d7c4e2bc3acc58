//! `acrdeck emulator` as an operator runs it: one JSON ready line on stdout, a config file that
//! acrdeck itself accepts, and a clean stop on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn prints_one_ready_line_writes_a_usable_config_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("emu");
    let mut child = Command::new(common::BIN)
        .args(["emulator", "--state-dir", state.to_str().unwrap()])
        .env("ACRDECK_STATE_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("ready line");
    let info: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    for key in [
        "arm",
        "authority",
        "tenant",
        "subscription",
        "client_id",
        "client_secret",
        "ca_cert",
        "registries",
        "admin",
        "config",
    ] {
        assert!(!info[key].is_null(), "ready line lacks `{key}`: {line}");
    }
    let registries = info["registries"].as_object().unwrap();
    assert_eq!(registries.len(), 4);
    assert!(
        registries
            .values()
            .all(|v| v.as_str().unwrap().starts_with("127.0.0.1:"))
    );

    // The generated config is valid for acrdeck and names the emulator as a custom cloud.
    let config_path = std::path::PathBuf::from(info["config"].as_str().unwrap());
    let text = std::fs::read_to_string(&config_path).unwrap();
    let config = acrdeck::config::parse_str(&text, &config_path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        config
            .stages
            .iter()
            .map(|s| s.name.get_ref().as_str())
            .collect::<Vec<_>>(),
        ["dev", "staging", "uat", "prod"]
    );
    assert_eq!(config.cloud.arm_endpoint.as_deref(), info["arm"].as_str());
    assert!(
        !text.contains(info["client_secret"].as_str().unwrap()),
        "the secret is referenced, not written in the config"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let secret = config.auth.client_secret_file.clone().unwrap();
        assert_eq!(
            std::fs::metadata(secret).unwrap().permissions().mode() & 0o077,
            0,
            "the secret file is private"
        );
    }

    // SIGTERM stops it cleanly.
    // SAFETY: kill(2) on the child we spawned.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status}");
}

#[test]
fn refuses_non_loopback_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(common::BIN)
        .args([
            "emulator",
            "--listen",
            "0.0.0.0:0",
            "--state-dir",
            dir.path().to_str().unwrap(),
        ])
        .env("ACRDECK_STATE_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}
