//! The two-person rule end to end, through the real binary, with two operators (the emulator's
//! principal and its second operator, each with their own config and audit trail) against one
//! emulator whose production stage asks for one approval and a successful validation run:
//! operator A asks to promote uat -> prod; the promotion cannot run yet; A's own approval is
//! refused and not counted; B approves; only then does it run, by digest, verified and locked;
//! both audit trails show the steps; the request and the approval are in the registry, found
//! through the referrers API. A candidate whose validation failed, and one whose tag moved after
//! it was asked for, are refused with the reason named; a read-only session lists requests and
//! writes nothing. In the dashboard: asking from the Promotions board, the Requests pane
//! showing the approval, running it from there.

mod common;

use acrdeck::acr::Acr;
use acrdeck::promote::approval::{REQUEST_TYPE, REVIEW_TYPE};
use common::emu::TestEmu;
use serde_json::Value;
use std::path::{Path, PathBuf};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// One operator: their config (production gated) and their own state dir (audit trail).
struct Operator {
    config: PathBuf,
    state: tempfile::TempDir,
}

impl Operator {
    fn new(emulator_config: &Path) -> Operator {
        let state = tempfile::tempdir().expect("state dir");
        let text = std::fs::read_to_string(emulator_config).expect("the emulator's config");
        // Production takes promotions through an approved request that a validation run backs.
        let marker = "[[stages]]\nname = \"prod\"\n";
        let at = text.find(marker).expect("a prod stage") + marker.len();
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        let gated = format!(
            "{}[stages.policy]\napprovals = 1\nrequire_run = \"validate-base-image\"\nrequire_run_age = \"7d\"\n{}",
            &text[..line_end],
            &text[line_end..]
        );
        let config = state.path().join("acrdeck.toml");
        std::fs::write(&config, gated).expect("write the config");
        Operator { config, state }
    }

    fn acrdeck(&self, args: &[&str]) -> Run {
        let out = std::process::Command::new(common::BIN)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("ACRDECK_STATE_DIR", self.state.path())
            .env_remove("RUST_LOG")
            .output()
            .expect("run acrdeck");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.state.path().join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn client(&self) -> Acr {
        let loaded = acrdeck::config::load_file(&self.config, true).expect("config loads");
        Acr::new(acrdeck::connect::settings(&loaded, true).expect("settings")).expect("client")
    }
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("JSON: {e}\nstdout: {}\nstderr: {}", r.stdout, r.stderr))
}

