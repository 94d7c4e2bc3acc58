//! Every change and listing acrdeck makes, under every fault the emulator can inject: the
//! connection dropped before the answer or in its middle, a 500, a 429 with Retry-After, a body
//! trickled, a server that never answers, an answer too large, a next link that repeats or
//! points at another host. Each case must end (the client's deadline is short here) with a
//! clear message or a read-back result; no change reaches the server twice; the audit trail's
//! outcome agrees with what the server holds; no token goes to a foreign host.

mod common;

use acrdeck::acr::paging::collect;
use acrdeck::acr::registry::TagOrder;
use acrdeck::acr::{Acr, RegistryRef, RunFilter};
use acrdeck::app::mutation::Mutation;
use acrdeck::audit::{AuditTrail, Operator};
use acrdeck::imports::execute::{Approval, Approved, Target};
use acrdeck::imports::file;
use common::emu::TestEmu;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// The client's deadline for one request, retries included (the default is 60 s).
const DEADLINE: Duration = Duration::from_secs(6);
/// How long any one case may take before it counts as hung: the deadline, the read-back's
/// watch of a lost import, and room for a slow machine.
const HANG: Duration = Duration::from_secs(120);

/// Faults for changes, as the admin endpoint takes them.
fn change_faults() -> Vec<(&'static str, Value)> {
    vec![
        ("drop before the answer", json!("drop_before_response")),
        ("drop mid-body", json!("drop_mid_body")),
        ("500", json!({"status": 500})),
        (
            "429 with Retry-After",
            json!({"throttle": {"per_minute": 0, "retry_after_secs": 1}}),
        ),
        ("slow body", json!({"slow_body": 8})),
        ("silent server", json!("silent")),
        ("oversized body", json!({"oversize": 20_000_000u64})),
    ]
}

/// Faults for listings: the change faults and the two next-link faults.
fn listing_faults() -> Vec<(&'static str, Value)> {
    let mut f = change_faults();
    f.push(("looping next link", json!("loop_next_link")));
    f.push(("foreign-host next link", json!("foreign_next_link")));
    f
}

fn client(emu: &TestEmu) -> Acr {
    let loaded = acrdeck::config::load_file(&emu.info().config, true).expect("generated config loads");
    let mut settings = acrdeck::connect::settings(&loaded, false).expect("settings");
    settings.network.deadline = DEADLINE;
    settings.network.read_timeout = Duration::from_secs(2);
    Acr::new(settings).expect("client")
}

fn reg(emu: &TestEmu, name: &str, rg: &str) -> RegistryRef {
    RegistryRef {
        subscription: emu.info().subscription.clone(),
        resource_group: rg.into(),
        name: name.into(),
    }
}

async fn posts_to(emu: &TestEmu, suffix: &str) -> usize {
    emu.requests()
        .await
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
        .count()
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(HANG, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: still running after {} s: it hangs", HANG.as_secs()),
    }
}

