//! The emulator answers each operation with the status, headers and body shape of Microsoft's
//! official example for it (`../shared/fixtures`, or `ACRDECK_FIXTURES`). Requests go over real
//! HTTPS through plain reqwest, not acrdeck's own client.

mod common;

use common::emu::{TestEmu, fixtures_dir};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const REG: &str = "api-version=2025-11-01";
const TASKS: &str = "api-version=2025-03-01-preview";

/// Examples of operations the emulator does not serve yet, with what is missing. The client's
/// models already parse every one of them (tests/fixtures.rs).
const NOT_SERVED_YET: &[(&str, &str)] = &[
    (
        "arm-2025-11-01/RegistryListPrivateLinkResources.json",
        "private link resources are not served",
    ),
    (
        "arm-2025-11-01/PrivateEndpointConnectionList.json",
        "private endpoint connections are not served",
    ),
];

/// Keys of an example that the emulator legitimately does not send, with the reason.
const NOT_SENT: &[(&str, &str, &str)] = &[
    (
        "arm-tasks-2025-03-01-preview/RunsList.json",
        "logArtifact",
        "runs are not archived to an OCI artifact (isArchiveEnabled=false)",
    ),
    (
        "arm-tasks-2025-03-01-preview/RunsGet.json",
        "logArtifact",
        "runs are not archived to an OCI artifact (isArchiveEnabled=false)",
    ),
    (
        "arm-tasks-2025-03-01-preview/RunsUpdate.json",
        "logArtifact",
        "the archive artifact appears only after the next run",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksList.json",
        "credentials",
        "task credentials are write-only in the service and never listed by the emulator",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksGet.json",
        "credentials",
        "task credentials are write-only in the service and never listed by the emulator",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksGetDetails.json",
        "customRegistries",
        "the demo tasks pull from no custom registry: the map is sent, empty",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksGetDetails.json",
        "tags",
        "tasks carry no resource tags in the demo world",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksGetDetails.json",
        "logTemplate",
        "no log template is configured",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksGetDetails.json",
        "sourceTriggers",
        "demo tasks are triggered by base images and timers, not source commits",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksList.json",
        "tags",
        "tasks carry no resource tags in the demo world",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksGet.json",
        "tags",
        "tasks carry no resource tags in the demo world",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksList.json",
        "sourceTriggers",
        "demo tasks are triggered by base images and timers, not source commits",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksGet.json",
        "sourceTriggers",
        "demo tasks are triggered by base images and timers, not source commits",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksGet.json",
        "logTemplate",
        "no log template is configured",
    ),
    (
        "arm-tasks-2025-03-01-preview/TasksList.json",
        "logTemplate",
        "no log template is configured",
    ),
];

struct Checker {
    emu: TestEmu,
    dir: PathBuf,
    arm_token: String,
    covered: BTreeSet<String>,
    problems: Vec<String>,
}

