//! Shared helpers for the end-to-end tests: run the real `acrdeck` binary in a pseudo-terminal
//! and read its screen through a VT100 emulator, as an operator's terminal would.
#![allow(dead_code)]

pub mod emu;
pub mod oci;

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_acrdeck");

pub struct PtySession {
    pub child: Box<dyn Child + Send + Sync>,
    pub master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything the program wrote, for escape sequences the screen model does not keep.
    pub raw: Arc<Mutex<Vec<u8>>>,
    /// When the program was started.
    pub started: Instant,
    stop: Arc<std::sync::atomic::AtomicBool>,
    reading: Option<std::thread::JoinHandle<()>>,
}

impl PtySession {
    /// Starts `acrdeck ARGS` in a fresh pseudo-terminal of `cols` x `rows`, with its state in
    /// `state_dir` so no test touches the operator's files.
    pub fn spawn(args: &[&str], state_dir: &Path, cols: u16, rows: u16) -> PtySession {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("ACRDECK_STATE_DIR", state_dir);
        cmd.env("ACRDECK_CONFIG_DIR", state_dir.join("config"));
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("RUST_BACKTRACE");
        cmd.env_remove("RUST_LOG");
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn acrdeck");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let fd = pair.master.as_raw_fd().expect("pty master fd");
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            // Waits for output in short slices so that `hang_up` can end the reader (its
            // duplicate of the master would otherwise keep the terminal open).
            while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd; the master fd outlives this thread (joined first).
                if unsafe { libc::poll(&mut pfd, 1, 50) } <= 0 {
                    continue;
                }
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock().unwrap().process(&buf[..n]);
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        PtySession {
            child,
            master: pair.master,
            writer,
            parser,
            raw,
            started,
            stop,
            reading: Some(reading),
        }
    }

