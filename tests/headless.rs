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
    emu.fault(
        json!({"target": "registry:contosodev", "path": "/acr/v1/apps/api", "kind": {"status": 500}, "count": 50}),
    )
    .await;
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

/// `acrdeck logs`: a finished run's outcome as the exit status, and the live run followed to its
/// end with every line of the blob exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_the_live_run_and_exit_with_its_outcome() {
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    for (run, code) in [("co1", 0), ("co3", 1), ("co6", 2)] {
        let r = acrdeck(&emu, dir.path(), &["logs", "dev", run, "--follow"]);
        assert_eq!(r.code, Some(code), "{run}: {}", r.stderr);
        assert!(r.stdout.contains("Run ID"), "{run}: {}", r.stdout);
    }
    // The demo's live run: followed from its first line to its last.
    let followed = acrdeck(&emu, dir.path(), &["logs", "dev", "co7", "--follow"]);
    assert_eq!(followed.code, Some(0), "{}", followed.stderr);
    assert!(followed.stdout.contains("was successful"), "{}", followed.stdout);
    // Read again now that it is complete: the same lines, none twice, none missing.
    let whole = acrdeck(&emu, dir.path(), &["logs", "dev", "co7"]);
    assert_eq!(whole.code, Some(0));
    assert_eq!(followed.stdout, whole.stdout);
    assert!(followed.stdout.lines().count() > 20);
    let r = acrdeck(&emu, dir.path(), &["logs", "dev", "co99"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("co99"), "{}", r.stderr);
}

/// `acrdeck lock|unlock`: without a terminal it asks for --yes; with it the change is made,
/// read back, printed and audited; --readonly refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_and_unlock_are_read_back_audited_and_refused_read_only() {
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| acrdeck(&emu, dir.path(), args);
    let r = run(&["lock", "dev/apps/web:1.6.0"]);
    assert_eq!(r.code, Some(2), "not asked without a terminal: {}", r.stderr);
    assert!(r.stderr.contains("--yes"));
    let r = run(&["lock", "dev/apps/web:1.6.0", "--write", "--yes", "-o", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let done: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert!(done["read_back"].as_str().unwrap().contains("write disabled"), "{done}");
    let tags = run(&["tags", "dev/apps/web", "locked:yes", "-o", "json"]);
    let rows = json_rows(&tags);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["name"].as_str(), rows[0]["write_enabled"].as_bool()),
        (Some("1.6.0"), Some(false))
    );
    let r = run(&["--readonly", "unlock", "dev/apps/web:1.6.0", "--yes"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("read-only"), "{}", r.stderr);
    let r = run(&["unlock", "dev/apps/web:1.6.0", "--yes"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("enabled"), "{}", r.stdout);
    let r = run(&["lock", "dev/Apps:1", "--yes"]);
    assert_eq!(r.code, Some(2));
    let trail = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let outcomes: Vec<Value> = trail
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["phase"] == "outcome")
        .collect();
    let summary: Vec<(String, String)> = outcomes
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("lock".to_string(), "done".to_string()),
            ("unlock".to_string(), "failed".to_string()),
            ("unlock".to_string(), "done".to_string())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_tsv_rows_are_written_as_their_pages_arrive() {
    use std::io::BufRead;
    let emu = TestEmu::start_with(acrdeck::emulator::Scale {
        repos: 1,
        tags: 2_500,
        registries: 1,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    // Pages of 1,000: the second waits 60 s, so whatever is printed before that came from the
    // first page, while the command is still running.
    emu.fault(json!({
        "target": "registry:scale", "path": "*/_tags", "kind": {"latency_ms": 60_000},
        "every": 2, "count": 1
    }))
    .await;
    // TSV: the header and a line per tag. JSON: `[` and ten lines per tag, but for the last
    // tag's closing brace, whose line ends when the next tag (or the end) is written.
    for (output, lines_of_first_page) in [("tsv", 1 + 1_000), ("json", 1_000 * 10)] {
        let mut child = std::process::Command::new(common::BIN)
            .arg("--config")
            .arg(&emu.info().config)
            .args(["tags", "scale/synthetic/app-00000", "-o", output])
            .env("ACRDECK_STATE_DIR", dir.path())
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("run acrdeck");
        let stdout = child.stdout.take().expect("stdout");
        // Read on a thread, so the test can give up at a deadline instead of blocking.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                if tx.send(line.unwrap_or_default()).is_err() {
                    return;
                }
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut lines = Vec::new();
        while lines.len() < lines_of_first_page {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) => lines.push(l),
                Err(e) => panic!(
                    "{output}: {} lines within 30 s ({e}); the first page is not written as it comes",
                    lines.len()
                ),
            }
        }
        assert!(
            child.try_wait().expect("poll").is_none(),
            "{output}: the first page was printed while the rest was still being read"
        );
        if output == "tsv" {
            assert_eq!(lines[0], "TAG\tDIGEST\tCREATED (UTC)\tUPDATED (UTC)\tLOCKED");
            assert!(lines[1].starts_with("build-002499\tsha256:"), "{}", lines[1]);
        } else {
            assert_eq!(lines[0], "[");
            assert_eq!(lines[2], "    \"name\": \"build-002499\",");
        }
        child.kill().expect("stop it");
        let _ = child.wait();
        // The fault applied to this command's second page; the next command's is held again.
        emu.clear_faults().await;
        emu.fault(json!({
            "target": "registry:scale", "path": "*/_tags", "kind": {"latency_ms": 60_000},
            "every": 2, "count": 1
        }))
        .await;
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_diagnostics_log_is_the_operators_alone() {
    use std::os::unix::fs::PermissionsExt;
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    let r = acrdeck(&emu, dir.path(), &["registries"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let logs = dir.path().join("logs");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&logs), 0o700, "the log folder");
    let files: Vec<_> = std::fs::read_dir(&logs).unwrap().flatten().map(|e| e.path()).collect();
    assert!(!files.is_empty(), "a log file was written");
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_output_pipes_end_a_command_with_its_status_not_a_panic() {
    let emu = TestEmu::start().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut child = std::process::Command::new(common::BIN)
            .arg("--config")
            .arg(&emu.info().config)
            .args(args)
            .env("ACRDECK_STATE_DIR", dir.path())
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run acrdeck");
        // Whoever reads its output went away before it wrote anything.
        drop(child.stdout.take());
        drop(child.stderr.take());
        child.wait().expect("it ends").code()
    };
    // A listing that fails (an unknown repository), its message going to the closed stderr.
    assert_eq!(run(&["tags", "dev/no/such-repository"]), Some(1));
    // A listing that works, its rows going to the closed stdout.
    assert_eq!(run(&["tags", "dev/apps/web", "-o", "tsv"]), Some(1));
}
