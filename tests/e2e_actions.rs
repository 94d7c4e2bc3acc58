//! Actions end to end: the dashboard runs against `acrdeck emulator` (a separate process) as it
//! would against Azure; a tag is locked through the confirmation dialog, the lock shows, and the
//! registry itself then refuses an overwrite; a live run is cancelled and reads back Canceled.

mod common;

use common::PtySession;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

struct Emulator {
    child: Child,
    info: Value,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator(dir: &std::path::Path) -> Emulator {
    let mut child = Command::new(common::BIN)
        .args(["emulator", "--state-dir"])
        .arg(dir.join("emu"))
        .env("ACRDECK_STATE_DIR", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Emulator {
        info: serde_json::from_str(&line).unwrap(),
        child,
    }
}

/// A push of another image over `apps/web:1.6.0` in dev, straight at the registry.
async fn overwrite_status(info: &Value) -> u16 {
    let ca = std::fs::read(info["ca_cert"].as_str().unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let s = |k: &str| info[k].as_str().unwrap().to_string();
    let token: Value = http
        .post(format!("{}/{}/oauth2/v2.0/token", s("authority"), s("tenant")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &s("client_id")),
            ("client_secret", &s("client_secret")),
            ("scope", &format!("{}/.default", s("arm"))),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let host = info["registries"]["contosodev"].as_str().unwrap();
    let refresh: Value = http
        .post(format!("https://{host}/oauth2/exchange"))
        .form(&[
            ("grant_type", "access_token"),
            ("service", host),
            ("access_token", token["access_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access: Value = http
        .post(format!("https://{host}/oauth2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("service", host),
            ("scope", "repository:apps/api:pull"),
            ("refresh_token", refresh["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let m = http
        .get(format!("https://{host}/v2/apps/api/manifests/2.0.0"))
        .bearer_auth(access["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let media = m.headers()["content-type"].to_str().unwrap().to_string();
    let body = m.bytes().await.unwrap();
    let access: Value = http
        .post(format!("https://{host}/oauth2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("service", host),
            ("scope", "repository:apps/web:push"),
            ("refresh_token", refresh["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    http.put(format!("https://{host}/v2/apps/web/manifests/1.6.0"))
        .bearer_auth(access["access_token"].as_str().unwrap())
        .header("content-type", media)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_a_tag_then_the_registry_refuses_an_overwrite_and_cancel_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path());
    let config = emu.info["config"].as_str().unwrap().to_string();
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 120, 30);
    s.wait_until_running("Registries (4)");
    // dev is the first row.
    s.send("\r");
    s.wait_for_text("Repositories · contosodev", WAIT);
    s.wait_for_text("apps/web", WAIT);
    s.send("j\r");
    s.wait_for_text("Tags · contosodev / apps/web", WAIT);
    s.wait_for_text("1.6.0", WAIT);
    // 1.7.0-rc.1 is newest; 1.6.0 is the second row.
    s.send("j");
    std::thread::sleep(Duration::from_millis(100));
    s.send("x");
    s.wait_for_text("Confirm a change", WAIT);
    assert!(
        s.screen_text().contains("PATCH https://"),
        "the exact request is shown:\n{}",
        s.screen_text()
    );
    s.send("\r");
    s.wait_for_text("registry now reports write and delete disabled", WAIT);
    s.wait_for_line("1.6.0 locked", |l| l.contains("1.6.0") && l.contains("W D"), WAIT);
    // The registry, not just the screen, holds the lock.
    assert_eq!(overwrite_status(&emu.info).await, 405);

    // Cancel the live run.
    s.send("6");
    s.wait_for_text("Runs · contosodev", WAIT);
    s.wait_for_line("co7 running", |l| l.contains("co7") && l.contains("Running"), WAIT);
    s.send("C");
    s.wait_for_text("cancel run co7 on contosodev", WAIT);
    s.send("\r");
    s.wait_for_line("co7 canceled", |l| l.contains("co7") && l.contains("Canceled"), WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();
}