    /// Resizes the terminal, as dragging the window would (the program gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        self.parser.lock().unwrap().set_size(nz(rows), nz(cols));
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize pty");
    }

    pub fn screen_text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// The screen line drawn as selected (a background colour or reverse video at its second
    /// column, inside the pane's frame), if any.
    pub fn selected_line(&self) -> Option<u16> {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        let (rows, _) = screen.size();
        // Below the header and the tab bar, whose active tab is highlighted too.
        (3..rows.get()).find(|&r| {
            screen
                .cell(r, 2)
                .is_some_and(|c| c.inverse() || c.bgcolor() != vt100::Color::Default)
        })
    }

    /// The process id of the program.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the program's pid")
    }

    /// The screen with its attributes (colours, reverse video), so a moved cursor row counts as
    /// a change even when no text changed.
    pub fn screen_formatted(&self) -> String {
        self.parser.lock().unwrap().screen().contents_formatted()
    }

    /// Sends keys whose effect shows only as attributes (a cursor moving), and waits until the
    /// screen shows that something changed. Keys typed one after another are read in order
    /// anyway; this is for the keys after which the next one must not be sent yet (an `Esc`,
    /// which a following key would turn into an Alt chord).
    pub fn send_and_wait_change(&mut self, keys: &str, timeout: Duration) {
        let before = self.screen_formatted();
        self.send(keys);
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.screen_formatted() != before {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "the screen did not change within {timeout:?} after {keys:?}; screen:\n{}",
            self.screen_text()
        );
    }

    /// Sends `keys` (a refresh, say) every `every` until some line satisfies `pred`: for what
    /// happens on the service's own time (an import it finishes later) and shows only on a read.
    pub fn repeat_until_line(
        &mut self,
        keys: &str,
        every: Duration,
        what: &str,
        pred: impl Fn(&str) -> bool,
        timeout: Duration,
    ) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            self.send(keys);
            let round = Instant::now();
            while round.elapsed() < every {
                if self.screen_text().lines().any(&pred) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!(
            "no line with {what} within {timeout:?}; screen:\n{}",
            self.screen_text()
        );
    }

    /// Everything written so far as text (with escape sequences).
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    /// Waits until the screen contains `needle`; panics with the screen after `timeout`.
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.screen_text().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "`{needle}` did not appear within {timeout:?}; screen:\n{}",
            self.screen_text()
        );
    }

    /// Waits until the whole screen satisfies `pred` (what must be there and what must not, in
    /// one frame); panics with the screen after `timeout`.
    pub fn wait_for_screen(&self, what: &str, pred: impl Fn(&str) -> bool, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if pred(&self.screen_text()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "the screen never showed {what} within {timeout:?}; screen:\n{}",
            self.screen_text()
        );
    }

    /// How long after the start some line of the screen first satisfied `pred`, watched every
    /// millisecond (for measurements; `wait_for_line` is for tests).
    pub fn time_until_line(&self, pred: impl Fn(&str) -> bool, timeout: Duration) -> Option<Duration> {
        while self.started.elapsed() < timeout {
            if self.screen_text().lines().any(&pred) {
                return Some(self.started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        None
    }

    /// Waits until some line of the screen satisfies `pred`.
    pub fn wait_for_line(&self, what: &str, pred: impl Fn(&str) -> bool, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.screen_text().lines().any(&pred) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "no line with {what} within {timeout:?}; screen:\n{}",
            self.screen_text()
        );
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Waits for the program to end and returns its exit code; panics after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(status) = self.child.try_wait().expect("poll child") {
                // Let the reader thread drain the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!(
            "acrdeck did not exit within {timeout:?}; screen:\n{}",
            self.screen_text()
        );
    }

    /// Closes the terminal, as a dropped SSH session or a killed tmux does: the program gets
    /// SIGHUP and a terminal it can no longer write to. Returns its exit code.
    pub fn hang_up(self, timeout: Duration) -> u32 {
        let PtySession {
            mut child,
            master,
            writer,
            stop,
            reading,
            ..
        } = self;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(r) = reading {
            r.join().expect("the reader thread");
        }
        drop(writer);
        drop(master);
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(status) = child.try_wait().expect("poll child") {
                return status.exit_code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        panic!("acrdeck did not exit within {timeout:?} of its terminal closing");
    }

    pub fn signal(&self, signal: i32) {
        let pid = self.child.process_id().expect("child pid") as i32;
        // SAFETY: kill(2) with a pid we spawned and a valid signal number.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal})");
    }

    /// The terminal's line discipline flags: (canonical mode, echo). Raw mode turns both off.
    pub fn line_discipline(&self) -> (bool, bool) {
        let fd = self.master.as_raw_fd().expect("pty master fd");
        // SAFETY: tcgetattr fills a termios struct for an open terminal fd.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(fd, &mut t) };
        assert_eq!(rc, 0, "tcgetattr");
        (t.c_lflag & libc::ICANON != 0, t.c_lflag & libc::ECHO != 0)
    }

    /// Waits until the program has put the terminal in raw mode and drawn a first frame.
    pub fn wait_until_running(&self, needle: &str) {
        self.wait_for_text(needle, Duration::from_secs(20));
        assert!(self.alternate_screen(), "dashboard runs on the alternate screen");
        assert_eq!(self.line_discipline(), (false, false), "dashboard runs in raw mode");
    }

    /// Asserts the terminal is usable again: canonical mode and echo back, main screen shown.
    pub fn assert_restored(&self) {
        assert_eq!(self.line_discipline(), (true, true), "raw mode was turned off");
        assert!(!self.alternate_screen(), "the alternate screen was left");
        let raw = String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned();
        assert!(raw.contains("\x1b[?1049l"), "leave-alternate-screen was sent");
        assert!(raw.contains("\x1b[?25h"), "the cursor was shown again");
    }
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("terminal sizes are not zero")
}

/// `acrdeck emulator` as its own process (as Azure is to the dashboard: it outlives it), with its
/// state in `dir/emu`; stopped when dropped.
pub struct Emulator {
    child: std::process::Child,
    pub info: serde_json::Value,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulator {
    pub fn ready(&self) -> acrdeck::emulator::ReadyInfo {
        serde_json::from_value(self.info.clone()).expect("the ready line")
    }

    /// Adds a fault through the admin endpoint (target, path, kind, count, every).
    pub async fn fault(&self, spec: serde_json::Value) {
        let info = self.ready();
        let r = emu::client_for(&info)
            .post(format!("{}/faults", info.admin))
            .json(&spec)
            .send()
            .await
            .expect("admin");
        assert_eq!(r.status(), 201);
    }

    /// Every request the emulator served, as its admin endpoint lists them.
    pub async fn requests(&self) -> Vec<serde_json::Value> {
        let info = self.ready();
        let v: serde_json::Value = emu::client_for(&info)
            .get(format!("{}/requests", info.admin))
            .send()
            .await
            .expect("admin")
            .json()
            .await
            .expect("json");
        v["requests"].as_array().cloned().unwrap_or_default()
    }

    /// Removes every fault.
    pub async fn clear_faults(&self) {
        let info = self.ready();
        let r = emu::client_for(&info)
            .delete(format!("{}/faults", info.admin))
            .send()
            .await
            .expect("admin");
        assert!(r.status().is_success());
    }
}

pub fn emulator(dir: &Path) -> Emulator {
    emulator_with(dir, &[])
}

/// `acrdeck emulator ARGS...` (e.g. `--scale repos=10000,tags=100000`).
pub fn emulator_with(dir: &Path, args: &[&str]) -> Emulator {
    use std::io::BufRead;
    let mut child = std::process::Command::new(BIN)
        .args(["emulator", "--state-dir"])
        .arg(dir.join("emu"))
        .args(args)
        .env("ACRDECK_STATE_DIR", dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the emulator");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("emulator stdout"))
        .read_line(&mut line)
        .expect("the emulator's ready line");
    Emulator {
        info: serde_json::from_str(&line).expect("the ready line is JSON"),
        child,
    }
}