/// `promote request` as JSON: the request's id.
fn request(op: &Operator, image: &str) -> String {
    let r = op.acrdeck(&[
        "promote", "request", "uat", "prod", image, "--note", "release", "-o", "json",
    ]);
    assert_eq!(r.code, Some(0), "request {image}: {}", r.stderr);
    json(&r)[0]["id"].as_str().expect("an id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promotion_to_production_runs_only_after_another_operator_approves_it() {
    let emu = TestEmu::start().await;
    let approver = emu.info().approver.clone().expect("a second operator");
    let a = Operator::new(&emu.info().config);
    let b = Operator::new(&approver.config);

    // Straight promotion is refused: production takes approved requests only.
    let id = request(&a, "apps/web:1.5.0");
    let r = a.acrdeck(&["promote", "run", &id[..19]]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stderr.contains("0 of the 1 approval"), "{}", r.stderr);

    // A's own approval is refused before anything is written, and does not count.
    let r = a.acrdeck(&["promote", "approve", &id, "--note", "looks fine to me"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("cannot approve it"), "{}", r.stderr);

    // B approves: now it may run.
    let r = b.acrdeck(&[
        "promote",
        "approve",
        &id,
        "--note",
        "checked the release notes",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let row = &json(&r)[0];
    assert_eq!(row["judgement"]["state"]["state"], "approved", "{row}");
    assert_eq!(row["judgement"]["validation"]["state"], "passed", "{row}");
    assert_eq!(row["judgement"]["counted"][0]["name"], "acrdeck-demo-approver");

    let r = a.acrdeck(&["promote", "list", "--pending", "-o", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let listed = json(&r);
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .expect("listed");
    assert!(mine["refusal"].is_null(), "{mine}");

    let r = a.acrdeck(&["promote", "run", &id]);
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("promoted apps/web:1.5.0 to prod") && r.stdout.contains("locked"),
        "{}",
        r.stdout
    );

    // The registry holds what was asked and approved, by digest, locked; the request and its
    // approval are found through the referrers API.
    let client = a.client();
    let uat = client.registry(&emu.info().registries["contosouat"]).unwrap();
    let prod = client.registry(&emu.info().registries["contosoprod"]).unwrap();
    let candidate = uat.tag("apps/web", "1.5.0").await.unwrap();
    let promoted = prod.tag("apps/web", "1.5.0").await.unwrap();
    assert_eq!(promoted.digest, candidate.digest);
    assert!(
        !promoted.changeable_attributes.write_enabled,
        "locked by the production policy"
    );
    let requests = uat
        .referrers("apps/web", &candidate.digest, Some(REQUEST_TYPE))
        .await
        .unwrap();
    assert!(requests.iter().any(|d| d.digest == id));
    let reviews = uat.referrers("apps/web", &id, Some(REVIEW_TYPE)).await.unwrap();
    assert_eq!(reviews.len(), 1, "B's approval only: A's was never written");

    // Both trails show their steps.
    let actions = |op: &Operator| -> Vec<(String, String)> {
        op.audit()
            .iter()
            .filter(|r| r["phase"] == "outcome")
            .map(|r| {
                (
                    r["action"].as_str().unwrap_or("").to_string(),
                    r["outcome"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let a_steps = actions(&a);
    for step in [
        ("promotion-request", "done"),
        ("promote", "refused"),
        ("promotion-approve", "refused"),
        ("promote", "imported"),
    ] {
        assert!(
            a_steps.contains(&(step.0.into(), step.1.into())),
            "{step:?} in {a_steps:?}"
        );
    }
    assert_eq!(actions(&b), vec![("promotion-approve".to_string(), "done".to_string())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_validation_a_moved_tag_and_a_read_only_session_are_refused() {
    let emu = TestEmu::start().await;
    let approver = emu.info().approver.clone().expect("a second operator");
    let a = Operator::new(&emu.info().config);
    let b = Operator::new(&approver.config);

    // apps/api:2.1.0 failed its validation: approved or not, it does not run.
    let id = request(&a, "apps/api:2.1.0");
    let r = b.acrdeck(&["promote", "approve", &id, "--note", "ok"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = a.acrdeck(&["promote", "run", &id]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("validate-base-image") && r.stderr.contains("Failed"),
        "{}",
        r.stderr
    );
    let r = a.acrdeck(&["promote", "list", "-o", "json"]);
    let row = json(&r)
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["judgement"]["validation"]["state"], "failed", "{row}");

    // apps/web:1.5.0 is asked for, then its tag moves in uat: the approval is refused.
    let id = request(&a, "apps/web:1.5.0");
    let token = emu.acr_token("contosouat", "repository:apps/web:pull,push").await;
    let http = common::emu::client_for(emu.info());
    let base = format!("https://{}/v2/apps/web/manifests", emu.info().registries["contosouat"]);
    let m = http
        .get(format!("{base}/1.4.0"))
        .bearer_auth(&token)
        .header("accept", acrdeck::acr::registry::MANIFEST_ACCEPT)
        .send()
        .await
        .unwrap();
    let media = m.headers()["content-type"].to_str().unwrap().to_string();
    let body = m.bytes().await.unwrap();
    let put = http
        .put(format!("{base}/1.5.0"))
        .bearer_auth(&token)
        .header("content-type", media)
        .body(body);
    assert_eq!(
        put.send().await.unwrap().status(),
        201,
        "1.5.0 now points at 1.4.0's image"
    );
    let r = b.acrdeck(&["promote", "approve", &id, "--note", "ok"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("has moved"), "{}", r.stderr);
    let r = a.acrdeck(&["promote", "run", &id]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("moved"), "{}", r.stderr);

    // Read-only: requests are listed; nothing is written.
    let before = emu.requests().await.len();
    let r = a.acrdeck(&["--readonly", "promote", "list", "-o", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(json(&r).as_array().is_some_and(|l| l.len() >= 2));
    let r = a.acrdeck(&[
        "--readonly",
        "promote",
        "request",
        "uat",
        "prod",
        "apps/web:1.5.0",
        "--note",
        "x",
    ]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("read-only"), "{}", r.stderr);
    let written: Vec<Value> = emu.requests().await[before..]
        .iter()
        .filter(|r| {
            !matches!(r["method"].as_str(), Some("GET" | "HEAD"))
                && !r["path"].as_str().unwrap_or("").contains("oauth2")
        })
        .filter(|r| r["listener"] != "arm" && r["listener"] != "entra")
        .cloned()
        .collect();
    assert!(written.is_empty(), "a read-only session wrote: {written:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_dashboard_a_request_is_asked_approved_elsewhere_and_run() {
    use common::PtySession;
    use std::time::Duration;
    const WAIT: Duration = Duration::from_secs(30);
    let emu = TestEmu::start().await;
    let approver = emu.info().approver.clone().expect("a second operator");
    let a = Operator::new(&emu.info().config);
    let b = Operator::new(&approver.config);
    let config = a.config.display().to_string();
    let mut s = PtySession::spawn(&["--config", &config], a.state.path(), 160, 40);
    s.wait_until_running("Runs · every registry");
    // The board of apps/web; the cursor to uat (from dev) and to 1.5.0 (the third row).
    s.send(":board apps/web\r");
    s.wait_for_line("the board", |l| l.contains("1.5.0") && l.contains("="), WAIT);
    s.send("ll");
    s.wait_for_text("▸UAT", WAIT);
    s.send("jj\x10"); // ctrl-p
    s.wait_for_screen(
        "the request dialog",
        |screen| screen.contains("Two-person rule") && screen.contains("from uat to prod"),
        WAIT,
    );
    s.send("release 1.5\r");
    s.wait_for_line("stored", |l| l.contains("done: request") && l.contains("stored"), WAIT);
    s.wait_for_line(
        "marked on the board",
        |l| l.contains("1.5.0") && l.contains("request → prod: ⧗ 0/1"),
        WAIT,
    );

    // Another operator approves, on their own jump box.
    let listed = json(&b.acrdeck(&["promote", "list", "-o", "json"]));
    let id = listed[0]["id"].as_str().expect("the request").to_string();
    let r = b.acrdeck(&["promote", "approve", &id, "--note", "checked"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);

    // The Requests pane reads it approved; ctrl-p runs it once the registry's name is typed.
    s.send(":requests\r");
    s.send("\x12"); // ctrl-r
    s.wait_for_line(
        "approved",
        |l| l.contains("apps/web:1.5.0") && l.contains("approved 1/1"),
        WAIT,
    );
    s.wait_for_line(
        "the approver",
        |l| l.contains("approved by acrdeck-demo-approver"),
        WAIT,
    );
    // Enter shows the validation run's log.
    s.send("\r");
    s.wait_for_line(
        "the validation log",
        |l| l.contains("Successfully validated apps/web@sha256:"),
        WAIT,
    );
    s.send(":requests\r");
    s.wait_for_line(
        "back",
        |l| l.contains("apps/web:1.5.0") && l.contains("approved 1/1"),
        WAIT,
    );
    s.send("\x10");
    s.wait_for_text("contosoprod is a protected registry", WAIT);
    s.send("contosoprod\r");
    s.wait_for_line(
        "promoted, read back",
        |l| l.contains("done: promoted apps/web:1.5.0 to prod") && l.contains("locked"),
        WAIT,
    );
    s.wait_for_line(
        "now promoted",
        |l| l.contains("apps/web:1.5.0") && l.contains("promoted"),
        WAIT,
    );
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
    let steps: Vec<String> = a
        .audit()
        .iter()
        .filter(|r| r["phase"] == "outcome")
        .map(|r| {
            format!(
                "{} {}",
                r["action"].as_str().unwrap_or(""),
                r["outcome"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(steps.contains(&"promotion-request done".to_string()), "{steps:?}");
    assert!(steps.contains(&"promote imported".to_string()), "{steps:?}");
}
