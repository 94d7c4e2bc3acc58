//! The emulator behaves like Azure where acrdeck depends on it: locks, imports that fail the way
//! the service fails them, cache rules that fill on first pull, run logs that grow as append
//! blobs, a world that moves on by itself, and faults that can be switched on at run time.

mod common;

use common::emu::TestEmu;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TASKS: &str = "api-version=2025-03-01-preview";
const REG: &str = "api-version=2025-11-01";

async fn arm(
    emu: &TestEmu,
    method: reqwest::Method,
    path: &str,
    query: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let token = emu.arm_token().await;
    let mut req = emu
        .http
        .request(method, format!("{}{path}?{query}", emu.info().arm))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.expect("ARM request")
}

fn dev(emu: &TestEmu, suffix: &str) -> String {
    format!("{}{suffix}", emu.registry_id("contosodev", "rg-acr-dev"))
}

async fn import(emu: &TestEmu, body: Value) -> (u16, Value) {
    let r = arm(emu, reqwest::Method::POST, &dev(emu, "/importImage"), REG, Some(body)).await;
    if r.status() != 202 {
        let s = r.status().as_u16();
        return (s, r.json().await.unwrap_or(Value::Null));
    }
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(r.headers().contains_key("retry-after"));
    let token = emu.arm_token().await;
    let mut saw_202 = false;
    for _ in 0..100 {
        let p = emu.http.get(&location).bearer_auth(&token).send().await.unwrap();
        if p.status() == 202 {
            saw_202 = true;
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        assert!(saw_202, "the operation takes a while: the Location answers 202 first");
        let s = p.status().as_u16();
        let text = p.text().await.unwrap_or_default();
        return (s, serde_json::from_str(&text).unwrap_or(Value::Null));
    }
    panic!("import never finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_fail_the_way_the_service_fails_them() {
    let emu = TestEmu::start().await;
    let staging = emu.registry_id("contosostaging", "rg-acr-staging");
    // NoForce onto an existing tag.
    let (s, body) = import(&emu, json!({"source": {"resourceId": staging, "sourceImage": "apps/web:1.6.0"}, "targetTags": ["apps/web:1.6.0"], "mode": "NoForce"})).await;
    assert_eq!((s, body["error"]["code"].as_str()), (409, Some("Conflict")), "{body}");
    // docker.io without credentials.
    let (s, body) = import(&emu, json!({"source": {"registryUri": "docker.io", "sourceImage": "cloudflare/cloudflared:latest"}, "targetTags": ["cloudflare/cloudflared:latest"]})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("SourceCredentialsRequired")),
        "{body}"
    );
    // An image the source does not have.
    let (s, body) = import(&emu, json!({"source": {"registryUri": "quay.io", "sourceImage": "jetstack/cert-manager-controller:v9.9.9"}, "targetTags": ["x:y"]})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (404, Some("SourceImageNotFound")),
        "{body}"
    );
    // Unknown source registry: refused at once.
    let (s, _) = import(&emu, json!({"source": {"resourceId": "/subscriptions/x/resourceGroups/y/providers/Microsoft.ContainerRegistry/registries/nope", "sourceImage": "a:b"}, "targetTags": ["a:b"]})).await;
    assert_eq!(s, 400);
    // Force onto a write-locked tag with a different digest.
    let token = emu.acr_token("contosodev", "repository:apps/web:metadata_write").await;
    let host = &emu.info().registries["contosodev"];
    let r = emu
        .http
        .patch(format!("https://{host}/acr/v1/apps/web/_tags/1.5.0"))
        .bearer_auth(&token)
        .json(&json!({"writeEnabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, body) = import(&emu, json!({"source": {"resourceId": staging, "sourceImage": "apps/web:1.6.0"}, "targetTags": ["apps/web:1.5.0"], "mode": "Force"})).await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (409, Some("TargetLocked")),
        "{body}"
    );
    // And one that works, from docker.io with the credentials it wants.
    let (s, body) = import(&emu, json!({"source": {"registryUri": "docker.io", "sourceImage": "cloudflare/cloudflared:latest", "credentials": {"username": "contoso", "password": "dckr_pat_demo"}}, "targetTags": ["cloudflare/cloudflared:latest"]})).await;
    assert_eq!(s, 200, "{body}");
    let token = emu
        .acr_token("contosodev", "repository:cloudflare/cloudflared:pull")
        .await;
    let r = emu
        .http
        .head(format!("https://{host}/v2/cloudflare/cloudflared/manifests/latest"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["docker-content-digest"]
            .to_str()
            .unwrap()
            .starts_with("sha256:")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_are_enforced_like_acr() {
    let emu = TestEmu::start().await;
    let host = emu.info().registries["contosoprod"].clone();
    let all = "repository:apps/web:pull,push,delete,metadata_read,metadata_write";
    let token = emu.acr_token("contosoprod", all).await;
    // prod's apps/web:1.4.0 is locked in the demo world.
    let r = emu
        .http
        .delete(format!("https://{host}/acr/v1/apps/web/_tags/1.4.0"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "REGISTRY_DISALLOWED_OPERATION");
    // listEnabled=false hides a tag from listings but not from direct reads.
    let r = emu
        .http
        .patch(format!("https://{host}/acr/v1/apps/web/_tags/1.4.1"))
        .bearer_auth(&token)
        .json(&json!({"listEnabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tags: Value = emu
        .http
        .get(format!("https://{host}/acr/v1/apps/web/_tags"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["1.4.0"]);
    // A repository-level write lock covers tags that are not locked themselves.
    let base = "repository:base/node:pull,push,metadata_read";
    let token = emu.acr_token("contosoprod", base).await;
    let m = emu
        .http
        .get(format!("https://{host}/v2/base/node/manifests/15-alpine"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let media = m.headers()["content-type"].to_str().unwrap().to_string();
    let bytes = m.bytes().await.unwrap();
    let r = emu
        .http
        .put(format!("https://{host}/v2/base/node/manifests/new-tag"))
        .bearer_auth(&token)
        .header("content-type", media)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405, "the repository is write-locked");
    // Without the scope, a token cannot write: the challenge names the scope needed.
    let read_only = emu.acr_token("contosoprod", "repository:apps/web:pull").await;
    let r = emu
        .http
        .patch(format!("https://{host}/acr/v1/apps/web/_tags/1.4.0"))
        .bearer_auth(&read_only)
        .json(&json!({"writeEnabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("scope=\"repository:apps/web:metadata_write\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_rules_fill_on_first_pull_and_settle() {
    let emu = TestEmu::start().await;
    let host = emu.info().registries["contosodev"].clone();
    let token = emu
        .acr_token("contosodev", "repository:k8s/ingress-nginx/controller:pull")
        .await;
    let url = format!("https://{host}/v2/k8s/ingress-nginx/controller/manifests/v1.11.1");
    let r = emu.http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200, "the k8s/* rule pulls registry.k8s.io/* through");
    let token = emu.acr_token("contosodev", "registry:catalog:*").await;
    let catalog: Value = emu
        .http
        .get(format!("https://{host}/acr/v1/_catalog"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        catalog["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "k8s/ingress-nginx/controller"),
        "{catalog}"
    );
    // A new rule is Creating, then Succeeded.
    let body = json!({"properties": {"sourceRepository": "quay.io/jetstack/cert-manager-webhook", "targetRepository": "cm/webhook"}});
    let r = arm(
        &emu,
        reqwest::Method::PUT,
        &dev(&emu, "/cacheRules/cm-webhook"),
        REG,
        Some(body),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("azure-asyncoperation"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["properties"]["provisioningState"], "Creating");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v: Value = arm(
            &emu,
            reqwest::Method::GET,
            &dev(&emu, "/cacheRules/cm-webhook"),
            REG,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
        if v["properties"]["provisioningState"] == "Succeeded" {
            break;
        }
        assert!(Instant::now() < deadline, "the rule never settled: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_run_streams_its_log_as_an_append_blob_and_pushes() {
    let emu = TestEmu::start().await;
    let body = json!({"type": "TaskRunRequest", "taskId": dev(&emu, "/tasks/hello-world")});
    let run: Value = arm(
        &emu,
        reqwest::Method::POST,
        &dev(&emu, "/scheduleRun"),
        TASKS,
        Some(body),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = run["name"].as_str().unwrap().to_string();
    assert_eq!(run["properties"]["status"], "Queued");
    let link: Value = arm(
        &emu,
        reqwest::Method::POST,
        &dev(&emu, &format!("/runs/{id}/listLogSasUrl")),
        TASKS,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let link = link["logLink"].as_str().unwrap().to_string();
    // Before the run writes anything, the blob does not exist.
    let r = emu.http.head(&link).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // A tampered signature is refused.
    let bad = link.replace("sig=", "sig=x");
    assert_eq!(emu.http.get(&bad).send().await.unwrap().status(), 403);
    // Follow it with ranged reads from the last offset, as a log follower does.
    let mut log = Vec::new();
    let mut saw_running = false;
    let deadline = Instant::now() + Duration::from_secs(90);
    let outcome = loop {
        assert!(
            Instant::now() < deadline,
            "the run never finished; log so far:\n{}",
            String::from_utf8_lossy(&log)
        );
        let r = emu
            .http
            .get(&link)
            .header("x-ms-range", format!("bytes={}-", log.len()))
            .send()
            .await
            .unwrap();
        let complete = r
            .headers()
            .get("x-ms-meta-complete")
            .map(|v| v.to_str().unwrap().to_string());
        match r.status().as_u16() {
            206 => {
                let range = r.headers()["content-range"].to_str().unwrap().to_string();
                assert!(range.starts_with(&format!("bytes {}-", log.len())), "{range}");
                log.extend_from_slice(&r.bytes().await.unwrap());
                saw_running = true;
            }
            416 | 404 => {}
            s => panic!("unexpected {s}"),
        }
        if let Some(c) = complete {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(saw_running);
    assert_eq!(outcome, "Succeeded");
    let text = String::from_utf8(log.clone()).unwrap();
    assert!(text.ends_with(&format!(
        "Run ID: {id} was successful after {}s\r\n",
        text.rsplit("after ").next().unwrap().trim_end_matches("s\r\n")
    )));
    assert!(
        text.split('\n').filter(|l| !l.is_empty()).all(|l| l.ends_with('\r')),
        "every line ends in CRLF"
    );
    // The whole blob equals what was followed piece by piece.
    let full = emu.http.get(&link).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(full.as_ref(), log.as_slice());
    // The run pushed its image, and the registry's webhook saw it.
    let r: Value = arm(
        &emu,
        reqwest::Method::GET,
        &dev(&emu, &format!("/runs/{id}")),
        TASKS,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(r["properties"]["status"], "Succeeded");
    let output = &r["properties"]["outputImages"][0];
    let digest = output["digest"].as_str().unwrap_or_default();
    assert!(digest.starts_with("sha256:"), "{r}");
    // The log prints the digest the run reports, and the registry holds the tag there.
    assert!(text.contains(&format!(": digest: {digest} size: ")), "{text}");
    let host = emu.info().registries["contosodev"].clone();
    let repo = output["repository"].as_str().unwrap_or_default();
    let tag = output["tag"].as_str().unwrap_or_default();
    let token = emu
        .acr_token("contosodev", &format!("repository:{repo}:metadata_read"))
        .await;
    let t: Value = emu
        .http
        .get(format!("https://{host}/acr/v1/{repo}/_tags/{tag}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["tag"]["digest"], digest, "{t}");
    let events: Value = arm(
        &emu,
        reqwest::Method::POST,
        &dev(&emu, "/webhooks/rolloutnotify/listEvents"),
        REG,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        events["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["eventRequestMessage"]["content"]["target"]["tag"] == id.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_filter_like_the_az_cli_and_cancel() {
    let emu = TestEmu::start().await;
    let list = |filter: &'static str| {
        let emu = &emu;
        async move {
            let v: Value = arm(
                emu,
                reqwest::Method::GET,
                &dev(emu, "/runs"),
                &format!("{TASKS}&$filter={filter}&$top=50"),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["name"].as_str().unwrap().to_string(),
                        r["properties"]["status"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let failed = list("Status eq 'Failed'").await;
    assert!(!failed.is_empty() && failed.iter().all(|(_, s)| s == "Failed"));
    let hw = list("TaskName eq 'hello-world' and Status eq 'Running'").await;
    assert_eq!(hw.len(), 1, "the live demo run");
    let id = &hw[0].0;
    let r = arm(
        &emu,
        reqwest::Method::POST,
        &dev(&emu, &format!("/runs/{id}/cancel")),
        TASKS,
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let after = list("Status eq 'Canceled'").await;
    assert!(after.iter().any(|(r, _)| r == id));
    let bad = arm(
        &emu,
        reqwest::Method::GET,
        &dev(&emu, "/runs"),
        &format!("{TASKS}&$filter=TaskName ne 'x'"),
        None,
    )
    .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_switch_on_at_run_time() {
    let emu = TestEmu::start().await;
    let sub = emu.info().subscription.clone();
    let path = format!("/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries");
    // 429 with Retry-After, once.
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": {"throttle": {"per_minute": 0, "retry_after": true}}, "count": 1})).await;
    let r = arm(&emu, reqwest::Method::GET, &path, REG, None).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        arm(&emu, reqwest::Method::GET, &path, REG, None).await.status(),
        200,
        "count=1 applies once"
    );
    // 429 without Retry-After.
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": {"throttle": {"per_minute": 0, "retry_after": false}}, "count": 1})).await;
    let r = arm(&emu, reqwest::Method::GET, &path, REG, None).await;
    assert_eq!(r.status(), 429);
    assert!(!r.headers().contains_key("retry-after"));
    // 503 on every second request.
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": {"status": 503}, "every": 2, "count": 2}))
        .await;
    let statuses: Vec<u16> = futures_join(&emu, &path, 4).await;
    assert_eq!(statuses, [200, 503, 200, 503]);
    // Truncated JSON: the body no longer parses.
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": "truncate_json", "count": 1}))
        .await;
    let text = arm(&emu, reqwest::Method::GET, &path, REG, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    // Dropped mid-body: the client sees the body fail.
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": "drop_mid_body", "count": 1}))
        .await;
    assert!(
        arm(&emu, reqwest::Method::GET, &path, REG, None)
            .await
            .bytes()
            .await
            .is_err()
    );
    // Latency.
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": {"latency_ms": 600}, "count": 1}))
        .await;
    assert_eq!(
        arm(&emu, reqwest::Method::GET, &path, REG, None).await.status(),
        200,
        "a delayed answer is still the answer"
    );
    let faults: Value = emu
        .http
        .get(format!("{}/faults", emu.info().admin))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let latency = faults["faults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["spec"]["kind"]["latency_ms"] == 600)
        .expect("the latency fault is listed");
    assert_eq!(latency["applied"], 1, "the request was held back: {latency}");
    // Token expiry: every token issued so far is refused, with the service's code.
    let old = emu.arm_token().await;
    emu.http
        .post(format!("{}/expire-tokens", emu.info().admin))
        .send()
        .await
        .unwrap();
    let r = emu
        .http
        .get(format!("{}{path}?{REG}", emu.info().arm))
        .bearer_auth(old)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "ExpiredAuthenticationToken");
    assert_eq!(
        arm(&emu, reqwest::Method::GET, &path, REG, None).await.status(),
        200,
        "a new token works"
    );
    // Every request was logged, without query strings.
    let log = emu.requests().await;
    assert!(log.iter().filter(|r| r["status"] == 429).count() >= 2);
    assert!(log.iter().all(|r| !r["path"].as_str().unwrap_or("").contains('?')));
}

async fn futures_join(emu: &TestEmu, path: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(arm(emu, reqwest::Method::GET, path, REG, None).await.status().as_u16());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_repository_pages_exactly() {
    let emu = TestEmu::start_with(acrdeck::emulator::Scale {
        repos: 3,
        tags: 20_000,
        registries: 1,
    })
    .await;
    let host = emu.info().registries["scale"].clone();
    let token = emu
        .acr_token("scale", "repository:synthetic/app-00000:metadata_read")
        .await;
    let mut next = Some("/acr/v1/synthetic/app-00000/_tags?n=1000&orderby=timedesc".to_string());
    let mut names = Vec::new();
    let mut pages = 0;
    while let Some(path) = next.take() {
        let r = emu
            .http
            .get(format!("https://{host}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        next = r
            .headers()
            .get("link")
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.split(['<', '>']).nth(1))
            .map(str::to_string);
        let v: Value = r.json().await.unwrap();
        names.extend(
            v["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap().to_string()),
        );
        pages += 1;
    }
    assert_eq!(pages, 20);
    assert_eq!(names.len(), 20_000);
    assert_eq!(names.first().map(String::as_str), Some("build-019999"), "newest first");
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 20_000, "no tag twice, none lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_locked_tags_refuse_delete() {
    let emu = TestEmu::start().await;
    let host = emu.info().registries["contosodev"].clone();
    let all = "repository:apps/web:pull,push,delete,metadata_read,metadata_write";
    let token = emu.acr_token("contosodev", all).await;
    let tag = format!("https://{host}/acr/v1/apps/web/_tags/1.6.0");
    let r = emu
        .http
        .patch(&tag)
        .bearer_auth(&token)
        .json(&json!({"writeEnabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = emu.http.delete(&tag).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 405, "a write-locked tag cannot be deleted");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "REGISTRY_DISALLOWED_OPERATION");
    assert_eq!(
        emu.http.get(&tag).bearer_auth(&token).send().await.unwrap().status(),
        200,
        "the tag is still there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_listing_finds_registries_without_their_group() {
    let emu = TestEmu::start().await;
    let sub = emu.info().subscription.clone();
    let path = format!("/subscriptions/{sub}/resources");
    let filter = "resourceType eq 'Microsoft.ContainerRegistry/registries'";
    let mut names = Vec::new();
    let mut url = format!(
        "{}{path}?api-version=2024-11-01&$filter={}&$top=2",
        emu.info().arm,
        urlencode(filter)
    );
    let token = emu.arm_token().await;
    for _ in 0..20 {
        let v: Value = emu
            .http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in v["value"].as_array().expect("value") {
            assert_eq!(item["type"], "Microsoft.ContainerRegistry/registries", "{item}");
            assert!(
                item["id"].as_str().is_some_and(|i| i.contains("/resourceGroups/")),
                "{item}"
            );
            assert!(
                item["location"].is_string() && item["sku"]["name"].is_string(),
                "{item}"
            );
            names.push(item["name"].as_str().unwrap_or_default().to_string());
        }
        match v["nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    for n in ["contosodev", "contosostaging", "contosouat", "contosoprod"] {
        assert!(names.iter().any(|x| x == n), "{n} in {names:?}");
    }
    let r = arm(
        &emu,
        reqwest::Method::GET,
        &path,
        &format!(
            "api-version=2024-11-01&$filter={}",
            urlencode("resourceType eq 'Microsoft.Storage/storageAccounts'")
        ),
        None,
    )
    .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["value"], json!([]), "no other resource types in the world");
    let r = arm(
        &emu,
        reqwest::Method::GET,
        &path,
        &format!(
            "api-version=2024-11-01&$filter={}",
            urlencode("substringof('dev', name)")
        ),
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidFilterInQueryString", "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_api_versions_are_refused_as_arm_refuses_them() {
    let emu = TestEmu::start().await;
    let r = arm(
        &emu,
        reqwest::Method::GET,
        &dev(&emu, ""),
        "api-version=2099-01-01",
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "NoRegisteredProviderFound", "{v}");
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("'2099-01-01'") && msg.contains("2025-11-01") && msg.contains("'registries'"),
        "{msg}"
    );
    let r = arm(
        &emu,
        reqwest::Method::GET,
        &dev(&emu, "/runs"),
        "api-version=2099-01-01",
        None,
    )
    .await;
    let v: Value = r.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("'registries/runs'"),
        "{v}"
    );
    // The versions the official SDKs and the az CLI send are served.
    for v in ["2025-11-01", "2026-09-01-preview", "2019-06-01-preview"] {
        let r = arm(
            &emu,
            reqwest::Method::GET,
            &dev(&emu, ""),
            &format!("api-version={v}"),
            None,
        )
        .await;
        assert_eq!(r.status(), 200, "{v}");
    }
    let sub = emu.info().subscription.clone();
    let r = arm(
        &emu,
        reqwest::Method::GET,
        &format!("/subscriptions/{sub}"),
        "api-version=2099-01-01",
        None,
    )
    .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidApiVersionParameter", "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_metadata_is_served_without_credentials() {
    let emu = TestEmu::start().await;
    let base = emu.info().arm.clone();
    let r = emu
        .http
        .get(format!("{base}/metadata/endpoints?api-version=2022-09-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["resourceManager"], format!("{base}/"));
    assert_eq!(v["authentication"]["loginEndpoint"], format!("{base}/"));
    assert!(
        v["authentication"]["audiences"][0].is_string() && v["name"].is_string(),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_closed_to_the_public_refuses_callers_outside() {
    let emu = TestEmu::start().await;
    // contosoprod has public network access disabled in the demo world.
    let prod = emu.info().registries["contosoprod"].clone();
    let dev_host = emu.info().registries["contosodev"].clone();
    let token = emu.acr_token("contosoprod", "registry:catalog:*").await;
    let catalog = |host: &str| format!("https://{host}/acr/v1/_catalog");
    let r = emu.http.get(catalog(&prod)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(
        r.status(),
        200,
        "inside the private network (the jump box), prod answers"
    );
    let r = emu
        .http
        .post(format!("{}/network?caller=outside", emu.info().admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = emu.http.get(catalog(&prod)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["code"], "DENIED", "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("aka.ms/acr/firewall")
    );
    let r = emu.http.get(format!("https://{prod}/v2/")).send().await.unwrap();
    assert_eq!(r.status(), 403, "refused before credentials are asked for");
    // A registry open to the public still answers.
    let dev_token = emu.acr_token("contosodev", "registry:catalog:*").await;
    let r = emu
        .http
        .get(catalog(&dev_host))
        .bearer_auth(&dev_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoint_takes_the_basic_credentials_clients_send() {
    use base64::Engine as _;
    let emu = TestEmu::start().await;
    let i = emu.info().clone();
    let host = i.registries["contosodev"].clone();
    let aad = emu.arm_token().await;
    let refresh = common::emu::refresh_token(&emu.http, &i, "contosodev").await;
    let get_token = |user: String, pass: String| {
        let http = emu.http.clone();
        let host = host.clone();
        async move {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            http.get(format!(
                "https://{host}/oauth2/token?service={host}&scope=repository:apps/web:pull"
            ))
            .header("authorization", format!("Basic {basic}"))
            .send()
            .await
            .unwrap()
        }
    };
    let zero = "00000000-0000-0000-0000-000000000000".to_string();
    for (who, user, pass) in [
        ("an ACR refresh token", zero.clone(), refresh.clone()),
        ("a service principal", i.client_id.clone(), i.client_secret.clone()),
    ] {
        let r = get_token(user, pass).await;
        assert_eq!(r.status(), 200, "{who}");
        let v: Value = r.json().await.unwrap();
        let token = v["access_token"].as_str().expect("access token");
        let r = emu
            .http
            .get(format!("https://{host}/v2/apps/web/tags/list"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{who}: the token reads what its scope names");
        let r = emu
            .http
            .get(format!("https://{host}/v2/apps/api/tags/list"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{who}: and nothing else");
    }
    for (who, user, pass) in [
        ("a wrong secret", i.client_id.clone(), "nope".to_string()),
        (
            "a refresh token as a password of another user",
            "someone".to_string(),
            refresh.clone(),
        ),
        ("a token that is not a refresh token", zero.clone(), aad.clone()),
    ] {
        let r = get_token(user, pass).await;
        assert_eq!(r.status(), 401, "{who}");
    }
    // A refresh token issued for another registry is refused.
    let staging = i.registries["contosostaging"].clone();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{zero}:{refresh}"));
    let r = emu
        .http
        .get(format!(
            "https://{staging}/oauth2/token?service={staging}&scope=repository:apps/web:pull"
        ))
        .header("authorization", format!("Basic {basic}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repository_scoped_token_gets_what_its_scope_map_allows() {
    use base64::Engine as _;
    let emu = TestEmu::start().await;
    let host = emu.info().registries["contosodev"].clone();
    let token_for = |user: &'static str, pass: &'static str, scope: &'static str| {
        let http = emu.http.clone();
        let host = host.clone();
        async move {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            let r = http
                .get(format!("https://{host}/oauth2/token?service={host}&scope={scope}"))
                .header("authorization", format!("Basic {basic}"))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            (status, v["access_token"].as_str().unwrap_or_default().to_string())
        }
    };
    let granted = |token: &str| -> Value {
        let payload = token.split('.').nth(1).unwrap_or_default();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap_or_default();
        serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null)["access"].clone()
    };
    // ci-pusher's scope map: apps/web content read and write, metadata read.
    let (s, t) = token_for(
        "ci-pusher",
        "tok~ci-pusher-demo",
        "repository:apps/web:pull,push,delete",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        granted(&t),
        json!([{"type": "repository", "name": "apps/web", "actions": ["pull", "push"]}])
    );
    let r = emu
        .http
        .get(format!("https://{host}/v2/apps/web/tags/list"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "it pulls what its map allows");
    let r = emu
        .http
        .delete(format!("https://{host}/acr/v1/apps/web/_tags/1.6.0"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "and deletes nothing");
    let (_, t) = token_for("ci-pusher", "tok~ci-pusher-demo", "repository:apps/api:pull").await;
    assert_eq!(
        granted(&t),
        json!([{"type": "repository", "name": "apps/api", "actions": []}]),
        "another repository: nothing"
    );
    let (_, t) = token_for("ci-pusher", "tok~ci-pusher-demo", "registry:catalog:*").await;
    assert_eq!(granted(&t), json!([]), "no catalog");
    // A wrong password, and a token whose password expired, are refused.
    assert_eq!(token_for("ci-pusher", "nope", "repository:apps/web:pull").await.0, 401);
    assert_eq!(
        token_for("old-ci-pusher", "tok~old-ci-pusher-demo", "repository:apps/web:pull")
            .await
            .0,
        401
    );
    // ARM lists it with its expiry, never its password.
    let v: Value = arm(&emu, reqwest::Method::GET, &dev(&emu, "/tokens"), REG, None)
        .await
        .json()
        .await
        .unwrap();
    let text = v.to_string();
    assert!(!text.contains("tok~"), "no password in the listing: {text}");
    let ci = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ci-pusher")
        .expect("ci-pusher");
    assert!(
        ci["properties"]["credentials"]["passwords"][0]["expiry"].is_string(),
        "{ci}"
    );
}
