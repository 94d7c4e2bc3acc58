//! Microsoft's official Python SDKs (installed by `.ci/run` from tests/python/requirements.txt)
//! run unchanged against the emulator: registries across pages, repositories and tags across
//! pages, locks set and enforced, an import LRO to completion and a NoForce refusal, runs.

mod common;

use common::emu::TestEmu;
use std::process::Command;

fn sdks_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import azure.identity, azure.containerregistry, azure.mgmt.containerregistry, azure.mgmt.containerregistrytasks"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdks_work_against_the_emulator() {
    if !sdks_installed() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "the Azure Python SDKs are not installed; .ci/run installs them from tests/python/requirements.txt"
        );
        eprintln!(
            "SKIPPED official_python_sdks_work_against_the_emulator: the Azure Python SDKs are not installed (pip install -r tests/python/requirements.txt)"
        );
        return;
    }
    let emu = TestEmu::start().await;
    let ready = emu.dir.path().join("ready.json");
    std::fs::write(&ready, serde_json::to_string(emu.info()).unwrap()).unwrap();
    let ca = emu.info().ca_cert.clone();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/sdk_check.py");
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .arg(&ready)
        .env("REQUESTS_CA_BUNDLE", &ca)
        .env("SSL_CERT_FILE", &ca)
        .output()
        .await
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the SDK check failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("0 failed"), "{stdout}");
    // The SDKs really went through the emulator's listeners.
    let requests = emu.requests().await;
    for listener in ["arm", "registry:contosodev"] {
        assert!(
            requests.iter().any(|r| r["listener"] == listener),
            "no request reached {listener}"
        );
    }
}
