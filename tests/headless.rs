//! The headless listings against the emulator, through the real binary: `registries`, `repos`,
//! `tags`, `runs`, each as a table and as JSON, with the `/` search grammar as QUERY; exit 0 when
//! everything answered, 1 when a call failed (the rows that answered still printed), 2 on bad
//! arguments.

mod common;

use common::emu::TestEmu;
use serde_json::{Value, json};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn acrdeck(emu: &TestEmu, state: &std::path::Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(common::BIN)
        .arg("--config")
        .arg(&emu.info().config)
        .args(args)
        .env("ACRDECK_STATE_DIR", state)
        .env_remove("RUST_LOG")
        .output()
        .expect("run acrdeck");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn json_rows(r: &Run) -> Vec<Value> {
    serde_json::from_str::<Value>(&r.stdout)
        .unwrap_or_else(|e| panic!("JSON: {e}\n{}", r.stdout))
        .as_array()
        .cloned()
        .expect("an array of rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_as_tables_and_json_with_queries_and_exit_codes() {
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| acrdeck(&emu, dir.path(), args);

    let r = run(&["registries"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME") && lines.len() == 5, "{}", r.stdout);
    let r = run(&["registries", "stage:prod", "-o", "json"]);
    let rows = json_rows(&r);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "contosoprod");
    assert_eq!(rows[0]["stage"], "prod");
    assert_eq!(rows[0]["login_server"], emu.info().registries["contosoprod"].as_str());

    // A registry by stage, by name, by login server.
    let prod_login = emu.info().registries["contosoprod"].clone();
    for name in ["prod", "contosoprod", prod_login.as_str()] {
        let r = run(&["repos", name, "locked:yes", "-o", "json"]);
        assert_eq!(r.code, Some(0), "{name}: {}", r.stderr);
        let rows = json_rows(&r);
        assert_eq!(rows.len(), 1, "{name}: {}", r.stdout);
        assert_eq!(rows[0]["name"], "base/node");
        assert_eq!(rows[0]["write_enabled"], false);
    }

    let r = run(&["tags", "prod/apps/web", "-o", "json"]);
    let rows = json_rows(&r);
    assert_eq!(rows.len(), 2);
    let digest = rows[0]["digest"].as_str().unwrap();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "the whole digest: {digest}"
    );
    let r = run(&["tags", "dev/apps/web", "updated:<3d"]);
    assert_eq!(r.code, Some(0));
    assert!(
        r.stdout.contains("1.7.0-rc.1") && !r.stdout.contains("1.4.0"),
        "{}",
        r.stdout
    );
    let r = run(&["tags", "dev/apps/web", &format!("digest:{}", &digest[..15])]);
    assert_eq!(
        r.stdout.lines().count(),
        2,
        "prod's 1.4.1 digest is dev's too: {}",
        r.stdout
    );
    assert!(r.stdout.contains("1.4.1"));
    let r = run(&["tags", "dev/apps/web", "re:^1\\.[45]\\.", "-o", "json"]);
    assert_eq!(json_rows(&r).len(), 3);

    let r = run(&["runs", "dev", "--top", "2"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);
    let r = run(&[
        "runs",
        "dev",
        "--status",
        "Succeeded",
        "--task",
        "hello-world",
        "-o",
        "json",
    ]);
    let rows = json_rows(&r);
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["status"] == "Succeeded" && r["task"] == "hello-world")
    );

    // Bad arguments: 2, and nothing is called.
    for args in [
        vec!["tags", "apps-web"],
        vec!["tags", "dev/apps/web", "re:("],
        vec!["registries", "--output", "yaml"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
    }
    let r = run(&["repos", "qa"]);
    assert_eq!(r.code, Some(1), "an unknown registry is a failed lookup: {}", r.stderr);
    assert!(r.stderr.contains("no registry `qa`"), "{}", r.stderr);

    // A call that fails: the rows that answered are printed, the exit status says so.
    let fault = emu
        .http
        .post(format!("{}/faults", emu.info().admin))
        .json(
            &json!({"target": "registry:contosodev", "path": "/acr/v1/apps/api", "kind": {"status": 500}, "count": 50}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), 201);
    let r = run(&["repos", "dev"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stdout.contains("apps/web") && !r.stdout.contains("apps/api"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("partial") && r.stderr.contains("HTTP 500"),
        "{}",
        r.stderr
    );
}
