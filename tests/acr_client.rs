//! The shared ACR client against the emulator, over real HTTPS: every operation, paging across
//! many pages, token expiry mid-listing, throttling with and without Retry-After, 5xx and dropped
//! connections, locks refusing writes, imports to completion and to failure, and a live log
//! followed byte-exact to its end through dropped connections.

mod common;

use acrdeck::acr::logs::{FollowOptions, LogEvent};
use acrdeck::acr::model::{AttributesUpdate, HealthStatus, ImportMode, RunStatus};
use acrdeck::acr::paging::collect;
use acrdeck::acr::registry::TagOrder;
use acrdeck::acr::{Acr, ErrorKind, ImportRequest, ImportSource, OperationProgress, RegistryRef, RunFilter};
use common::emu::TestEmu;
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

fn client(emu: &TestEmu, readonly: bool) -> Acr {
    let loaded = acrdeck::config::load_file(&emu.info().config, true).expect("generated config loads");
    Acr::new(acrdeck::connect::settings(&loaded, readonly).expect("settings")).expect("client")
}

fn dev(emu: &TestEmu) -> RegistryRef {
    RegistryRef {
        subscription: emu.info().subscription.clone(),
        resource_group: "rg-acr-dev".into(),
        name: "contosodev".into(),
    }
}

