//! Following a task run's log as it is written. The log is an append blob behind a SAS link: read
//! it with ranged GETs from the last byte offset, emit whole lines (CRLF) as they arrive, poll
//! fast while bytes flow and back off when idle, and end when the blob's `x-ms-meta-Complete`
//! metadata appears. Each read asks for at most [`RANGE`] bytes (a 200 MB log is read in pieces,
//! back to back, never whole), and at most a few pieces wait for the reader: memory stays
//! bounded whatever the log's size. After any network error it resumes from the same offset, so
//! no byte is lost or repeated; memory holds one partial line at most.

use super::error::{AcrError, ErrorKind};
use super::http::{Http, Req, error_from, redact_url};
use reqwest::Method;
use std::time::Duration;
use tokio::sync::mpsc;

/// The most bytes one read of the log asks for.
pub const RANGE: u64 = 4 << 20;

/// The most bytes of the log turned into lines for one event: a read of [`RANGE`] is handed on
/// in events of this size, so the lines waiting for the reader stay small whatever a read holds.
const EVENT_BYTES: usize = 256 << 10;

/// Events that may wait for the reader: at most this many events' lines (about
/// [`EVENT_BYTES`] each) are held between the network and whoever shows them.
const QUEUED_EVENTS: usize = 2;

/// What the follower reports.
#[derive(Debug, Clone)]
pub enum LogEvent {
    /// Whole lines, in order, without their line ending (ANSI colours kept).
    Lines(Vec<String>),
    /// The blob does not exist yet: the run has not written anything.
    Waiting,
    /// A read failed; the follower goes on from the same offset after `retry_in`.
    Retrying { error: String, retry_in: Duration },
    /// The run ended with this outcome (the blob's Complete metadata); the last event.
    Complete(String),
    /// Following stopped for good (e.g. the link expired); the last event.
    Failed(AcrError),
}

#[derive(Debug, Clone, Copy)]
pub struct FollowOptions {
    /// Poll interval while the log grows.
    pub fast: Duration,
    /// Longest interval when nothing new arrives.
    pub slow: Duration,
    /// A line longer than this is emitted in pieces (bounded memory).
    pub max_line: usize,
}

impl Default for FollowOptions {
    fn default() -> Self {
        // The az CLI backs off to 15 s; an operator watching a rollout wants lines within a second
        // or two, and one small ranged GET every 2 s costs the service nothing.
        FollowOptions {
            fast: Duration::from_millis(500),
            slow: Duration::from_secs(2),
            max_line: 1 << 20,
        }
    }
}

/// Splits newly read bytes into whole lines, keeping the incomplete tail.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    pub fn push(&mut self, bytes: &[u8], max_line: usize) -> Vec<String> {
        let max_line = max_line.max(1);
        let mut lines = Vec::new();
        let mut rest = bytes;
        loop {
            // memchr finds line ends many bytes at a time; logs arrive in reads of megabytes.
            let (piece, newline) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..i], true),
                None => (rest, false),
            };
            self.partial.extend_from_slice(piece);
            // An overlong line is emitted in pieces, so memory holds at most one piece.
            while self.partial.len() >= max_line {
                let tail = self.partial.split_off(max_line);
                let head = std::mem::replace(&mut self.partial, tail);
                lines.push(String::from_utf8_lossy(&head).into_owned());
            }
            if !newline {
                return lines;
            }
            let mut line = std::mem::take(&mut self.partial);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            lines.push(match String::from_utf8(line) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            });
            rest = &rest[piece.len() + 1..];
        }
    }

    /// What is left when the log ends without a final newline.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.partial);
        (!rest.is_empty()).then(|| String::from_utf8_lossy(rest.strip_suffix(b"\r").unwrap_or(&rest)).into_owned())
    }
}