/// Paths in `example` missing from `actual` (types compared for scalars; null matches anything).
fn missing(example: &Value, actual: &Value, path: &str, ignore: &[&str], out: &mut Vec<String>) {
    match (example, actual) {
        (Value::Null, _) => {}
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                if ignore.contains(&k.as_str()) {
                    continue;
                }
                // Resource tags and HTTP header maps are free-form: their keys are data.
                if (k == "tags" || k == "headers") && ev.is_object() {
                    if !a.get(k).is_some_and(Value::is_object) {
                        out.push(format!("{path}.{k} (a map)"));
                    }
                    continue;
                }
                match a.get(k) {
                    Some(av) => missing(ev, av, &format!("{path}.{k}"), ignore, out),
                    None => out.push(format!("{path}.{k}")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            let Some(first) = e.first() else { return };
            if a.is_empty() {
                out.push(format!("{path}[] (empty)"));
                return;
            }
            // The example's first element must be matched by some element of ours.
            let mut best: Option<Vec<String>> = None;
            for av in a {
                let mut m = Vec::new();
                missing(first, av, &format!("{path}[]"), ignore, &mut m);
                if best.as_ref().is_none_or(|b| m.len() < b.len()) {
                    best = Some(m);
                }
            }
            out.extend(best.unwrap_or_default());
        }
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_)) => {}
        (e, a) => out.push(format!("{path}: example {} but emulator {}", kind(e), kind(a))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Checker {
    fn example(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(self.dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn arm_url(&self, path: &str, query: &str) -> String {
        format!("{}{path}?{query}", self.emu.info().arm)
    }

    fn dev(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.emu.registry_id("contosodev", "rg-acr-dev"))
    }

    async fn arm(&self, method: Method, path: &str, query: &str, body: Option<Value>) -> reqwest::Response {
        let mut req = self
            .emu
            .http
            .request(method, self.arm_url(path, query))
            .bearer_auth(&self.arm_token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("ARM request")
    }

    async fn dp(&self, method: Method, path: &str, scope: &str, body: Option<Value>) -> reqwest::Response {
        let token = self.emu.acr_token("contosodev", scope).await;
        let host = &self.emu.info().registries["contosodev"];
        let mut req = self
            .emu
            .http
            .request(method, format!("https://{host}{path}"))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("data-plane request")
    }

    /// Compares a response with the example's answer for the same status.
    async fn check(&mut self, name: &str, resp: reqwest::Response) -> Value {
        self.covered.insert(name.to_string());
        let example = self.example(name);
        let status = resp.status().as_u16().to_string();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text.clone()))
        };
        let Some(expected) = example["responses"].get(&status) else {
            let known: Vec<&String> = example["responses"]
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            self.problems.push(format!(
                "{name}: status {status} is not one of the example's {known:?}; body {text}"
            ));
            return body;
        };
        if let Some(h) = expected["headers"].as_object() {
            for k in h.keys() {
                if !headers.contains_key(k.to_ascii_lowercase().as_str()) {
                    self.problems.push(format!("{name}: header {k} missing"));
                }
            }
        }
        if !headers.contains_key("x-ms-request-id") && name.starts_with("arm") {
            self.problems.push(format!("{name}: x-ms-request-id missing"));
        }
        let ignore: Vec<&str> = NOT_SENT
            .iter()
            .filter(|(f, _, _)| *f == name)
            .map(|(_, k, _)| *k)
            .collect();
        if let Some(eb) = expected.get("body") {
            let mut m = Vec::new();
            missing(eb, &body, "body", &ignore, &mut m);
            for p in m {
                self.problems.push(format!("{name}: {p} missing or of another type"));
            }
        }
        body
    }

    /// Polls an operation's Location until it is done, as an LRO client would.
    async fn poll(&self, location: &str) -> (u16, String) {
        for _ in 0..50 {
            let r = self
                .emu
                .http
                .get(location)
                .bearer_auth(&self.arm_token)
                .send()
                .await
                .expect("poll");
            if r.status().as_u16() != 202 {
                return (r.status().as_u16(), r.text().await.unwrap_or_default());
            }
            let wait = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(1u64);
            tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 / 4)).await;
        }
        (0, "never finished".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_answers_like_the_official_examples() {
    let Some(dir) = fixtures_dir("emulator_answers_like_the_official_examples") else {
        return;
    };
    let emu = TestEmu::start().await;
    let arm_token = emu.arm_token().await;
    let mut c = Checker {
        emu,
        dir,
        arm_token,
        covered: BTreeSet::new(),
        problems: vec![],
    };
    let sub = c.emu.info().subscription.clone();

    // --- registries
    let r = c
        .arm(
            Method::GET,
            &format!("/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries"),
            REG,
            None,
        )
        .await;
    let page = c.check("arm-2025-11-01/RegistryList.json", r).await;
    assert!(page["nextLink"].is_string(), "the demo world pages its registry list");
    let r = c
        .arm(
            Method::GET,
            &format!("/subscriptions/{sub}/resourceGroups/rg-acr-dev/providers/Microsoft.ContainerRegistry/registries"),
            REG,
            None,
        )
        .await;
    c.check("arm-2025-11-01/RegistryListByResourceGroup.json", r).await;
    let r = c.arm(Method::GET, &c.dev(""), REG, None).await;
    c.check("arm-2025-11-01/RegistryGet.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/listUsages"), REG, None).await;
    c.check("arm-2025-11-01/RegistryListUsages.json", r).await;
    let update = c.example("arm-2025-11-01/RegistryUpdate.json")["parameters"]["registryUpdateParameters"].clone();
    let r = c
        .arm(
            Method::PATCH,
            &c.emu.registry_id("contosouat", "rg-acr-uat"),
            REG,
            Some(update),
        )
        .await;
    c.check("arm-2025-11-01/RegistryUpdate.json", r).await;

    // --- importImage: the examples' bodies with our world's source and target names
    let staging = c.emu.registry_id("contosostaging", "rg-acr-staging");
    for (name, source) in [
        (
            "arm-2025-11-01/ImportImageByTag.json",
            json!({"resourceId": staging, "sourceImage": "apps/web:1.6.0"}),
        ),
        // The demo world's docker.io needs credentials, as the real one does for reliable pulls.
        (
            "arm-2025-11-01/ImportImageFromPublicRegistry.json",
            json!({"registryUri": "registry.hub.docker.com", "sourceImage": "library/hello-world",
            "credentials": {"username": "contoso", "password": "dckr_pat_demo"}}),
        ),
    ] {
        let mut body = c.example(name)["parameters"]["parameters"].clone();
        body["source"] = source;
        let r = c.arm(Method::POST, &c.dev("/importImage"), REG, Some(body)).await;
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        c.check(name, r).await;
        let location = location.expect("Location on 202");
        let (status, body) = c.poll(&location).await;
        assert_eq!(status, 200, "{name}: the operation completes: {body}");
    }
    // By digest: the digest of staging's apps/web:1.5.0.
    let token = c
        .emu
        .acr_token("contosostaging", "repository:apps/web:metadata_read")
        .await;
    let tag: Value = c
        .emu
        .http
        .get(format!(
            "https://{}/acr/v1/apps/web/_tags/1.5.0",
            c.emu.info().registries["contosostaging"]
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let digest = tag["tag"]["digest"].as_str().unwrap().to_string();
    let mut body = c.example("arm-2025-11-01/ImportImageByManifestDigest.json")["parameters"]["parameters"].clone();
    body["source"] = json!({"resourceId": staging, "sourceImage": format!("apps/web@{digest}")});
    let r = c.arm(Method::POST, &c.dev("/importImage"), REG, Some(body)).await;
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .expect("Location");
    c.check("arm-2025-11-01/ImportImageByManifestDigest.json", r).await;
    assert_eq!(c.poll(&location).await.0, 200);

    // --- cache rules and credential sets
    let r = c.arm(Method::GET, &c.dev("/cacheRules"), REG, None).await;
    c.check("arm-2025-11-01/CacheRuleList.json", r).await;
    let r = c
        .arm(Method::GET, &c.dev("/cacheRules/demo-prometheus"), REG, None)
        .await;
    c.check("arm-2025-11-01/CacheRuleGet.json", r).await;
    let mut create =
        c.example("arm-2025-11-01/CacheRuleCreate.json")["parameters"]["cacheRuleCreateParameters"].clone();
    create["properties"]["credentialSetResourceId"] = json!(c.dev("/credentialSets/dockerhub"));
    let r = c
        .arm(Method::PUT, &c.dev("/cacheRules/myCacheRule"), REG, Some(create))
        .await;
    c.check("arm-2025-11-01/CacheRuleCreate.json", r).await;
    let mut update =
        c.example("arm-2025-11-01/CacheRuleUpdate.json")["parameters"]["cacheRuleUpdateParameters"].clone();
    update["properties"]["credentialSetResourceId"] = json!(c.dev("/credentialSets/quay"));
    let r = c
        .arm(Method::PATCH, &c.dev("/cacheRules/myCacheRule"), REG, Some(update))
        .await;
    c.check("arm-2025-11-01/CacheRuleUpdate.json", r).await;
    let r = c
        .arm(Method::DELETE, &c.dev("/cacheRules/myCacheRule"), REG, None)
        .await;
    c.check("arm-2025-11-01/CacheRuleDelete.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/credentialSets"), REG, None).await;
    c.check("arm-2025-11-01/CredentialSetList.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/credentialSets/dockerhub"), REG, None).await;
    c.check("arm-2025-11-01/CredentialSetGet.json", r).await;
    let create =
        c.example("arm-2025-11-01/CredentialSetCreate.json")["parameters"]["credentialSetCreateParameters"].clone();
    let r = c
        .arm(
            Method::PUT,
            &c.dev("/credentialSets/myCredentialSet"),
            REG,
            Some(create),
        )
        .await;
    c.check("arm-2025-11-01/CredentialSetCreate.json", r).await;
    let update =
        c.example("arm-2025-11-01/CredentialSetUpdate.json")["parameters"]["credentialSetUpdateParameters"].clone();
    let r = c
        .arm(
            Method::PATCH,
            &c.dev("/credentialSets/myCredentialSet"),
            REG,
            Some(update),
        )
        .await;
    let updated = c.check("arm-2025-11-01/CredentialSetUpdate.json", r).await;
    assert!(
        updated["properties"]["authCredentials"][0]["usernameSecretIdentifier"]
            .as_str()
            .unwrap_or("")
            .ends_with("username2")
    );
    let r = c
        .arm(Method::DELETE, &c.dev("/credentialSets/myCredentialSet"), REG, None)
        .await;
    c.check("arm-2025-11-01/CredentialSetDelete.json", r).await;

    // --- webhooks
    let r = c.arm(Method::GET, &c.dev("/webhooks"), REG, None).await;
    c.check("arm-2025-11-01/WebhookList.json", r).await;
    let r = c
        .arm(Method::POST, &c.dev("/webhooks/rolloutnotify/listEvents"), REG, None)
        .await;
    let events = c.check("arm-2025-11-01/WebhookListEvents.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/webhooks/rolloutnotify"), REG, None).await;
    c.check("arm-2025-11-01/WebhookGet.json", r).await;
    let r = c
        .arm(
            Method::POST,
            &c.dev("/webhooks/rolloutnotify/getCallbackConfig"),
            REG,
            None,
        )
        .await;
    c.check("arm-2025-11-01/WebhookGetCallbackConfig.json", r).await;
    let r = c
        .arm(Method::POST, &c.dev("/webhooks/rolloutnotify/ping"), REG, None)
        .await;
    c.check("arm-2025-11-01/WebhookPing.json", r).await;

    // --- repository-scoped tokens and scope maps
    let r = c.arm(Method::GET, &c.dev("/tokens"), REG, None).await;
    c.check("arm-2025-11-01/TokenList.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/tokens/ci-pusher"), REG, None).await;
    c.check("arm-2025-11-01/TokenGet.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/scopeMaps"), REG, None).await;
    c.check("arm-2025-11-01/ScopeMapList.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/scopeMaps/ci-push-web"), REG, None).await;
    c.check("arm-2025-11-01/ScopeMapGet.json", r).await;

    // --- geo-replicas
    let r = c.arm(Method::GET, &c.dev("/replications"), REG, None).await;
    c.check("arm-2025-11-01/ReplicationList.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/replications/northeurope"), REG, None).await;
    c.check("arm-2025-11-01/ReplicationGet.json", r).await;
    assert!(
        events["value"].as_array().is_some_and(|v| !v.is_empty()),
        "the imports above recorded push events"
    );

    // --- tasks and runs
    let r = c.arm(Method::GET, &c.dev("/tasks"), TASKS, None).await;
    c.check("arm-tasks-2025-03-01-preview/TasksList.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/tasks/hello-world"), TASKS, None).await;
    c.check("arm-tasks-2025-03-01-preview/TasksGet.json", r).await;
    let r = c
        .arm(Method::POST, &c.dev("/tasks/hello-world/listDetails"), TASKS, None)
        .await;
    c.check("arm-tasks-2025-03-01-preview/TasksGetDetails.json", r).await;
    let r = c
        .arm(Method::GET, &c.dev("/runs"), &format!("{TASKS}&$top=10&$filter="), None)
        .await;
    c.check("arm-tasks-2025-03-01-preview/RunsList.json", r).await;
    let r = c.arm(Method::GET, &c.dev("/runs/co5"), TASKS, None).await;
    c.check("arm-tasks-2025-03-01-preview/RunsGet.json", r).await;
    let r = c
        .arm(
            Method::PATCH,
            &c.dev("/runs/co5"),
            TASKS,
            Some(json!({"isArchiveEnabled": true})),
        )
        .await;
    let run = c.check("arm-tasks-2025-03-01-preview/RunsUpdate.json", r).await;
    assert_eq!(run["properties"]["isArchiveEnabled"], true);
    let r = c
        .arm(Method::POST, &c.dev("/runs/co7/listLogSasUrl"), TASKS, None)
        .await;
    c.check("arm-tasks-2025-03-01-preview/RunsGetLogSasUrl.json", r).await;
    let mut schedule =
        c.example("arm-tasks-2025-03-01-preview/RegistriesScheduleRun_Task.json")["parameters"]["runRequest"].clone();
    schedule["taskId"] = json!(c.dev("/tasks/hello-world"));
    let r = c.arm(Method::POST, &c.dev("/scheduleRun"), TASKS, Some(schedule)).await;
    let scheduled = c
        .check("arm-tasks-2025-03-01-preview/RegistriesScheduleRun_Task.json", r)
        .await;
    let encoded =
        c.example("arm-tasks-2025-03-01-preview/RegistriesScheduleRun_EncodedTaskRun.json")["parameters"]["runRequest"]
            .clone();
    let r = c.arm(Method::POST, &c.dev("/scheduleRun"), TASKS, Some(encoded)).await;
    c.check(
        "arm-tasks-2025-03-01-preview/RegistriesScheduleRun_EncodedTaskRun.json",
        r,
    )
    .await;
    let new_run = scheduled["name"].as_str().unwrap_or("").to_string();
    let r = c
        .arm(Method::POST, &c.dev(&format!("/runs/{new_run}/cancel")), TASKS, None)
        .await;
    c.check("arm-tasks-2025-03-01-preview/RunsCancel.json", r).await;

    // --- data plane
    let host = c.emu.info().registries["contosodev"].clone();
    let r = c.dp(Method::GET, "/v2/", "registry:catalog:*", None).await;
    c.check("dataplane-2021-07-01/GetDockerRegistryV2Support.json", r).await;
    let r = c.dp(Method::GET, "/acr/v1/_catalog", "registry:catalog:*", None).await;
    c.check("dataplane-2021-07-01/GetRepositoryList.json", r).await;
    let read = "repository:apps/web:metadata_read";
    let write = "repository:apps/web:metadata_write";
    let r = c.dp(Method::GET, "/acr/v1/apps/web", read, None).await;
    c.check("dataplane-2021-07-01/GetRepositoryAttributes.json", r).await;
    let r = c.dp(Method::GET, "/acr/v1/apps/web/_tags", read, None).await;
    c.check("dataplane-2021-07-01/GetTagList.json", r).await;
    let r = c.dp(Method::GET, "/acr/v1/apps/web/_tags/1.6.0", read, None).await;
    c.check("dataplane-2021-07-01/GetTagAttributes.json", r).await;
    let r = c
        .dp(
            Method::PATCH,
            "/acr/v1/apps/web/_tags/1.6.0",
            write,
            Some(json!({"writeEnabled": false})),
        )
        .await;
    let patched = c.check("dataplane-2021-07-01/UpdateTagAttributes.json", r).await;
    assert_eq!(patched["tag"]["changeableAttributes"]["writeEnabled"], false);
    // apps/api is single-platform, like the example's nanoserver.
    let (api_read, api_write) = (
        "repository:apps/api:metadata_read",
        "repository:apps/api:metadata_write",
    );
    let r = c.dp(Method::GET, "/acr/v1/apps/api/_manifests", api_read, None).await;
    let manifests = c.check("dataplane-2021-07-01/GetManifestList.json", r).await;
    let single = manifests["manifests"][0]["digest"]
        .as_str()
        .expect("a manifest")
        .to_string();
    let r = c
        .dp(
            Method::GET,
            &format!("/acr/v1/apps/api/_manifests/{single}"),
            api_read,
            None,
        )
        .await;
    c.check("dataplane-2021-07-01/GetManifestAttributes.json", r).await;
    let r = c
        .dp(
            Method::PATCH,
            &format!("/acr/v1/apps/api/_manifests/{single}"),
            api_write,
            Some(json!({"writeEnabled": false})),
        )
        .await;
    c.check("dataplane-2021-07-01/UpdateManifestAttributes.json", r).await;
    let r = c
        .dp(
            Method::PATCH,
            "/acr/v1/apps/api",
            "repository:apps/api:metadata_write",
            Some(json!({"writeEnabled": false})),
        )
        .await;
    c.check("dataplane-2021-07-01/UpdateRepositoryAttributes.json", r).await;
    let r = c
        .dp(
            Method::DELETE,
            "/acr/v1/hello-world/_tags/co1",
            "repository:hello-world:delete",
            None,
        )
        .await;
    c.check("dataplane-2021-07-01/DeleteTag.json", r).await;
    let r = c
        .dp(
            Method::DELETE,
            "/v2/hello-world/manifests/co5",
            "repository:hello-world:delete",
            None,
        )
        .await;
    c.check("dataplane-2021-07-01/DeleteManifest.json", r).await;
    let aad = c.emu.arm_token().await;
    let tenant = c.emu.info().tenant.clone();
    let r = c
        .emu
        .http
        .post(format!("https://{host}/oauth2/exchange"))
        .form(&[
            ("grant_type", "access_token"),
            ("service", &host),
            ("tenant", &tenant),
            ("access_token", &aad),
        ])
        .send()
        .await
        .unwrap();
    c.check("dataplane-2021-07-01/PostRefreshToken.json", r).await;
    // Username and password: the admin user, whose password ARM hands out.
    let r = c.arm(Method::POST, &c.dev("/listCredentials"), REG, None).await;
    let creds = c.check("arm-2025-11-01/RegistryListCredentials.json", r).await;
    let r = c
        .emu
        .http
        .get(format!("https://{host}/oauth2/token"))
        .query(&[("scope", "registry:catalog:*"), ("service", &host)])
        .basic_auth(
            creds["username"].as_str().unwrap(),
            creds["passwords"][0]["value"].as_str(),
        )
        .send()
        .await
        .unwrap();
    c.check("dataplane-2021-07-01/GetAccessToken.json", r).await;

    // Every example in the folder was exercised, but those the emulator does not serve yet;
    // one that is exercised must come off that list.
    for entry in walk(&c.dir) {
        let rel = entry.strip_prefix(&c.dir).unwrap().to_string_lossy().replace('\\', "/");
        let unserved = NOT_SERVED_YET.iter().any(|(f, _)| *f == rel);
        if rel.ends_with(".json") && !c.covered.contains(&rel) && !unserved {
            c.problems.push(format!("{rel}: no check exercises this example"));
        }
        if c.covered.contains(&rel) && unserved {
            c.problems
                .push(format!("{rel}: exercised now; take it off NOT_SERVED_YET"));
        }
    }
    assert!(
        c.problems.is_empty(),
        "the emulator differs from the official examples:\n  {}",
        c.problems.join("\n  ")
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
