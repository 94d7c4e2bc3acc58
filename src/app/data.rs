//! What the panes show, as loaded from the registries, with how fresh it is and whether it is
//! complete. The dashboard never shows more certainty than it has: a listing that stopped early
//! is `partial`, a failed refresh keeps the old rows with the error beside them, and every value
//! knows when it was read.

use crate::acr::model::{ManifestProperties, Registry, RepositoryProperties, Run, TagProperties};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A value read from the service, with its state.
#[derive(Debug, Clone)]
pub struct Loadable<T> {
    pub value: Option<T>,
    pub loading: bool,
    /// The last read failed (the previous value, if any, is kept and shown as stale).
    pub error: Option<String>,
    pub loaded_at: Option<DateTime<Utc>>,
    /// The listing stopped before its end: `value` holds what came before `error`.
    pub partial: bool,
}

impl<T> Default for Loadable<T> {
    fn default() -> Self {
        Loadable {
            value: None,
            loading: false,
            error: None,
            loaded_at: None,
            partial: false,
        }
    }
}

impl<T> Loadable<T> {
    /// Takes a listing's outcome: its items (all, or those before the error) and the error.
    pub fn settle(&mut self, items: T, error: Option<String>, now: DateTime<Utc>, had_items: bool) {
        self.loading = false;
        match error {
            None => {
                self.value = Some(items);
                self.error = None;
                self.partial = false;
                self.loaded_at = Some(now);
            }
            Some(e) if had_items => {
                self.value = Some(items);
                self.error = Some(e);
                self.partial = true;
                self.loaded_at = Some(now);
            }
            // Nothing new came: keep what was there (it is now stale) and say why.
            Some(e) => self.error = Some(e),
        }
    }

    pub fn is_empty_and_idle(&self) -> bool {
        self.value.is_none() && !self.loading && self.error.is_none()
    }
}

/// A registry as the Registries pane shows it.
#[derive(Debug, Clone)]
pub struct RegistryRow {
    pub registry: Registry,
    /// Storage (bytes used, limit), once usage has been read.
    pub storage: Option<(u64, u64)>,
    /// The last call to this registry failed: why.
    pub health: Option<String>,
}

/// A tag joined with its manifest (size, platforms).
#[derive(Debug, Clone)]
pub struct TagRow {
    pub tag: TagProperties,
    pub manifest: Option<ManifestProperties>,
    /// What `/` searches, lower-cased once when the row is made (tables can hold 100,000 tags).
    pub search: String,
}

impl TagRow {
    pub fn new(tag: TagProperties, manifest: Option<ManifestProperties>) -> TagRow {
        let mut row = TagRow {
            tag,
            manifest,
            search: String::new(),
        };
        row.search = format!("{} {} {}", row.tag.name, row.tag.digest, row.platforms()).to_lowercase();
        row
    }

    pub fn platforms(&self) -> String {
        let Some(m) = &self.manifest else { return String::new() };
        if !m.references.is_empty() {
            return m
                .references
                .iter()
                .map(|r| {
                    format!(
                        "{}/{}",
                        r.os.as_ref()
                            .map(|o| o.as_str().to_ascii_lowercase())
                            .unwrap_or_default(),
                        r.architecture.clone().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(",");
        }
        match (&m.os, &m.architecture) {
            (Some(os), Some(arch)) => format!("{}/{arch}", os.as_str().to_ascii_lowercase()),
            _ => String::new(),
        }
    }
}

/// Everything loaded, by registry (login server) and repository.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub registries: Loadable<Vec<RegistryRow>>,
    pub repositories: HashMap<String, Loadable<Vec<String>>>,
    /// Repository properties (counts, locks, last update), filled in progressively.
    pub repository_props: HashMap<(String, String), RepositoryProperties>,
    pub tags: HashMap<(String, String), Loadable<Vec<TagRow>>>,
    pub runs: HashMap<String, Loadable<Vec<Run>>>,
}

/// The order of the stage pipeline, for sorting registries.
pub fn stage_rank(stage: Option<&str>, configured: &[String]) -> usize {
    let Some(s) = stage else { return usize::MAX };
    if let Some(i) = configured.iter().position(|c| c.eq_ignore_ascii_case(s)) {
        return i;
    }
    ["dev", "test", "staging", "uat", "preprod", "prod", "production"]
        .iter()
        .position(|c| c.eq_ignore_ascii_case(s))
        .map(|i| 100 + i)
        .unwrap_or(1000)
}

/// "3m", "2h", "5d": a compact age for tables.
pub fn age(then: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(t) = then else { return "-".into() };
    let s = (now - t).num_seconds().max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// "1m05s" for durations.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// Bytes in IEC units with one decimal.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn ages_durations_and_sizes_read_well() {
        let now = Utc::now();
        assert_eq!(age(Some(now - Duration::seconds(42)), now), "42s");
        assert_eq!(age(Some(now - Duration::hours(3)), now), "3h");
        assert_eq!(age(None, now), "-");
        assert_eq!(duration(65), "1m05s");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(12), "12 B");
    }