async fn count(emu: &TestEmu, pred: impl Fn(&Value) -> bool) -> usize {
    emu.requests().await.iter().filter(|r| pred(r)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_and_reads_the_management_plane() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let id = acr.identity().await.expect("identity");
    assert_eq!(id.principal, "acrdeck-demo-operator");
    assert_eq!(id.tenant.as_deref(), Some(emu.info().tenant.as_str()));
    let arm = acr.arm().unwrap();
    assert_eq!(
        arm.list_subscriptions().await.unwrap(),
        vec![emu.info().subscription.clone()]
    );

    let listed = collect(arm.list_registries(&emu.info().subscription)).await;
    assert!(listed.is_complete());
    assert_eq!(listed.pages, 2, "the demo world pages registries two at a time");
    let stages: Vec<_> = listed.items.iter().map(|r| r.stage().unwrap_or("")).collect();
    assert_eq!(stages, ["dev", "staging", "uat", "prod"]);
    let r = dev(&emu);
    let reg = arm.get_registry(&r).await.unwrap();
    assert_eq!(reg.properties.login_server, emu.info().registries["contosodev"]);
    let usages = arm.usages(&r).await.unwrap();
    assert!(
        usages
            .iter()
            .any(|u| u.name == "Size" && u.current_value.unwrap_or(0) > 0)
    );

    let rules = collect(arm.list_cache_rules(&r)).await.into_result().unwrap();
    assert!(rules.iter().any(|c| c.name == "k8s-all" && c.is_wildcard()));
    let sets = collect(arm.list_credential_sets(&r)).await.into_result().unwrap();
    let quay = sets.iter().find(|s| s.name == "quay").unwrap();
    assert_eq!(quay.health(), HealthStatus::Unhealthy);
    let body = acrdeck::acr::ArmClient::cache_rule_body(
        Some("quay.io/jetstack/cert-manager-webhook"),
        Some("cm/webhook"),
        None,
    );
    let rule = arm.put_cache_rule(&r, "cm-webhook", &body, true).await.unwrap();
    assert_eq!(
        rule.properties.provisioning_state.map(|p| p.to_string()).as_deref(),
        Some("Succeeded"),
        "read back after it settled"
    );
    let cred = format!("{}/credentialSets/dockerhub", r.id());
    let rule = arm
        .put_cache_rule(
            &r,
            "cm-webhook",
            &acrdeck::acr::ArmClient::cache_rule_body(None, None, Some(&cred)),
            false,
        )
        .await
        .unwrap();
    assert_eq!(rule.credential_set_name(), Some("dockerhub"));
    arm.delete_cache_rule(&r, "cm-webhook").await.unwrap();
    assert_eq!(
        arm.get_cache_rule(&r, "cm-webhook").await.unwrap_err().kind,
        ErrorKind::NotFound
    );

    let tasks = collect(arm.list_tasks(&r)).await.into_result().unwrap();
    assert_eq!(tasks.len(), 2);
    assert!(arm.get_task(&r, "base-import-node").await.is_ok());
    let hooks = collect(arm.list_webhooks(&r)).await.into_result().unwrap();
    assert_eq!(hooks[0].name, "rolloutnotify");
    arm.ping_webhook(&r, "rolloutnotify").await.unwrap();
    assert!(
        arm.webhook_events(&r, "rolloutnotify")
            .await
            .unwrap()
            .iter()
            .any(|e| e.event_request_message.is_some())
    );

    let failed = collect(arm.list_runs(
        &r,
        &RunFilter {
            status: Some(RunStatus::Failed),
            ..Default::default()
        },
        None,
    ))
    .await
    .into_result()
    .unwrap();
    assert!(!failed.is_empty() && failed.iter().all(|x| x.status() == RunStatus::Failed));
    let top = collect(arm.list_runs(&r, &RunFilter::default(), Some(3)))
        .await
        .into_result()
        .unwrap();
    assert_eq!(top.len(), 3);
    assert!(
        top[0].properties.create_time >= top[2].properties.create_time,
        "newest first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_the_data_plane_and_sets_locks() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let dev = acr.registry(&emu.info().registries["contosodev"]).unwrap();
    let repos = collect(dev.repositories(2)).await;
    assert!(
        repos.is_complete() && repos.pages >= 3,
        "repositories across pages: {:?}",
        repos.pages
    );
    assert!(repos.items.contains(&"apps/web".to_string()));
    let tags = collect(dev.tags("apps/web", TagOrder::NewestFirst, 2))
        .await
        .into_result()
        .unwrap();
    assert_eq!(
        tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["1.7.0-rc.1", "1.6.0", "1.5.0", "1.4.1", "1.4.0"]
    );
    let manifests = collect(dev.manifests("apps/web", 3)).await.into_result().unwrap();
    let index = manifests
        .iter()
        .find(|m| m.tags.contains(&"1.6.0".to_string()))
        .unwrap();
    assert_eq!(index.references.len(), 2, "a multi-arch index lists its platforms");
    let digest = dev.resolve("apps/web", "1.6.0").await.unwrap();
    assert_eq!(digest, tags[1].digest);
    let repo = dev.repository("apps/web").await.unwrap();
    assert_eq!(repo.tag_count, 5);

    // Lock a tag, read it back, and see the registry refuse an overwrite.
    let locked = dev
        .update_tag("apps/web", "1.6.0", &AttributesUpdate::lock(true, true, true))
        .await
        .unwrap();
    assert!(!locked.changeable_attributes.write_enabled && !locked.changeable_attributes.delete_enabled);
    assert!(
        dev.tag("apps/web", "1.6.0")
            .await
            .unwrap()
            .changeable_attributes
            .is_locked()
    );
    let (media, other) = dev.get_manifest("apps/api", "2.0.0").await.unwrap();
    let err = dev.put_manifest("apps/web", "1.6.0", &media, other).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Locked, "{err}");
    assert!(
        err.to_string().contains("REGISTRY_DISALLOWED_OPERATION") && err.to_string().contains("apps/web:1.6.0"),
        "{err}"
    );
    let err = dev.delete_tag("apps/web", "1.6.0").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Locked);
    // Repository and manifest locks.
    let r = dev
        .update_repository("apps/api", &AttributesUpdate::lock(true, false, true))
        .await
        .unwrap();
    assert!(!r.changeable_attributes.write_enabled);
    let m = dev
        .update_manifest("apps/web", &digest, &AttributesUpdate::lock(false, true, true))
        .await
        .unwrap();
    assert!(!m.changeable_attributes.delete_enabled);
    let unlocked = dev
        .update_tag("apps/web", "1.6.0", &AttributesUpdate::lock(true, true, false))
        .await
        .unwrap();
    assert!(!unlocked.changeable_attributes.is_locked());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_clients_refuse_before_any_request() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, true);
    let dev = acr.registry(&emu.info().registries["contosodev"]).unwrap();
    let before = emu.requests().await.len();
    let err = dev
        .update_tag("apps/web", "1.6.0", &AttributesUpdate::lock(true, true, true))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::ReadOnly);
    let err = acr
        .arm()
        .unwrap()
        .schedule_run(&self::dev(&emu), "hello-world")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::ReadOnly);
    let request = ImportRequest {
        source: ImportSource::Registry {
            resource_id: "x".into(),
        },
        source_image: "a:b".into(),
        target_tags: vec!["a:b".into()],
        untagged_repositories: vec![],
        mode: ImportMode::NoForce,
    };
    let last = acr
        .arm()
        .unwrap()
        .import_image(&self::dev(&emu), &request)
        .collect::<Vec<_>>()
        .await;
    assert!(matches!(last.last(), Some(OperationProgress::Failed(e)) if e.kind == ErrorKind::ReadOnly));
    assert_eq!(emu.requests().await.len(), before, "nothing reached the network");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_run_to_completion_and_to_failure() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let arm = acr.arm().unwrap();
    let staging = RegistryRef {
        subscription: emu.info().subscription.clone(),
        resource_group: "rg-acr-staging".into(),
        name: "contosostaging".into(),
    };
    let request = ImportRequest {
        source: ImportSource::Registry {
            resource_id: staging.id(),
        },
        source_image: "apps/web:1.6.0".into(),
        target_tags: vec!["promoted/web:1.6.0".into()],
        untagged_repositories: vec![],
        mode: ImportMode::NoForce,
    };
    let steps: Vec<OperationProgress> = arm.import_image(&dev(&emu), &request).collect().await;
    assert!(
        steps.iter().any(|s| matches!(s, OperationProgress::Running { .. })),
        "progress is reported while it runs"
    );
    assert!(matches!(steps.last(), Some(OperationProgress::Succeeded)), "{steps:?}");
    let dev_client = acr.registry(&emu.info().registries["contosodev"]).unwrap();
    let src = acr
        .registry(&emu.info().registries["contosostaging"])
        .unwrap()
        .resolve("apps/web", "1.6.0")
        .await
        .unwrap();
    assert_eq!(
        dev_client.resolve("promoted/web", "1.6.0").await.unwrap(),
        src,
        "the same bytes arrived"
    );

    // Again, NoForce: the service refuses, and the client says so with its code.
    let steps: Vec<OperationProgress> = arm.import_image(&dev(&emu), &request).collect().await;
    match steps.last() {
        Some(OperationProgress::Failed(e)) => {
            assert_eq!(e.kind, ErrorKind::Conflict);
            assert_eq!(e.code.as_deref(), Some("Conflict"));
            assert!(e.request_id.is_some());
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // docker.io without credentials fails with a clear error.
    let hub = ImportRequest {
        source: ImportSource::Uri {
            registry_uri: "docker.io".into(),
            credentials: None,
        },
        source_image: "cloudflare/cloudflared:latest".into(),
        target_tags: vec!["cloudflare/cloudflared:latest".into()],
        untagged_repositories: vec![],
        mode: ImportMode::NoForce,
    };
    match arm.import_image(&dev(&emu), &hub).collect::<Vec<_>>().await.last() {
        Some(OperationProgress::Failed(e)) => assert!(
            e.to_string().contains("SourceCredentialsRequired") && e.to_string().contains("docker.io"),
            "{e}"
        ),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_throttling_server_errors_drops_and_token_expiry() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let sub = emu.info().subscription.clone();
    let arm = acr.arm().unwrap();
    // 429 with and without Retry-After, then 503 and a dropped body: the listing still completes.
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": {"throttle": {"per_minute": 0, "retry_after": true, "retry_after_secs": 2}}, "count": 1})).await;
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": {"throttle": {"per_minute": 0, "retry_after": false}}, "count": 1})).await;
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": {"status": 503}, "count": 1}))
        .await;
    emu.fault(json!({"target": "arm", "path": "*/registries", "kind": "drop_mid_body", "count": 1}))
        .await;
    let listed = collect(arm.list_registries(&sub)).await;
    assert!(listed.is_complete(), "{:?}", listed.error);
    // Retry-After was honoured: the emulator saw the next request no sooner than it asked.
    let log = emu.requests().await;
    let at = |r: &Value| chrono::DateTime::parse_from_rfc3339(r["time"].as_str().unwrap_or("")).expect("a time");
    let throttled = log
        .iter()
        .position(|r| r["status"] == 429 && r["path"].as_str().is_some_and(|p| p.ends_with("/registries")))
        .expect("the first throttled listing");
    let next = log[throttled + 1..]
        .iter()
        .find(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/registries")))
        .expect("the listing asked again");
    assert!(
        at(next) - at(&log[throttled]) >= chrono::Duration::seconds(2),
        "asked again before the Retry-After of 2 s: {} then {}",
        log[throttled],
        next
    );
    assert_eq!(listed.items.len(), 4);
    assert_eq!(count(&emu, |r| r["status"] == 429).await, 2);
    assert_eq!(count(&emu, |r| r["status"] == 503).await, 1);

    // Registry tokens expire in the middle of a listing: the client re-exchanges once and goes on.
    let dev = acr.registry(&emu.info().registries["contosodev"]).unwrap();
    let mut pages = dev.tags("apps/web", TagOrder::Name, 2);
    let first = pages.next().await.unwrap().unwrap();
    emu.http
        .post(format!("{}/expire-tokens?only=registry", emu.info().admin))
        .send()
        .await
        .unwrap();
    let mut names: Vec<String> = first.into_iter().map(|t| t.name).collect();
    while let Some(page) = pages.next().await {
        names.extend(
            page.expect("the listing goes on after re-exchanging")
                .into_iter()
                .map(|t| t.name),
        );
    }
    assert_eq!(names.len(), 5);
    assert!(
        count(&emu, |r| r["path"] == "/oauth2/exchange").await >= 2,
        "a second exchange happened"
    );

    // A truncated page ends the listing with an error, keeping what came before: never silently partial.
    emu.fault(json!({"target": "registry:contosodev", "path": "/acr/v1/apps/web/_tags", "kind": "truncate_json", "every": 2, "count": 1})).await;
    let listed = collect(dev.tags("apps/web", TagOrder::Name, 2)).await;
    assert!(!listed.is_complete());
    assert_eq!(listed.items.len(), 2);
    assert_eq!(listed.error.unwrap().kind, ErrorKind::InvalidResponse);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_exchange_per_registry_however_many_callers() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let dev = acr.registry(&emu.info().registries["contosodev"]).unwrap();
    let reads = (0..12).map(|i| {
        let dev = dev.clone();
        async move {
            dev.tag(
                if i % 2 == 0 { "apps/web" } else { "apps/api" },
                if i % 2 == 0 { "1.6.0" } else { "2.0.0" },
            )
            .await
        }
    });
    for r in futures::future::join_all(reads).await {
        r.unwrap();
    }
    assert_eq!(count(&emu, |r| r["path"] == "/oauth2/exchange").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_live_log_byte_exact_through_dropped_connections() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let arm = acr.arm().unwrap();
    let run = arm.schedule_run(&dev(&emu), "hello-world").await.unwrap();
    let run_id = run.run_id().to_string();
    let link = arm
        .log_links(&dev(&emu), &run_id)
        .await
        .unwrap()
        .link()
        .unwrap()
        .to_string();
    // Every third read of the blob loses its connection half way through.
    emu.fault(json!({"target": "blob", "kind": "drop_mid_body", "every": 3}))
        .await;
    let mut events = acr
        .follow_log(
            &link,
            0,
            FollowOptions {
                fast: Duration::from_millis(100),
                ..Default::default()
            },
        )
        .unwrap();
    let mut lines = Vec::new();
    let mut retried = 0;
    let outcome = loop {
        match tokio::time::timeout(Duration::from_secs(120), events.recv())
            .await
            .expect("the follower keeps reporting")
        {
            Some(LogEvent::Lines(mut l)) => lines.append(&mut l),
            Some(LogEvent::Retrying { .. }) => retried += 1,
            Some(LogEvent::Waiting) => {}
            Some(LogEvent::Complete(s)) => break s,
            Some(LogEvent::Failed(e)) => panic!("follower failed: {e}"),
            None => panic!("the follower stopped without an outcome"),
        }
    };
    assert_eq!(outcome, "Succeeded");
    assert!(retried > 0, "the fault did drop connections");
    // Byte-exact: the lines followed are the blob's lines, each once, in order.
    let http = emu.http.clone();
    emu.clear_faults().await;
    let full = http.get(&link).send().await.unwrap().text().await.unwrap();
    let expected: Vec<&str> = full.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines, expected);
    assert!(
        lines
            .last()
            .unwrap()
            .contains(&format!("Run ID: {run_id} was successful"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_sets_are_created_updated_and_deleted() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let arm = acr.arm().unwrap();
    let r = dev(&emu);
    let body = acrdeck::acr::ArmClient::credential_set_body(
        Some("ghcr.io"),
        "https://kv.vault.azure.net/secrets/u",
        "https://kv.vault.azure.net/secrets/p",
    );
    let set = arm.put_credential_set(&r, "ghcr", &body, true).await.unwrap();
    assert_eq!(set.properties.login_server, "ghcr.io");
    let body = acrdeck::acr::ArmClient::credential_set_body(
        None,
        "https://kv.vault.azure.net/secrets/u2",
        "https://kv.vault.azure.net/secrets/p2",
    );
    let set = arm.put_credential_set(&r, "ghcr", &body, false).await.unwrap();
    assert_eq!(
        set.properties.auth_credentials[0].username_secret_identifier.as_deref(),
        Some("https://kv.vault.azure.net/secrets/u2")
    );
    arm.delete_credential_set(&r, "ghcr").await.unwrap();
    assert_eq!(
        arm.get_credential_set(&r, "ghcr").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    // A set a cache rule uses cannot go.
    let err = arm.delete_credential_set(&r, "dockerhub").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.to_string().contains("demo-prometheus"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sign_in_names_the_method() {
    // No `az` here (or no login): the error says which method failed and what to do.
    let acr = Acr::new(acrdeck::acr::AcrSettings {
        cloud: acrdeck::acr::Cloud::azure_public(),
        auth: acrdeck::acr::AuthMethod::AzureCli { tenant: None },
        network: Default::default(),
        readonly: true,
    })
    .unwrap();
    let err = acr.identity().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    let text = err.to_string();
    assert!(
        text.contains("sign in (azure-cli)") && text.contains("az login"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_read_cancelled_and_their_archived_logs_found() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let arm = acr.arm().unwrap();
    let r = dev(&emu);
    let run = arm.schedule_run(&r, "hello-world").await.unwrap();
    let id = run.run_id().to_string();
    assert_eq!(arm.get_run(&r, &id).await.unwrap().run_id(), id);
    let cancelled = arm.cancel_run(&r, &id).await.unwrap();
    assert_eq!(cancelled.status(), RunStatus::Canceled, "read back after cancelling");
    // The oldest demo run is finished; once archived its log has an artifact link too.
    let oldest = collect(arm.list_runs(&r, &RunFilter::default(), None))
        .await
        .into_result()
        .unwrap()
        .pop()
        .unwrap();
    let token = emu.arm_token().await;
    let url = format!(
        "{}{}/runs/{}?api-version=2025-03-01-preview",
        emu.info().arm,
        r.id(),
        oldest.run_id()
    );
    emu.http
        .patch(url)
        .bearer_auth(token)
        .json(&json!({"isArchiveEnabled": true}))
        .send()
        .await
        .unwrap();
    let links = arm.log_links(&r, oldest.run_id()).await.unwrap();
    assert!(links.log_artifact_link.is_some());
    let link = links.link().unwrap().to_string();
    let mut events = acr.follow_log(&link, 0, FollowOptions::default()).unwrap();
    let mut got_complete = false;
    while let Some(e) = events.recv().await {
        if let LogEvent::Complete(s) = e {
            assert_eq!(s, "Succeeded");
            got_complete = true;
        }
    }
    assert!(got_complete);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_user_reads_a_registry_without_entra_id() {
    let emu = TestEmu::start().await;
    let acr = client(&emu, false);
    let creds = {
        let token = emu.arm_token().await;
        let url = format!(
            "{}{}/listCredentials?api-version=2025-11-01",
            emu.info().arm,
            dev(&emu).id()
        );
        emu.http
            .post(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    drop(acr);
    let admin = Acr::new(acrdeck::acr::AcrSettings {
        cloud: acrdeck::acr::Cloud::custom(&emu.info().arm, &emu.info().authority, "127.0.0.1", None).unwrap(),
        auth: acrdeck::acr::AuthMethod::RegistryPassword {
            username: creds["username"].as_str().unwrap().into(),
            password: azure_core::credentials::Secret::new(
                creds["passwords"][0]["value"].as_str().unwrap().to_string(),
            ),
        },
        network: acrdeck::acr::NetworkSettings {
            ca_bundle: Some(emu.info().ca_cert.clone()),
            ..Default::default()
        },
        readonly: true,
    })
    .unwrap();
    assert!(admin.arm().is_err(), "no ARM without Entra ID");
    assert_eq!(admin.identity().await.unwrap().principal, "contosodev");
    let dev = admin.registry(&emu.info().registries["contosodev"]).unwrap();
    let tags = collect(dev.tags("apps/web", TagOrder::NewestFirst, 100))
        .await
        .into_result()
        .unwrap();
    assert_eq!(tags.len(), 5);
    assert_eq!(
        count(&emu, |r| r["path"] == "/oauth2/exchange").await,
        0,
        "no Entra exchange for the admin user"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repository_details_share_one_token_per_fifty_repositories() {
    let emu = TestEmu::start_with(acrdeck::emulator::Scale {
        repos: 120,
        tags: 3,
        registries: 1,
    })
    .await;
    let acr = client(&emu, true);
    let login_server = emu.info().registries["scale"].clone();
    let scale = acr.registry(&login_server).unwrap();
    let names = collect(scale.repositories(1000)).await.into_result().expect("catalog");
    assert_eq!(names.len(), 120);
    let tokens_before = count(&emu, |r| r["path"] == "/oauth2/token").await;

    let details: Vec<_> = scale.repository_details(names.clone(), 8).collect().await;
    assert_eq!(details.len(), 120);
    for (name, d) in &details {
        let d = d.as_ref().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&d.image_name, name);
    }
    let reads = count(&emu, |r| {
        r["method"] == "GET" && r["path"].as_str().is_some_and(|p| p.starts_with("/acr/v1/synthetic/"))
    })
    .await;
    assert_eq!(reads, 120, "one GET per repository");
    let tokens = count(&emu, |r| r["path"] == "/oauth2/token").await - tokens_before;
    assert_eq!(tokens, 3, "120 repositories need one token per 50 of them");
    assert_eq!(count(&emu, |r| r["status"] == 401).await, 0, "no request was refused");

    // Read again: every scope is held, so no token is asked for at all.
    let again: Vec<_> = scale.repository_details(names, 8).collect().await;
    assert!(again.iter().all(|(_, d)| d.is_ok()));
    assert_eq!(count(&emu, |r| r["path"] == "/oauth2/token").await - tokens_before, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoint_grants_every_scope_asked_for() {
    let emu = TestEmu::start().await;
    let i = emu.info();
    let http = common::emu::client_for(i);
    let login_server = i.registries["contosodev"].clone();
    let access = common::emu::acr_token_for(
        &http,
        i,
        "contosodev",
        &["repository:apps/web:metadata_read", "repository:apps/api:metadata_read"],
    )
    .await;
    let access = access.as_str();
    for repo in ["apps/web", "apps/api"] {
        let r = http
            .get(format!("https://{login_server}/acr/v1/{repo}"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{repo} with the two-scope token");
    }
    let other = http
        .get(format!("https://{login_server}/acr/v1/_catalog"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401, "a scope not asked for is not granted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_whose_answer_is_lost_is_sent_once_and_said_to_be_unknown() {
    let emu = TestEmu::start().await;
    let arm = client(&emu, false).arm().unwrap().clone();
    let r = dev(&emu);
    let before = collect(arm.list_runs(&r, &RunFilter::default(), None))
        .await
        .items
        .len();
    // The registry schedules the run, then the connection drops in the middle of its answer.
    emu.fault(json!({"target": "arm", "path": "*/scheduleRun", "kind": "drop_mid_body", "count": 1}))
        .await;
    let e = arm
        .schedule_run(&r, "hello-world")
        .await
        .expect_err("the answer was lost");
    assert_eq!(e.kind, ErrorKind::OutcomeUnknown, "{e}");
    assert!(e.to_string().contains("may have been carried out"), "{e}");
    let posts = count(&emu, |q| {
        q["method"] == "POST" && q["path"].as_str().is_some_and(|p| p.ends_with("/scheduleRun"))
    })
    .await;
    assert_eq!(posts, 1, "a change is sent at most once");
    let after = collect(arm.list_runs(&r, &RunFilter::default(), None))
        .await
        .items
        .len();
    assert_eq!(after, before + 1, "one key press, one run");

    // A 500 to a change is not retried either; a throttled one is (it was not carried out).
    emu.clear_faults().await;
    emu.fault(json!({"target": "arm", "path": "*/scheduleRun", "kind": {"status": 500}, "count": 1}))
        .await;
    assert!(arm.schedule_run(&r, "hello-world").await.is_err());
    emu.fault(json!({"target": "arm", "path": "*/scheduleRun", "kind": {"throttle": {"per_minute": 0, "retry_after_secs": 1}}, "count": 1}))
        .await;
    arm.schedule_run(&r, "hello-world")
        .await
        .expect("throttled once, then scheduled");
    let posts = count(&emu, |q| {
        q["method"] == "POST" && q["path"].as_str().is_some_and(|p| p.ends_with("/scheduleRun"))
    })
    .await;
    assert_eq!(
        posts, 4,
        "the lost answer, the 500, the throttled request and its retry"
    );
    let runs = collect(arm.list_runs(&r, &RunFilter::default(), None))
        .await
        .items
        .len();
    assert_eq!(runs, before + 2);
}
