//! `acrdeck doctor` against the emulator: everything passes on a healthy world, and each failure
//! it can name shows with what to do: a wrong client secret, an unknown CA, a registry that does
//! not answer, an unreachable log host, throttling.

mod common;

use common::emu::TestEmu;
use serde_json::{Value, json};

fn doctor(config: &std::path::Path, state: &std::path::Path) -> (Option<i32>, Vec<Value>) {
    doctor_with(config, state, &[])
}

/// `doctor` with these environment variables set (and no proxy variable of the caller's).
fn doctor_with(config: &std::path::Path, state: &std::path::Path, env: &[(&str, &str)]) -> (Option<i32>, Vec<Value>) {
    let mut cmd = std::process::Command::new(common::BIN);
    cmd.arg("--config")
        .arg(config)
        .args(["doctor", "-o", "json"])
        .env("ACRDECK_STATE_DIR", state)
        .env_remove("RUST_LOG");
    for var in ["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run acrdeck");
    let checks: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), checks.as_array().cloned().unwrap_or_default())
}

fn failed<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["check"] == name && c["ok"] == false)
        .unwrap_or_else(|| panic!("no failed {name} check in {checks:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_pass_then_each_failure_is_named_with_what_to_do() {
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = emu.info().config.clone();
    let (code, checks) = doctor(&config, dir.path());
    assert_eq!(code, Some(0), "{checks:#?}");
    for name in [
        "configuration",
        "sign-in",
        "registry listing",
        "DNS",
        "token exchange and catalog",
        "runs listing",
        "log blob host",
    ] {
        assert!(
            checks.iter().any(|c| c["check"] == name && c["ok"] == true),
            "{name}: {checks:#?}"
        );
    }

    // Tokens about to expire are said (the demo's dev registry has one expiring within a week
    // and one expired), without failing the run.
    let tokens = checks
        .iter()
        .find(|c| c["check"] == "tokens expiring" && c["target"] == "contosodev")
        .unwrap_or_else(|| panic!("no token check for contosodev: {checks:#?}"));
    assert_eq!(tokens["warning"], true, "{tokens}");
    let detail = tokens["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("ci-pusher expires") && detail.contains("old-ci-pusher expired"),
        "{tokens}"
    );
    assert!(
        tokens["fix"]
            .as_str()
            .is_some_and(|f| f.contains("credential generate")),
        "{tokens}"
    );

    // A registry that does not answer.
    emu.fault(json!({"target": "registry:contosoprod", "kind": {"status": 503}, "count": 100}))
        .await;
    let (code, checks) = doctor(&config, dir.path());
    assert_eq!(code, Some(1));
    let c = failed(&checks, "token exchange and catalog");
    assert!(c["detail"].as_str().unwrap().contains("503"), "{c}");
    assert!(c["fix"].as_str().is_some_and(|f| !f.is_empty()));
    emu.clear_faults().await;

    // The log blobs unreachable.
    emu.fault(json!({"target": "blob", "kind": {"status": 503}, "count": 100}))
        .await;
    let (_, checks) = doctor(&config, dir.path());
    let c = failed(&checks, "log blob host");
    assert!(c["fix"].as_str().unwrap().contains("allow"), "{c}");
    emu.clear_faults().await;

    // Throttled listing.
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": {"throttle": {"per_minute": 0, "retry_after": false}}, "count": 100})).await;
    let (code, checks) = doctor(&config, dir.path());
    assert_eq!(code, Some(1));
    let c = failed(&checks, "registry listing");
    assert!(c["detail"].as_str().unwrap().contains("429"), "{c}");
    emu.clear_faults().await;

    // A wrong secret.
    let text = std::fs::read_to_string(&config).unwrap();
    let bad_secret = dir.path().join("bad-secret");
    std::fs::write(&bad_secret, "not-the-secret").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bad_secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let wrong = dir.path().join("wrong-secret.toml");
    let line = text.lines().find(|l| l.starts_with("client_secret_file")).unwrap();
    std::fs::write(
        &wrong,
        text.replace(
            line,
            &format!("client_secret_file = {:?}", bad_secret.display().to_string()),
        ),
    )
    .unwrap();
    let (code, checks) = doctor(&wrong, dir.path());
    assert_eq!(code, Some(1));
    let c = failed(&checks, "sign-in");
    assert!(!c["fix"].as_str().unwrap().is_empty(), "{c}");

    // An unknown CA: the config without the emulator's CA bundle.
    let no_ca = dir.path().join("no-ca.toml");
    let ca_line = text.lines().find(|l| l.starts_with("ca_bundle")).unwrap();
    std::fs::write(&no_ca, text.replace(ca_line, "")).unwrap();
    let (code, checks) = doctor(&no_ca, dir.path());
    assert_eq!(code, Some(1));
    let c = failed(&checks, "TLS");
    let d = c["detail"].as_str().unwrap();
    assert!(
        d.contains("issued by") && d.contains("acrdeck emulator"),
        "the issuer is named: {c}"
    );
    assert!(c["fix"].as_str().unwrap().contains("ca_bundle"), "{c}");
    assert!(
        !checks.iter().any(|c| c["check"] == "sign-in"),
        "sign-in (a minute of retries) is not tried over a connection that cannot be trusted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_line_says_where_the_proxy_and_its_exceptions_come_from() {
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = emu.info().config.clone();
    // A proxy nobody listens on, bypassed for the emulator's loopback address: every check still
    // passes, and the line names both variables.
    let (code, checks) = doctor_with(
        &config,
        dir.path(),
        &[
            ("HTTPS_PROXY", "http://user:hunter2@127.0.0.1:9"),
            ("NO_PROXY", "127.0.0.1,localhost"),
        ],
    );
    assert_eq!(code, Some(0), "{checks:#?}");
    let proxy = checks.iter().find(|c| c["check"] == "proxy").expect("a proxy check");
    let detail = proxy["detail"].as_str().unwrap();
    assert!(
        detail.contains("(from HTTPS_PROXY)") && detail.contains("not for 127.0.0.1,localhost (from NO_PROXY)"),
        "{detail}"
    );
    assert!(
        !detail.contains("hunter2"),
        "the proxy's password is not shown: {detail}"
    );
    let (_, checks) = doctor_with(&config, dir.path(), &[]);
    let proxy = checks.iter().find(|c| c["check"] == "proxy").expect("a proxy check");
    assert_eq!(proxy["detail"], "none (direct connections)");

    // The same proxy without the exception: the proxy is blamed, not a certificate.
    let (code, checks) = doctor_with(&config, dir.path(), &[("HTTPS_PROXY", "http://127.0.0.1:9")]);
    assert_eq!(code, Some(1));
    let c = failed(&checks, "TLS");
    let (detail, fix) = (c["detail"].as_str().unwrap(), c["fix"].as_str().unwrap());
    assert!(detail.starts_with("the proxy did not open a tunnel"), "{detail}");
    assert!(fix.contains("no_proxy") && !fix.contains("ca_bundle"), "{fix}");
}

/// An HTTP CONNECT proxy on loopback that relays and records each CONNECT line it was asked.
async fn connect_proxy() -> (url::Url, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let line = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_string();
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(line);
                let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (url::Url::parse(&format!("http://{addr}")).expect("proxy URL"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_read_through_the_proxy_the_client_uses() {
    let emu = TestEmu::start().await;
    let arm = url::Url::parse(&emu.info().arm).expect("ARM URL");
    let (host, port) = (arm.host_str().expect("host").to_string(), arm.port().expect("port"));
    let (proxy, seen) = connect_proxy().await;
    let presented = acrdeck::headless::doctor::presented_certificate(&host, port, Some(&proxy))
        .await
        .expect("a certificate, through the tunnel");
    assert!(presented.0.contains("acrdeck emulator"), "issuer: {presented:?}");
    let lines = seen.lock().unwrap().clone();
    assert_eq!(
        lines,
        vec![format!("CONNECT {host}:{port} HTTP/1.1")],
        "one tunnel, to the host asked"
    );
}

/// `doctor --demo` on a machine with no home directory and no config: the demo world starts in
/// the process and every check passes, as on a fresh install.
#[test]
fn doctor_demo_checks_the_embedded_world_without_a_home_or_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::BIN)
        .args(["doctor", "--demo", "--output", "json"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("ACRDECK_STATE_DIR", dir.path())
        .output()
        .expect("run acrdeck");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON checks");
    for name in [
        "configuration",
        "sign-in",
        "registry listing",
        "token exchange and catalog",
        "runs listing",
    ] {
        assert!(
            checks.iter().any(|c| c["check"] == name && c["ok"] == true),
            "{name} passed: {checks:?}"
        );
    }
    assert!(checks.iter().all(|c| c["ok"] == true), "{checks:?}");
}