    #[test]
    fn a_failed_refresh_keeps_the_rows_and_says_why() {
        let now = Utc::now();
        let mut l: Loadable<Vec<u8>> = Loadable::default();
        l.settle(vec![1, 2], None, now, true);
        l.loading = true;
        l.settle(vec![], Some("throttled".into()), now, false);
        assert_eq!(l.value, Some(vec![1, 2]));
        assert_eq!(l.error.as_deref(), Some("throttled"));
        assert!(!l.partial);
        l.settle(vec![1], Some("cut short".into()), now, true);
        assert!(l.partial);
    }

    #[test]
    fn stages_sort_by_config_then_convention() {
        let configured = vec!["dev".to_string(), "qa".to_string()];
        assert!(stage_rank(Some("qa"), &configured) < stage_rank(Some("prod"), &configured));
        assert!(stage_rank(Some("staging"), &[]) < stage_rank(Some("prod"), &[]));
        assert!(stage_rank(None, &[]) > stage_rank(Some("bench"), &[]));
    }
}

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

/// One run's log, followed live into a bounded ring of lines.
#[derive(Debug, Clone)]
pub struct LogView {
    pub login_server: String,
    pub registry_name: String,
    pub run_id: String,
    /// The newest lines (with their ANSI colours), at most `capacity`.
    pub lines: std::collections::VecDeque<String>,
    pub capacity: usize,
    /// Lines that fell out of the front of the ring.
    pub dropped: u64,
    /// Following the end; scrolling up pauses it.
    pub follow: bool,
    /// First line shown when not following (index into `lines`).
    pub top: usize,
    pub status: LogStatus,
}

impl LogView {
    pub const DEFAULT_CAPACITY: usize = 50_000;

    pub fn new(login_server: String, registry_name: String, run_id: String) -> LogView {
        LogView {
            login_server,
            registry_name,
            run_id,
            lines: Default::default(),
            capacity: LogView::DEFAULT_CAPACITY,
            dropped: 0,
            follow: true,
            top: 0,
            status: LogStatus::Opening,
        }
    }

    /// Appends lines, dropping the oldest beyond capacity (memory stays bounded for any log).
    pub fn push(&mut self, lines: Vec<String>) {
        for l in lines {
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
                self.dropped += 1;
                // Keep a paused view on the same text while the ring moves under it.
                self.top = self.top.saturating_sub(1);
            }
            self.lines.push_back(l);
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

    /// The first line to show in a window of `height`.
    pub fn first_visible(&self, height: usize) -> usize {
        if self.follow {
            self.lines.len().saturating_sub(height)
        } else {
            self.top.min(self.lines.len().saturating_sub(1))
        }
    }
}

#[cfg(test)]
mod log_tests {
    use super::*;

    #[test]
    fn the_ring_is_bounded_and_says_what_it_dropped() {
        let mut v = LogView::new("r".into(), "r".into(), "cf1".into());
        v.capacity = 3;
        v.push((0..5).map(|i| i.to_string()).collect());
        assert_eq!(v.lines.iter().map(String::as_str).collect::<Vec<_>>(), ["2", "3", "4"]);
        assert_eq!(v.dropped, 2);
    }

    #[test]
    fn scrolling_up_pauses_following_and_down_to_the_end_resumes() {
        let mut v = LogView::new("r".into(), "r".into(), "cf1".into());
        v.push((0..100).map(|i| i.to_string()).collect());
        assert_eq!(v.first_visible(10), 90);
        v.scroll(-5, 10);
        assert!(!v.follow);
        assert_eq!(v.first_visible(10), 85);
        v.push(vec!["new".into()]);
        assert_eq!(v.first_visible(10), 85, "a paused view does not move");
        v.scroll(100, 10);
        assert!(v.follow);
    }
}
