//! The Webhooks and Tokens panes in a real pseudo-terminal against the emulator's demo world:
//! every registry's webhooks with the failing one marked and its deliveries listed; a ping asked
//! for, confirmed, audited and its event read back; the tokens with the one about to expire
//! warned and the expired one said; and no request that could return a password ever made.

mod common;

use common::{PtySession, emulator};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_listed_pinged_and_audited_tokens_warned_without_a_password_read() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path());
    let config = emu.info["config"].as_str().unwrap().to_string();
    let mut s = PtySession::spawn(&["--config", &config], dir.path(), 160, 40);
    s.wait_until_running("Runs · every registry");

    // Every registry's webhooks; staging's receiver refuses its deliveries.
    s.send(":webhooks\r");
    s.wait_for_text("Webhooks · every registry", WAIT);
    s.wait_for_line(
        "the failing staging hook",
        |l| l.contains("contosostaging") && l.contains("deploystaging") && l.contains("✗ 503"),
        WAIT,
    );
    s.wait_for_line(
        "the production hook, delivering",
        |l| l.contains("contosoprod") && l.contains("deployprod") && l.contains("✓ 200"),
        WAIT,
    );
    s.wait_for_text("FAILING", WAIT);
    let screen = s.screen_text();
    assert!(
        !screen.contains("sig="),
        "the callback's query is never shown:\n{screen}"
    );
    assert!(
        screen.contains("deploy-staging.contoso.invalid"),
        "its host is:\n{screen}"
    );

    // The staging hook's deliveries, then a ping: asked first with the exact request.
    s.send("/name:deploystaging\r");
    s.wait_for_text("Deliveries of contosostaging/deploystaging", WAIT);
    s.wait_for_line("a refused delivery", |l| l.contains("503 REFUSED"), WAIT);
    s.send("\x0b"); // ctrl-k
    s.wait_for_screen(
        "the ping's confirmation",
        |screen| screen.contains("Confirm a change") && screen.contains("/webhooks/deploystaging/ping"),
        WAIT,
    );
    s.send("\r");
    // The outcome is the event read back: the receiver still refuses.
    s.wait_for_line(
        "the ping's event read back",
        |l| {
            l.contains("done: ping webhook deploystaging")
                && l.contains("reports NOT delivered: the receiver answered 503")
        },
        WAIT,
    );
    s.wait_for_line(
        "the ping listed",
        |l| l.contains("ping") && l.contains("503 REFUSED"),
        WAIT,
    );

    // Every registry's tokens: dev's CI token expires within the week, the old one expired.
    s.send(":tokens\r");
    s.wait_for_text("Tokens · every registry", WAIT);
    s.wait_for_line(
        "the token about to expire",
        |l| l.contains("contosodev") && l.contains("ci-pusher") && l.contains("⚠"),
        WAIT,
    );
    s.wait_for_line(
        "the expired token",
        |l| l.contains("old-ci-pusher") && l.contains("EXPIRED"),
        WAIT,
    );
    s.wait_for_text("expiring within 14 days", WAIT);
    s.send("q");
    assert_eq!(s.wait_exit(WAIT), 0);
    s.assert_restored();

    // The ping is in the audit trail: its intent, then its outcome as read back.
    let trail = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("the audit trail");
    let pings: Vec<serde_json::Value> = trail
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|r: &serde_json::Value| r["action"] == "ping-webhook")
        .collect();
    assert_eq!(pings.len(), 2, "intent and outcome:\n{trail}");
    assert!(
        pings[0]["target"]
            .as_str()
            .is_some_and(|t| t.ends_with("webhook deploystaging"))
    );
    assert_eq!(pings[1]["outcome"], "done", "{}", pings[1]);
    assert!(
        pings[1]["detail"].as_str().is_some_and(|d| d.contains("ping event")),
        "{}",
        pings[1]
    );
    assert!(!trail.contains("sig="), "no callback secret in the audit trail");

    // The emulator saw the token and scope map listings, and not one request that returns a
    // password (generating or listing credentials).
    let requests = emu.requests().await;
    let paths: Vec<String> = requests
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    assert!(paths.iter().any(|p| p.contains("/tokens")), "the tokens were listed");
    assert!(
        paths.iter().any(|p| p.contains("/scopemaps")),
        "the scope maps were listed"
    );
    for p in &paths {
        assert!(
            !p.contains("generatecredentials") && !p.contains("listcredentials"),
            "a credential request was made: {p}"
        );
    }
}
