//! The dashboard at production scale, watched through a pseudo-terminal as an operator's terminal
//! shows it: a registry of 10,000 repositories and a repository of 100,000 tags, served by
//! `acrdeck emulator --scale repos=10000,tags=100000` (a separate process).
//!
//! `cargo bench --bench scale_pane [-- --ready READY.json] [--idle-secs N]` prints one
//! `name value unit` line per measurement (benches/scale.sh puts them in its table beside the
//! plain loop's figures from the same emulator):
//!
//! - the Repositories pane: its first screen with details, the whole name list, the token
//!   requests before the first screen, the detail reads against the rows on screen;
//! - the Tags pane: the first rows, all 100,000 rows, the peak resident memory, how long a key
//!   (cursor move, filter keystroke, sort) takes to show while pages arrive and after;
//! - the pane left open for `--idle-secs` (default 30): tag page requests and CPU time.
//!
//! The screen is polled every millisecond, so times are good to about 1 ms. Without `--ready`
//! the bench starts its own emulator.

#[path = "../tests/common/mod.rs"]
mod common;

use common::PtySession;
use serde_json::Value;
use std::time::{Duration, Instant};

const COLS: u16 = 160;
const ROWS: u16 = 50;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` runs bench targets with `--test`; there is nothing to check then.
    if args.iter().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let idle_secs: u64 = arg("--idle-secs").and_then(|s| s.parse().ok()).unwrap_or(30);
    let dir = tempfile::tempdir().expect("tempdir");
    let (_own, info): (Option<common::Emulator>, Value) = match arg("--ready") {
        Some(path) => {
            let text = std::fs::read_to_string(&path).expect("the emulator's ready line");
            (None, serde_json::from_str(&text).expect("ready JSON"))
        }
        None => {
            let emu = common::emulator_with(dir.path(), &["--scale", "repos=10000,tags=100000"]);
            let info = emu.info.clone();
            (Some(emu), info)
        }
    };
    let log = RequestLog::new(&info);
    let config = info["config"].as_str().expect("config path").to_string();

    let mut s = PtySession::spawn(&["--config", &config], dir.path(), COLS, ROWS);
    s.wait_for_line(
        "the registries",
        |l| l.contains("Registries (5) · read"),
        Duration::from_secs(60),
    );
    // The scale registry's stage is the config's last: `G` goes to it.
    s.send("G");
    s.wait_for_screen(
        "the scale registry selected",
        |_| s_line_selected(&s, "scale"),
        Duration::from_secs(10),
    );

    // Repositories.
    let seq = log.last_seq();
    let opened = Instant::now();
    s.send("\r");
    let first_screen = wait(
        &s,
        opened,
        |t| line_with(t, &["synthetic/app-00000", "100000"]),
        "the first screen",
    );
    let tokens_before_first = log.count_since(seq, |r| r["path"] == "/oauth2/token" || r["path"] == "/oauth2/exchange");
    let names = wait(
        &s,
        opened,
        |t| t.contains("Repositories · scale (10,000) · read"),
        "the whole name list",
    );
    let on_screen = acrdeck::app::table::rows_on_screen(ROWS);
    let shown_rows = s.screen_text().lines().filter(|l| l.contains("synthetic/app-")).count();
    // The last screen's details are read once it is shown: wait until every row shown has them.
    let detail = |r: &Value| {
        r["method"] == "GET"
            && r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/acr/v1/synthetic/") && !p.contains("/_"))
    };
    settle(&log, seq, &detail);
    let detail_reads = log.count_since(seq, detail);
    println!("repos_first_screen_ms {:.1} ms", ms(first_screen));
    println!("repos_all_names_ms {:.1} ms", ms(names));
    println!("repos_token_requests_before_first_screen {tokens_before_first} requests");
    println!("repos_detail_reads {detail_reads} reads ({shown_rows} rows on screen; at most {on_screen} fit)");

    // Tags.
    let seq = log.last_seq();
    let opened = Instant::now();
    s.send("\r");
    let first_rows = wait(&s, opened, |t| t.contains("build-099999"), "the first tag rows");
    // Keys while pages arrive: the cursor moves one row each.
    let mut while_reading = Vec::new();
    while !s.screen_text().contains("(100,000) · read") && while_reading.len() < 20 {
        match key_moves_cursor(&mut s) {
            Some(d) => while_reading.push(d),
            None => break,
        }
    }
    let all_rows = wait(
        &s,
        opened,
        |t| t.contains("Tags · scale / synthetic/app-00000 (100,000) · read"),
        "all 100,000 tags",
    );
    let tag_pages = log.count_since(seq, |r| r["path"].as_str().is_some_and(|p| p.ends_with("/_tags")));
    let status_401 = log.count_since(seq, |r| r["status"] == 401);
    let mut after = Vec::new();
    for _ in 0..20 {
        after.extend(key_moves_cursor(&mut s));
    }
    // A filter keystroke: the rows shown become those matching `/0999` (build-0999xx: 100).
    s.send("/");
    s.wait_for_text("/", Duration::from_secs(5));
    let mut filter_keys = Vec::new();
    let mut typed = String::new();
    for k in ["0", "9", "9", "9", "1"] {
        typed.push_str(k);
        let sent = Instant::now();
        s.send(k);
        // The filter line is drawn with the count of the rows it leaves, in the same frame.
        let line = format!("/{typed}▏");
        wait(&s, sent, |t| line_with(t, &[&line, " of 100000"]), "the filtered rows");
        filter_keys.push(sent.elapsed());
    }
    s.send("\r");
    // Sort by tag name: the header's TAG column carries the arrow.
    let sent = Instant::now();
    s.send("s");
    let sort = wait(&s, sent, |t| t.contains("TAG▲"), "the sorted rows");
    let rss = peak_rss_kib(s.pid());
    println!("tags_first_rows_ms {:.1} ms", ms(first_rows));
    println!("tags_all_rows_ms {:.1} ms", ms(all_rows));
    println!("tags_page_requests {tag_pages} requests");
    println!("tags_401 {status_401} answers");
    println!("tags_peak_rss_mib {:.1} MiB", rss as f64 / 1024.0);
    report("tags_key_while_reading", &while_reading);
    report("tags_key_after", &after);
    report("tags_filter_keystroke", &filter_keys);
    println!("tags_sort_ms {:.1} ms", ms(sort));

    // Left open.
    let seq = log.last_seq();
    let cpu0 = cpu_secs(s.pid());
    let idle_start = Instant::now();
    while idle_start.elapsed() < Duration::from_secs(idle_secs) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let cpu = cpu_secs(s.pid()) - cpu0;
    let idle_pages = log.count_since(seq, |r| r["path"].as_str().is_some_and(|p| p.ends_with("/_tags")));
    println!("idle_secs {idle_secs} s");
    println!("idle_tag_page_requests {idle_pages} requests");
    println!("idle_cpu_percent {:.2} %", 100.0 * cpu / idle_secs as f64);
    s.send("q");
    s.wait_exit(Duration::from_secs(30));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Whether the selected line of the screen names `text`.
fn s_line_selected(s: &PtySession, text: &str) -> bool {
    let Some(row) = s.selected_line() else { return false };
    s.screen_text()
        .lines()
        .nth(row as usize)
        .is_some_and(|l| l.contains(text))
}

fn line_with(text: &str, words: &[&str]) -> bool {
    text.lines().any(|l| words.iter().all(|w| l.contains(w)))
}

/// Polls the screen every millisecond until `done`; the time since `from`.
fn wait(s: &PtySession, from: Instant, done: impl Fn(&str) -> bool, what: &str) -> Duration {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if done(&s.screen_text()) {
            return from.elapsed();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("{what} did not appear within 120 s; screen:\n{}", s.screen_text());
}

/// Sends `j` and times until the selected line moves; `None` at the last row.
fn key_moves_cursor(s: &mut PtySession) -> Option<Duration> {
    let before = s.selected_line()?;
    if before + 3 >= ROWS {
        // At the bottom of the window the rows scroll instead: go back to the top first.
        s.send("g");
        let deadline = Instant::now() + Duration::from_secs(5);
        while s.selected_line() == Some(before) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        return key_moves_cursor(s);
    }
    let sent = Instant::now();
    s.send("j");
    let deadline = sent + Duration::from_secs(5);
    while Instant::now() < deadline {
        if s.selected_line().is_some_and(|l| l != before) {
            return Some(sent.elapsed());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

fn report(name: &str, times: &[Duration]) {
    if times.is_empty() {
        println!("{name}_ms n/a (no sample)");
        return;
    }
    let mut t = times.to_vec();
    t.sort();
    println!(
        "{name}_ms {:.1} ms (median of {}; worst {:.1} ms)",
        ms(t[t.len() / 2]),
        t.len(),
        ms(t[t.len() - 1])
    );
}

/// The peak resident set of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time (user + system) a process used so far, in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|&i| f.get(i)?.parse::<f64>().ok()).sum();
    // USER_HZ is 100 on Linux.
    ticks / 100.0
}

/// Waits until no request matching `pred` came for 500 ms (the last screen's reads are done).
fn settle(log: &RequestLog, since: u64, pred: &dyn Fn(&Value) -> bool) {
    let mut last = log.count_since(since, pred);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = log.count_since(since, pred);
        if now == last {
            return;
        }
        last = now;
    }
}

/// The emulator's request log, read through its admin endpoint.
struct RequestLog {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    admin: String,
}

impl RequestLog {
    fn new(info: &Value) -> RequestLog {
        let ca = std::fs::read(info["ca_cert"].as_str().expect("ca path")).expect("CA");
        RequestLog {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            http: reqwest::Client::builder()
                .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA parses"))
                .build()
                .expect("client"),
            admin: info["admin"].as_str().expect("admin").to_string(),
        }
    }

    fn since(&self, seq: u64) -> Vec<Value> {
        let v: Value = self.runtime.block_on(async {
            self.http
                .get(format!("{}/requests?since={seq}", self.admin))
                .send()
                .await
                .expect("the request log")
                .json()
                .await
                .expect("the request log is JSON")
        });
        v["requests"].as_array().cloned().unwrap_or_default()
    }

    fn last_seq(&self) -> u64 {
        self.since(0).last().and_then(|r| r["seq"].as_u64()).unwrap_or(0)
    }

    fn count_since(&self, seq: u64, pred: impl Fn(&Value) -> bool) -> usize {
        self.since(seq).iter().filter(|r| pred(r)).count()
    }
}
