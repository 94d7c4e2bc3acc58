//! One run's log as the dashboard holds it: a ring of the newest lines bounded in count and in
//! bytes (so memory stays flat for a log of any size), the follow/pause position, search, wrap and
//! the gutter. Everything here is plain state; the follower feeds it and the renderer reads it.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// How a log view's stream stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogStatus {
    Opening,
    /// The run has not written anything yet.
    Waiting,
    Streaming,
    /// A read failed; the follower retries from the same offset.
    Retrying(String),
    /// The run ended with this outcome.
    Complete(String),
    Failed(String),
}

/// What the column left of the log shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gutter {
    #[default]
    Nothing,
    /// The line's number in the whole log (lines dropped from the ring still count).
    Numbers,
    /// When the dashboard received the line (the log itself has no per-line clock).
    Times,
}

impl Gutter {
    pub fn next(self) -> Gutter {
        match self {
            Gutter::Nothing => Gutter::Numbers,
            Gutter::Numbers => Gutter::Times,
            Gutter::Times => Gutter::Nothing,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogLine {
    /// The line as the run wrote it, ANSI colours included.
    pub text: String,
    pub received: DateTime<Utc>,
}

/// One run's log, followed live into a bounded ring of lines.
#[derive(Debug, Clone)]
pub struct LogView {
    pub login_server: String,
    pub registry_name: String,
    pub run_id: String,
    pub lines: VecDeque<LogLine>,
    /// At most this many lines are held...
    pub capacity: usize,
    /// ...and at most this many bytes of text.
    pub capacity_bytes: usize,
    bytes: usize,
    /// Lines that fell out of the front of the ring.
    pub dropped: u64,
    /// Following the end; scrolling up pauses it.
    pub follow: bool,
    /// First line shown when not following (index into `lines`).
    pub top: usize,
    pub status: LogStatus,
    pub wrap: bool,
    pub gutter: Gutter,
    /// The `/` search text (case-insensitive substring).
    pub search: String,
    pub search_editing: bool,
    /// The match `n`/`N` moved to, as an index into `lines`.
    pub current_match: Option<usize>,
}

impl LogView {
    pub const DEFAULT_CAPACITY: usize = 100_000;
    pub const DEFAULT_CAPACITY_BYTES: usize = 16 << 20;

    pub fn new(login_server: String, registry_name: String, run_id: String) -> LogView {
        LogView {
            login_server,
            registry_name,
            run_id,
            lines: VecDeque::new(),
            capacity: LogView::DEFAULT_CAPACITY,
            capacity_bytes: LogView::DEFAULT_CAPACITY_BYTES,
            bytes: 0,
            dropped: 0,
            follow: true,
            top: 0,
            status: LogStatus::Opening,
            wrap: false,
            gutter: Gutter::Nothing,
            search: String::new(),
            search_editing: false,
            current_match: None,
        }
    }

    pub fn is_for(&self, login_server: &str, run_id: &str) -> bool {
        self.login_server == login_server && self.run_id == run_id
    }

    /// Bytes of text held now.
    pub fn held_bytes(&self) -> usize {
        self.bytes
    }

    /// Appends lines received at `now`, dropping the oldest beyond either bound.
    pub fn push(&mut self, lines: Vec<String>, now: DateTime<Utc>) {
        for text in lines {
            self.bytes += text.len();
            self.lines.push_back(LogLine { text, received: now });
            while self.lines.len() > self.capacity || (self.bytes > self.capacity_bytes && self.lines.len() > 1) {
                let Some(old) = self.lines.pop_front() else { break };
                self.bytes -= old.text.len();
                self.dropped += 1;
                // A paused view and a found match stay on the same text while the ring moves.
                self.top = self.top.saturating_sub(1);
                self.current_match = self.current_match.and_then(|m| m.checked_sub(1));
            }
        }
        if !matches!(self.status, LogStatus::Complete(_) | LogStatus::Failed(_)) {
            self.status = LogStatus::Streaming;
        }
    }

    /// Scrolls by `delta` lines in a window of `height`; scrolling up stops following.
    pub fn scroll(&mut self, delta: isize, height: usize) {
        let max_top = self.lines.len().saturating_sub(height);
        let current = if self.follow { max_top } else { self.top };
        let next = (current as isize + delta).clamp(0, max_top as isize) as usize;
        self.top = next;
        self.follow = next >= max_top && delta > 0;
    }

    /// The first line to show in a window of `height` (without wrapping).
    pub fn first_visible(&self, height: usize) -> usize {
        if self.follow {
            self.lines.len().saturating_sub(height)
        } else {
            self.top.min(self.lines.len().saturating_sub(1))
        }
    }

    /// Whether line `i` contains the search text.
    pub fn line_matches(&self, i: usize) -> bool {
        let needle = self.search.to_lowercase();
        !needle.is_empty()
            && self
                .lines
                .get(i)
                .is_some_and(|l| plain(&l.text).to_lowercase().contains(&needle))
    }

    /// Moves to the next (or previous) line matching the search, wrapping around, and shows it
    /// a few lines below the top. Returns false when nothing matches.
    pub fn find(&mut self, forward: bool, height: usize) -> bool {
        let n = self.lines.len();
        if n == 0 || self.search.is_empty() {
            return false;
        }
        let from = self.current_match.unwrap_or_else(|| {
            let first = self.first_visible(height);
            if forward { first.wrapping_sub(1) } else { first }
        });
        for step in 1..=n {
            let i = if forward {
                (from.wrapping_add(step)) % n
            } else {
                (from + n * 2 - step) % n
            };
            if self.line_matches(i) {
                self.current_match = Some(i);
                self.follow = false;
                self.top = i.saturating_sub(height / 3).min(n.saturating_sub(height));
                return true;
            }
        }
        self.current_match = None;
        false
    }

    /// What `y` copies: the found line, or the lines on screen, as plain text.
    pub fn selection(&self, height: usize) -> String {
        if let Some(i) = self.current_match.filter(|_| !self.search.is_empty())
            && let Some(l) = self.lines.get(i)
        {
            return plain(&l.text);
        }
        let first = self.first_visible(height);
        self.lines
            .iter()
            .skip(first)
            .take(height)
            .map(|l| plain(&l.text))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A line without its ANSI escape sequences (for search, copying and saving as text).
pub fn plain(text: &str) -> String {
    if !text.contains('\x1b') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: parameters up to a final byte in @..~
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ESC \
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.peek() == Some(&'\\')) {
                        if c == '\x1b' {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            _ => {
                chars.next();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> LogView {
        LogView::new("r".into(), "r".into(), "cf1".into())
    }

    fn lines(v: &LogView) -> Vec<&str> {
        v.lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn the_ring_is_bounded_in_lines_and_bytes_and_says_what_it_dropped() {
        let now = Utc::now();
        let mut v = view();
        v.capacity = 3;
        v.push((0..5).map(|i| i.to_string()).collect(), now);
        assert_eq!(lines(&v), ["2", "3", "4"]);
        assert_eq!(v.dropped, 2);
        let mut v = view();
        v.capacity_bytes = 10;
        v.push(vec!["aaaa".into(), "bbbb".into(), "cccc".into()], now);
        assert_eq!(lines(&v), ["bbbb", "cccc"]);
        assert_eq!(v.held_bytes(), 8);
    }

    #[test]
    fn scrolling_up_pauses_following_and_down_to_the_end_resumes() {
        let mut v = view();
        v.push((0..100).map(|i| i.to_string()).collect(), Utc::now());
        assert_eq!(v.first_visible(10), 90);
        v.scroll(-5, 10);
        assert!(!v.follow);
        assert_eq!(v.first_visible(10), 85);
        v.push(vec!["new".into()], Utc::now());
        assert_eq!(v.first_visible(10), 85, "a paused view does not move");
        v.scroll(100, 10);
        assert!(v.follow);
    }

    #[test]
    fn search_finds_forward_and_back_ignoring_colour_and_case() {
        let mut v = view();
        let mut text: Vec<String> = (0..50).map(|i| format!("step {i}")).collect();
        text[10] = "\x1b[31mERROR\x1b[0m: pull denied".into();
        text[40] = "error again".into();
        v.push(text, Utc::now());
        v.search = "error".into();
        assert!(v.find(true, 10));
        assert_eq!(v.current_match, Some(40), "the first match from the top of the screen");
        assert!(!v.follow, "a found line stays put");
        assert!(v.find(true, 10));
        assert_eq!(v.current_match, Some(10), "wraps around");
        assert!(v.find(false, 10));
        assert_eq!(v.current_match, Some(40));
        assert_eq!(v.selection(10), "error again");
        v.search = "nowhere".into();
        v.current_match = None;
        assert!(!v.find(true, 10));
    }

    #[test]
    fn ansi_sequences_are_stripped_for_text() {
        assert_eq!(plain("\x1b[1;32mok\x1b[0m done"), "ok done");
        assert_eq!(plain("a\x1b]0;title\x07b"), "ab");
        assert_eq!(plain("plain"), "plain");
    }
}