/// Downloads a whole log blob to `path` in ranged pieces (memory holds one piece, whatever the
/// log's size), writing to a temporary file that is renamed into place only when complete. The
/// file is readable by its owner only: run logs can carry more than they should. Returns the
/// number of bytes written.
/// Reads the first byte of a log blob: whether its host answers from here (the blobs live
/// outside a registry's private endpoint, so a jump box may reach the registry and not them).
pub async fn probe(http: &Http, link: &url::Url) -> Result<(), AcrError> {
    let target = redact_url(link);
    let req = Req::new(Method::GET, link.clone(), "read the run log", target.clone())
        .header("x-ms-range", "bytes=0-0")
        .header("range", "bytes=0-0")
        .header("x-ms-version", "2021-08-06");
    let resp = http.send(&req, None).await?;
    match resp.status.as_u16() {
        200 | 206 | 416 => Ok(()),
        _ => Err(error_from(&resp, "read the run log", &target)),
    }
}

pub async fn download(http: &Http, link: &url::Url, path: &std::path::Path) -> Result<u64, AcrError> {
    use tokio::io::AsyncWriteExt;
    const PIECE: u64 = RANGE;
    let target = redact_url(link);
    let io_error = |e: std::io::Error, what: &str| {
        AcrError::new(
            ErrorKind::Invalid,
            "save the run log",
            path.display().to_string(),
            format!("{what}: {e} (check that the directory is writable and the disk has room)"),
        )
    };
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| io_error(e, "cannot create the directory"))?;
    }
    let partial = path.with_extension("partial");
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(&partial)
        .await
        .map_err(|e| io_error(e, "cannot create the file"))?;
    let mut offset = 0u64;
    loop {
        let range = format!("bytes={}-{}", offset, offset + PIECE - 1);
        let req = Req::new(Method::GET, link.clone(), "save the run log", target.clone())
            .header("x-ms-range", range.clone())
            .header("range", range)
            .header("x-ms-version", "2021-08-06")
            .max_body(PIECE as usize);
        let resp = http.send(&req, None).await?;
        let body = match resp.status.as_u16() {
            206 => resp.body,
            // A server that ignores ranges sent everything at once.
            200 if offset == 0 => {
                file.write_all(&resp.body)
                    .await
                    .map_err(|e| io_error(e, "cannot write"))?;
                offset = resp.body.len() as u64;
                break;
            }
            416 => break,
            _ => return Err(error_from(&resp, "save the run log", &target)),
        };
        file.write_all(&body).await.map_err(|e| io_error(e, "cannot write"))?;
        offset += body.len() as u64;
        if (body.len() as u64) < PIECE {
            break;
        }
    }
    file.flush().await.map_err(|e| io_error(e, "cannot write"))?;
    drop(file);
    tokio::fs::rename(&partial, path)
        .await
        .map_err(|e| io_error(e, "cannot move the finished file into place"))?;
    Ok(offset)
}

/// Starts following `link` from byte `offset`; events arrive on the receiver. Dropping the
/// receiver stops the follower.
pub fn follow(http: Http, link: url::Url, offset: u64, options: FollowOptions) -> mpsc::Receiver<LogEvent> {
    let (tx, rx) = mpsc::channel(QUEUED_EVENTS);
    tokio::spawn(async move {
        let mut f = Follower {
            http,
            link,
            offset,
            splitter: LineSplitter::default(),
            options,
        };
        f.run(tx).await;
    });
    rx
}

struct Follower {
    http: Http,
    link: url::Url,
    offset: u64,
    splitter: LineSplitter,
    options: FollowOptions,
}