fn outcome_of(audit: &AuditTrail) -> String {
    let (records, bad) = acrdeck::audit::read(audit.path()).expect("audit trail reads");
    assert_eq!(bad, 0, "no torn records");
    records
        .iter()
        .rev()
        .find_map(|r| r.outcome.clone())
        .expect("an outcome record")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_runs_under_every_fault() {
    let emu = TestEmu::start().await;
    let acr = client(&emu);
    let arm = acr.arm().expect("ARM client").clone();
    let dev = reg(&emu, "contosodev", "rg-acr-dev");
    let dir = tempfile::tempdir().expect("temp dir");
    let audit = AuditTrail::open(dir.path()).expect("audit trail");
    let mutation = Mutation::ScheduleRun {
        registry: dev.clone(),
        login_server: emu.info().registries["contosodev"].clone(),
        registry_name: "contosodev".into(),
        task: "hello-world".into(),
    };
    for (name, kind) in change_faults() {
        let runs_before = collect(arm.list_runs(&dev, &RunFilter::default(), None))
            .await
            .items
            .len();
        let posts_before = posts_to(&emu, "/scheduleRun").await;
        emu.fault(json!({"target": "arm", "path": "*/scheduleRun", "method": "POST", "kind": kind, "count": 1}))
            .await;
        let result = within(name, acrdeck::runner::audited_mutate(&acr, &audit, &mutation)).await;
        emu.clear_faults().await;
        let posts = posts_to(&emu, "/scheduleRun").await - posts_before;
        let runs = collect(arm.list_runs(&dev, &RunFilter::default(), None))
            .await
            .items
            .len()
            - runs_before;
        let outcome = outcome_of(&audit);
        let throttled = name.starts_with("429");
        assert_eq!(
            posts,
            if throttled { 2 } else { 1 },
            "{name}: sent at most once (a throttled one was not carried out)"
        );
        assert!(runs <= 1, "{name}: one key press, at most one run ({runs})");
        match (&result, runs) {
            (Ok(said), 1) => {
                assert_eq!(outcome, "done", "{name}");
                assert!(said.starts_with("run "), "{name}: {said}");
            }
            (Err(e), 0) => {
                assert_eq!(
                    outcome,
                    if e.is_outcome_unknown() { "unknown" } else { "failed" },
                    "{name}: {e}"
                );
                let text = e.to_string();
                assert!(
                    text.contains("schedule run") && text.contains("hello-world"),
                    "{name}: {text}"
                );
            }
            (result, runs) => panic!("{name}: the registry has {runs} new run(s) but acrdeck said {result:?}"),
        }
        eprintln!("scheduleRun, {name}: {} new run(s); {outcome}", runs);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_under_every_fault() {
    let emu = TestEmu::start().await;
    let acr = client(&emu);
    let dev_host = emu.info().registries["contosodev"].clone();
    let staging_host = emu.info().registries["contosostaging"].clone();
    let registries: HashMap<String, RegistryRef> = [
        ("contosodev", "rg-acr-dev"),
        ("contosostaging", "rg-acr-staging"),
        ("contosouat", "rg-acr-uat"),
        ("contosoprod", "rg-acr-prod"),
    ]
    .iter()
    .map(|(n, rg)| (emu.info().registries[*n].to_ascii_lowercase(), reg(&emu, n, rg)))
    .collect();
    let target = Target {
        registry: reg(&emu, "contosodev", "rg-acr-dev"),
        login_server: dev_host.clone(),
        lock_after_import: false,
        credentials: HashMap::new(),
        registries,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let audit = AuditTrail::open(dir.path()).expect("audit trail");
    let approval = Approval {
        operator: Operator {
            principal: "ops@contoso.com".into(),
            ..Default::default()
        },
        note: None,
    };
    let token = emu.acr_token("contosodev", "repository:*:metadata_read").await;
    for (n, (name, kind)) in change_faults().into_iter().enumerate() {
        let destination = format!("faults/web-{n}");
        let text = format!("{staging_host}/apps/web:1.6.0 => {destination}\n");
        let entry = file::parse("images.txt", &text).entries.remove(0);
        let approved = Approved {
            entry,
            mode: acrdeck::acr::model::ImportMode::NoForce,
            expected_digest: None,
        };
        let posts_before = posts_to(&emu, "/importImage").await;
        emu.fault(json!({"target": "arm", "path": "*/importImage", "method": "POST", "kind": kind, "count": 1}))
            .await;
        let (outcome, audit_error) = within(
            name,
            acrdeck::imports::execute::run(&acr, &target, &approved, &approval, &audit, |_| {}),
        )
        .await;
        emu.clear_faults().await;
        assert!(audit_error.is_none(), "{name}: {audit_error:?}");
        let posts = posts_to(&emu, "/importImage").await - posts_before;
        let throttled = name.starts_with("429");
        assert_eq!(posts, if throttled { 2 } else { 1 }, "{name}: sent at most once");
        let status = emu
            .http
            .get(format!("https://{dev_host}/acr/v1/{destination}/_tags/1.6.0"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("read the target")
            .status()
            .as_u16();
        let recorded = outcome_of(&audit);
        assert_eq!(recorded, outcome.name(), "{name}");
        match (outcome.name(), status) {
            ("imported", 200) | ("failed", 404) | ("unknown", 404) => {}
            (said, status) => panic!("{name}: acrdeck says {said} but the target answers {status}: {outcome:?}"),
        }
        eprintln!("importImage, {name}: target {status}; {recorded}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_under_every_fault() {
    let emu = TestEmu::start().await;
    emu.page_limit(2).await;
    let acr = client(&emu);
    let arm = acr.arm().expect("ARM client").clone();
    let subscription = emu.info().subscription.clone();
    let registry = acr
        .registry(&emu.info().registries["contosodev"])
        .expect("registry client");
    for (name, kind) in listing_faults() {
        // Tags: the registry's Link header.
        emu.fault(
            json!({"target": "registry:contosodev", "path": "*/_tags", "method": "GET", "kind": kind, "count": 1}),
        )
        .await;
        let tags = within(name, collect(registry.tags("apps/web", TagOrder::NewestFirst, 2))).await;
        emu.clear_faults().await;
        // Registries: ARM's nextLink (the demo world pages them two at a time).
        emu.fault(json!({"target": "arm", "path": "*/registries", "method": "GET", "kind": kind, "count": 1}))
            .await;
        let registries = within(name, collect(arm.list_registries(&subscription))).await;
        emu.clear_faults().await;
        for (what, error, complete) in [
            ("tags", tags.error.clone(), tags.is_complete()),
            ("registries", registries.error.clone(), registries.is_complete()),
        ] {
            match error {
                None => assert!(complete, "{name}: {what}"),
                Some(e) => {
                    let text = e.to_string();
                    assert!(text.contains(" on "), "{name}: {what}: the message names where: {text}");
                    eprintln!("{what}, {name}: {text}");
                }
            }
        }
        match name {
            "slow body" | "oversized body" => {
                assert!(tags.error.is_some(), "{name}: the tags listing ends with an error");
                assert!(
                    registries.error.is_some(),
                    "{name}: the registries listing ends with an error"
                );
            }
            "looping next link" | "foreign-host next link" => {
                assert!(tags.error.is_some(), "{name}: the tags listing ends with an error");
                assert!(
                    registries.error.is_some(),
                    "{name}: the registries listing ends with an error"
                );
            }
            "500" | "429 with Retry-After" | "drop before the answer" | "drop mid-body" => {
                assert!(
                    tags.is_complete() && registries.is_complete(),
                    "{name}: retried to the end"
                );
            }
            _ => {}
        }
    }
    // Nothing, and no token, went to the foreign host.
    let foreign = emu
        .requests()
        .await
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/foreign")))
        .count();
    assert_eq!(foreign, 0, "no request followed a link to another host");
}
