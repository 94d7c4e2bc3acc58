//! A running emulator for integration tests, and a plain reqwest client that trusts its CA.
//! The client here is deliberately not acrdeck's own ACR client: it is the independent side the
//! emulator is checked with.

use acrdeck::emulator::{self, Options, ReadyInfo, Running, Scale};
use serde_json::Value;
use std::path::PathBuf;

pub struct TestEmu {
    pub running: Running,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

impl TestEmu {
    pub async fn start() -> TestEmu {
        Self::start_with(Scale::default()).await
    }

    pub async fn start_with(scale: Scale) -> TestEmu {
        let dir = tempfile::tempdir().expect("temp dir");
        let running = emulator::start(Options {
            listen: "127.0.0.1:0".parse().expect("addr"),
            state_dir: dir.path().to_path_buf(),
            world: None,
            scale,
        })
        .await
        .expect("emulator starts");
        let ca = std::fs::read(&running.info.ca_cert).expect("CA written");
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA parses"))
            .build()
            .expect("client");
        TestEmu { running, http, dir }
    }

    pub fn info(&self) -> &ReadyInfo {
        &self.running.info
    }

    /// An Entra token for ARM, through the token service as a client would get one.
    pub async fn arm_token(&self) -> String {
        arm_token(&self.http, self.info()).await
    }

    /// An ACR access token for `scope` on `registry` (exchange, then token).
    pub async fn acr_token(&self, registry: &str, scope: &str) -> String {
        acr_token(&self.http, self.info(), registry, scope).await
    }

    pub fn registry_id(&self, name: &str, rg: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}",
            self.info().subscription
        )
    }

    /// Adds a fault (the admin endpoint's spec: target, path, kind, count, every).
    pub async fn fault(&self, spec: Value) {
        let r = self
            .http
            .post(format!("{}/faults", self.info().admin))
            .json(&spec)
            .send()
            .await
            .expect("admin");
        let status = r.status();
        assert_eq!(status, 201, "{}", r.text().await.unwrap_or_default());
    }

    /// The most items a page of ACR's listings holds from now on (the service's 1,000 at most).
    pub async fn page_limit(&self, n: usize) {
        let r = self
            .http
            .post(format!("{}/page-limit?n={n}", self.info().admin))
            .send()
            .await
            .expect("admin");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }

    /// Removes every fault.
    pub async fn clear_faults(&self) {
        let r = self
            .http
            .delete(format!("{}/faults", self.info().admin))
            .send()
            .await
            .expect("admin");
        assert!(r.status().is_success());
    }

    /// Requests the emulator answered, from its admin endpoint's log.
    pub async fn requests(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/requests", self.info().admin))
            .send()
            .await
            .expect("admin")
            .json()
            .await
            .expect("json");
        v["requests"].as_array().cloned().unwrap_or_default()
    }
}

/// The folder of official examples: `ACRDECK_FIXTURES`, default `../shared/fixtures`. Under CI
/// (CI=true) a missing folder fails the test; elsewhere the test says plainly it was skipped.
pub fn fixtures_dir(test: &str) -> Option<PathBuf> {
    shared_dir(test, "ACRDECK_FIXTURES", "fixtures", "the official examples folder")
}

/// The documents the project started from (`ACRDECK_SEEDS`, default `../shared/seeds`), found as
/// `fixtures_dir` finds the examples.
pub fn seeds_dir(test: &str) -> Option<PathBuf> {
    shared_dir(test, "ACRDECK_SEEDS", "seeds", "the seeds folder")
}

fn shared_dir(test: &str, var: &str, name: &str, what: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(name));
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "{test}: {what} {} is missing (set {var}); under CI this is a failure",
        dir.display()
    );
    eprintln!(
        "SKIPPED {test}: {what} {} is missing (set {var} to run it)",
        dir.display()
    );
    None
}

/// An Entra token for ARM from an emulator's token service.
pub async fn arm_token(http: &reqwest::Client, i: &ReadyInfo) -> String {
    let v: Value = http
        .post(format!("{}/{}/oauth2/v2.0/token", i.authority, i.tenant))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &i.client_id),
            ("client_secret", &i.client_secret),
            ("scope", &format!("{}/.default", i.arm)),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    v["access_token"].as_str().expect("access_token").to_string()
}

/// An ACR access token for `scope` on `registry`: Entra token, exchange, then token.
pub async fn acr_token(http: &reqwest::Client, i: &ReadyInfo, registry: &str, scope: &str) -> String {
    acr_token_for(http, i, registry, &[scope]).await
}

/// An ACR refresh token for `registry`: an Entra token exchanged at `/oauth2/exchange`, as
/// `az acr login --expose-token` hands one out.
pub async fn refresh_token(http: &reqwest::Client, i: &ReadyInfo, registry: &str) -> String {
    let aad = arm_token(http, i).await;
    let host = &i.registries[registry];
    let v: Value = http
        .post(format!("https://{host}/oauth2/exchange"))
        .form(&[
            ("grant_type", "access_token"),
            ("service", host),
            ("tenant", &i.tenant),
            ("access_token", &aad),
        ])
        .send()
        .await
        .expect("exchange")
        .json()
        .await
        .expect("exchange json");
    v["refresh_token"].as_str().expect("refresh_token").to_string()
}

/// An ACR access token for every scope in `scopes`, asked for in one token request.
pub async fn acr_token_for(http: &reqwest::Client, i: &ReadyInfo, registry: &str, scopes: &[&str]) -> String {
    let refresh = refresh_token(http, i, registry).await;
    let host = &i.registries[registry];
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("service", host.as_str()),
        ("refresh_token", refresh.as_str()),
    ];
    form.extend(scopes.iter().map(|s| ("scope", *s)));
    let v: Value = http
        .post(format!("https://{host}/oauth2/token"))
        .form(&form)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    v["access_token"].as_str().expect("access_token").to_string()
}

/// A client that trusts an emulator's CA.
pub fn client_for(i: &ReadyInfo) -> reqwest::Client {
    let ca = std::fs::read(&i.ca_cert).expect("CA written");
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA parses"))
        .build()
        .expect("client")
}

/// Schedules a quick run of `yaml` (an `EncodedTaskRunRequest`) on contosodev, as the az CLI's
/// `az acr run` does; the emulator echoes each line of the task as a step of the run's log.
/// Returns the run's id.
pub async fn quick_run(http: &reqwest::Client, i: &ReadyInfo, yaml: &str) -> String {
    use base64::Engine as _;
    let token = arm_token(http, i).await;
    let body = serde_json::json!({"type": "EncodedTaskRunRequest", "platform": {"os": "Linux"},
        "encodedTaskContent": base64::engine::general_purpose::STANDARD.encode(yaml)});
    let url = format!(
        "{}/subscriptions/{}/resourceGroups/rg-acr-dev/providers/Microsoft.ContainerRegistry/registries/contosodev/scheduleRun?api-version=2025-03-01-preview",
        i.arm, i.subscription
    );
    let run: Value = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("scheduleRun")
        .json()
        .await
        .expect("the run");
    run["name"].as_str().expect("a run id").to_string()
}