impl Follower {
    async fn run(&mut self, tx: mpsc::Sender<LogEvent>) {
        let target = redact_url(&self.link);
        let mut idle = self.options.fast;
        let mut failures = 0u32;
        loop {
            let range = format!("bytes={}-{}", self.offset, self.offset + RANGE - 1);
            let req = Req::new(Method::GET, self.link.clone(), "read the run log", target.clone())
                .header("x-ms-range", range.clone())
                .header("range", range)
                .header("x-ms-version", "2021-08-06")
                .max_body(RANGE as usize);
            // One try per poll: the follower's own loop is the retry, from the same offset.
            let resp = match self.http.send_once(&req, None).await {
                Ok(r) => r,
                Err(e) => {
                    failures += 1;
                    if !self.pause_after_failure(&tx, e.to_string(), failures).await {
                        return;
                    }
                    continue;
                }
            };
            let complete = resp.header("x-ms-meta-complete").map(str::to_string);
            let status = resp.status.as_u16();
            let mut grew = false;
            let mut behind = false;
            match status {
                206 | 200 => {
                    // A server that ignores the range sends everything: skip what we have.
                    let start = if status == 200 {
                        (self.offset as usize).min(resp.body.len())
                    } else {
                        0
                    };
                    let fresh = &resp.body[start..];
                    // A whole piece: more is waiting; read it at once rather than after a poll.
                    behind = status == 206 && fresh.len() as u64 >= RANGE;
                    if !fresh.is_empty() {
                        grew = true;
                        self.offset += fresh.len() as u64;
                        for piece in fresh.chunks(EVENT_BYTES) {
                            let lines = self.splitter.push(piece, self.options.max_line);
                            if !lines.is_empty() && tx.send(LogEvent::Lines(lines)).await.is_err() {
                                return;
                            }
                        }
                    }
                    failures = 0;
                }
                // Nothing new yet. Some servers put the metadata on HEAD only: ask.
                416 => {
                    failures = 0;
                }
                404 => {
                    failures = 0;
                    if tx.send(LogEvent::Waiting).await.is_err() {
                        return;
                    }
                }
                s if s == 429 || s >= 500 => {
                    failures += 1;
                    let e = error_from(&resp, "read the run log", &target);
                    if !self.pause_after_failure(&tx, e.to_string(), failures).await {
                        return;
                    }
                    continue;
                }
                _ => {
                    let mut e = error_from(&resp, "read the run log", &target);
                    if status == 403 {
                        e.kind = ErrorKind::Auth;
                        e.message = format!("{} (the log link may have expired; open the log again)", e.message);
                    }
                    let _ = tx.send(LogEvent::Failed(e)).await;
                    return;
                }
            }
            let complete = match complete {
                Some(c) => Some(c),
                None if status == 416 => self.head_complete().await,
                None => None,
            };
            if behind {
                continue;
            }
            if let Some(outcome) = complete
                && !grew
            {
                if let Some(rest) = self.splitter.finish() {
                    let _ = tx.send(LogEvent::Lines(vec![rest])).await;
                }
                let _ = tx.send(LogEvent::Complete(outcome)).await;
                return;
            }
            // Fast while the log grows (or a completion is pending), slower and slower when idle.
            idle = if grew {
                self.options.fast
            } else {
                (idle * 3 / 2).min(self.options.slow)
            };
            if tx.is_closed() {
                return;
            }
            tokio::time::sleep(idle).await;
        }
    }

    async fn head_complete(&self) -> Option<String> {
        let req = Req::new(
            Method::HEAD,
            self.link.clone(),
            "read the run log",
            redact_url(&self.link),
        )
        .header("x-ms-version", "2021-08-06");
        let resp = self.http.send_once(&req, None).await.ok()?;
        resp.header("x-ms-meta-complete").map(str::to_string)
    }

    /// Says a read failed and waits before the next try from the same offset; false when
    /// nobody listens any more.
    async fn pause_after_failure(&self, tx: &mpsc::Sender<LogEvent>, error: String, failures: u32) -> bool {
        let wait = self.backoff(failures);
        if tx.send(LogEvent::Retrying { error, retry_in: wait }).await.is_err() {
            return false;
        }
        tokio::time::sleep(wait).await;
        true
    }

    fn backoff(&self, failures: u32) -> Duration {
        (self.options.fast * 2u32.saturating_pow(failures.min(6))).min(Duration::from_secs(15))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_reads_and_lose_crlf() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"one\r\ntw", 100), vec!["one"]);
        assert_eq!(s.push(b"o\r", 100), Vec::<String>::new());
        assert_eq!(
            s.push(b"\n\x1b[32mok\x1b[0m\r\n", 100),
            vec!["two", "\x1b[32mok\x1b[0m"]
        );
        assert_eq!(s.finish(), None);
        s.push(b"tail", 100);
        assert_eq!(s.finish().as_deref(), Some("tail"));
    }

    #[test]
    fn overlong_lines_come_in_pieces() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"abcdefg\n", 3), vec!["abc", "def", "g"]);
    }
}
