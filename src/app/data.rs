//! What the panes show, as loaded from the registries, with how fresh it is and whether it is
//! complete. The dashboard never shows more certainty than it has: a listing that stopped early
//! is `partial`, a failed refresh keeps the old rows with the error beside them, and every value
//! knows when it was read.

use crate::acr::Failure;
use crate::acr::model::{
    CacheRule, ChangeableAttributes, CredentialSet, Delivery, ManifestProperties, Registry, Replication,
    RepositoryPermission, TagProperties, Token, Webhook,
};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// A value read from the service, with its state.
#[derive(Debug, Clone)]
pub struct Loadable<T> {
    pub value: Option<T>,
    pub loading: bool,
    /// The last read failed (the previous value, if any, is kept and shown as stale).
    pub error: Option<Failure>,
    pub loaded_at: Option<DateTime<Utc>>,
    /// The listing stopped before its end: `value` holds what came before `error`.
    pub partial: bool,
    /// `value` came from the cache of an earlier session (read at `loaded_at`), not from this
    /// one: shown as cached until a read of this session replaces it.
    pub cached: bool,
    /// The number of the latest read asked for: pages of an older read are dropped.
    pub generation: u64,
    /// The read whose pages are arriving, once its first page came.
    filling: Option<u64>,
    /// Pages of a re-read, held until it ends so the rows shown (and the cursor on them) stay
    /// whole meanwhile. A first read (or one replacing the cache) shows its pages as they come.
    pending: Option<T>,
    /// How many rows the listing is expected to hold, when the service said (a repository's tag
    /// count): the progress of a read is shown against it.
    pub expected: Option<u64>,
}

impl<T> Default for Loadable<T> {
    fn default() -> Self {
        Loadable {
            value: None,
            loading: false,
            error: None,
            loaded_at: None,
            partial: false,
            cached: false,
            generation: 0,
            filling: None,
            pending: None,
            expected: None,
        }
    }
}

impl<I> Loadable<Vec<I>> {
    /// A read starts: its pages will carry the number returned.
    pub fn begin(&mut self) -> u64 {
        self.loading = true;
        self.generation += 1;
        self.generation
    }

    /// Whether a page of this read is one to take (not of a read that was superseded).
    pub fn is_current(&self, generation: u64) -> bool {
        generation == self.generation
    }

    /// The rows the current read fills (shown, or held until it ends), starting them with its
    /// first page. `None` for a page of an older read.
    pub fn filling(&mut self, generation: u64) -> Option<&mut Vec<I>> {
        if !self.is_current(generation) {
            return None;
        }
        if self.filling != Some(generation) {
            self.filling = Some(generation);
            if self.value.is_some() && !self.cached {
                self.pending = Some(Vec::new());
            } else {
                // The cache's rows give way to this session's as soon as they come.
                self.value = Some(Vec::new());
                self.cached = false;
                self.loaded_at = None;
                self.partial = false;
            }
        }
        match &mut self.pending {
            Some(rows) => Some(rows),
            None => self.value.as_mut(),
        }
    }

    /// How many rows the read in progress has brought so far (shown, or held for a re-read);
    /// `None` before its first page or when no read is going on.
    pub fn progress(&self) -> Option<usize> {
        self.filling?;
        match &self.pending {
            Some(rows) => Some(rows.len()),
            None => self.value.as_ref().map(Vec::len),
        }
    }

    /// A page of the current read arrived: its rows are added. False for a page of an older read.
    pub fn take_page(&mut self, generation: u64, items: Vec<I>) -> bool {
        if items.is_empty() {
            return self.is_current(generation);
        }
        match self.filling(generation) {
            Some(rows) => {
                rows.extend(items);
                true
            }
            None => false,
        }
    }

    /// The current read ended, completely or with an error after the pages that came. False for
    /// the end of an older read.
    pub fn finish(&mut self, generation: u64, error: Option<Failure>, now: DateTime<Utc>) -> bool {
        if !self.is_current(generation) {
            return false;
        }
        let came = self.filling.take() == Some(generation);
        let rows = match self.pending.take() {
            Some(rows) => rows,
            None if came => self.value.take().unwrap_or_default(),
            None => Vec::new(),
        };
        self.settle(rows, error, now, came);
        true
    }
}

impl<T> Loadable<T> {
    /// Takes a whole listing's outcome: its items (all, or those before the error) and the
    /// error.
    pub fn settle(&mut self, items: T, error: Option<Failure>, now: DateTime<Utc>, had_items: bool) {
        self.loading = false;
        match error {
            None => {
                self.value = Some(items);
                self.error = None;
                self.partial = false;
                self.loaded_at = Some(now);
                self.cached = false;
            }
            Some(e) if had_items => {
                self.value = Some(items);
                self.error = Some(e);
                self.partial = true;
                self.loaded_at = Some(now);
                self.cached = false;
            }
            // Nothing new came: keep what was there (it is now stale) and say why.
            Some(e) => self.error = Some(e),
        }
    }

    /// Showing the pane should read it: nothing was read yet, or only the cache was (a failed
    /// read is retried by the operator, not on every visit).
    pub fn needs_read(&self) -> bool {
        (self.value.is_none() || self.cached) && !self.loading && self.error.is_none()
    }
}

/// A registry as the Registries pane shows it.
#[derive(Debug, Clone)]
pub struct RegistryRow {
    pub registry: Registry,
    /// Storage (bytes used, limit), once usage has been read.
    pub storage: Option<(u64, u64)>,
    /// The last call to this registry failed: why.
    pub health: Option<Failure>,
    /// Its geo-replicas, once read (or why they could not be).
    pub replicas: Option<Result<Vec<Replication>, Failure>>,
}

impl RegistryRow {
    /// Its replicas that are not ready (status other than `Ready`, or provisioning other than
    /// `Succeeded`).
    pub fn replicas_not_ready(&self) -> Vec<&Replication> {
        match &self.replicas {
            Some(Ok(r)) => r.iter().filter(|r| !r.ready()).collect(),
            _ => Vec::new(),
        }
    }
}

/// A tag joined with its manifest (size, platforms).
#[derive(Debug, Clone)]
pub struct TagRow {
    pub tag: TagProperties,
    /// Shared by every tag on the same digest: held once, not copied per tag.
    pub manifest: Option<Arc<ManifestProperties>>,
}

impl TagRow {
    pub fn new(tag: TagProperties, manifest: Option<Arc<ManifestProperties>>) -> TagRow {
        TagRow { tag, manifest }
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

/// The `/` index of a tags listing: name, digest and platforms as text; `tag:`, `digest:`,
/// `platform:` and `locked:` as columns.
pub fn tag_index(rows: &[TagRow]) -> crate::query::SearchIndex {
    let mut index = crate::query::SearchIndex::new(TAG_FIELDS);
    for r in rows {
        index_tag(&mut index, r);
    }
    index
}

/// The columns `key:value` names in the Tags pane.
const TAG_FIELDS: &[&str] = &["tag", "digest", "platform", "locked", "updated"];

/// Adds a tag's row to its listing's search index.
pub fn index_tag(index: &mut crate::query::SearchIndex, r: &TagRow) {
    let locked = if r.tag.changeable_attributes.is_locked() {
        "yes"
    } else {
        "no"
    };
    let platforms = r.platforms();
    // What `/` searches in a tag: its name, digest and platforms.
    index.push(
        &format!("{} {} {platforms}", r.tag.name, r.tag.digest),
        &[
            r.tag.name.as_str(),
            r.tag.digest.as_str(),
            &platforms,
            locked,
            // Unix seconds, for `updated:<7d`.
            &r.tag
                .last_update_time
                .map(|t| t.timestamp().to_string())
                .unwrap_or_default(),
        ],
    );
}

/// What a lock is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockedKind {
    Repository,
    Tag,
    Manifest,
}

impl LockedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LockedKind::Repository => "repository",
            LockedKind::Tag => "tag",
            LockedKind::Manifest => "manifest",
        }
    }
}

/// One locked repository, tag or manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedItem {
    pub kind: LockedKind,
    pub repository: String,
    /// The tag or the digest; empty for a repository.
    pub reference: String,
    pub attributes: ChangeableAttributes,
    /// A manifest's tags, to tell what a digest lock protects.
    pub tags: Vec<String>,
}

impl LockedItem {
    /// `apps/web`, `apps/web:1.4.1`, `apps/web@sha256:…`.
    pub fn target(&self) -> String {
        match self.kind {
            LockedKind::Repository => self.repository.clone(),
            LockedKind::Tag => format!("{}:{}", self.repository, self.reference),
            LockedKind::Manifest => format!("{}@{}", self.repository, self.reference),
        }
    }
}

/// A cache rule joined with its credential set (and so the set's health).
#[derive(Debug, Clone)]
pub struct CacheRuleRow {
    pub rule: CacheRule,
    pub credential: Option<CredentialSet>,
}

/// `W D R L` for each switched-off lock, `-` when nothing is locked.
/// Several registries' listings seen as one, for a pane over every registry: loading while any
/// is, as old as the oldest read, partial when any stopped early, with the first error.
pub fn combined<'a, T: 'a>(listings: impl IntoIterator<Item = &'a Loadable<T>>) -> Loadable<()> {
    let mut all = Loadable::<()>::default();
    let mut any_value = false;
    for l in listings {
        all.loading |= l.loading;
        all.partial |= l.partial;
        all.cached |= l.cached;
        if all.error.is_none() {
            all.error = l.error.clone();
        }
        if l.value.is_some() {
            any_value = true;
            all.loaded_at = match (all.loaded_at, l.loaded_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    all.value = any_value.then_some(());
    all
}

/// A promotion request found in the registry, judged against its target stage's policy when it
/// was read.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub found: crate::promote::approval::Found,
    pub judgement: crate::promote::approval::Judgement,
}

/// Every promotion request into a gated stage, with the stages they were judged against and
/// what could not be read.
#[derive(Debug, Clone, Default)]
pub struct Requests {
    pub rows: Vec<RequestRow>,
    pub stages: Vec<crate::promote::ResolvedStage>,
    pub problems: Vec<String>,
}

/// A webhook with the host it delivers to (never the rest of its URI) and its deliveries,
/// newest first.
#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub webhook: Webhook,
    pub host: Option<String>,
    pub deliveries: Vec<Delivery>,
    /// What could not be read about it (its callback or its events).
    pub problem: Option<Failure>,
}

impl WebhookRow {
    /// Its newest delivery was refused or never answered.
    pub fn failing(&self) -> bool {
        self.deliveries.first().is_some_and(|d| !d.delivered())
    }
}

/// A repository-scoped token with what its scope map lets it do. Never a password.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub token: Token,
    pub scope_map: Option<String>,
    pub permissions: Vec<RepositoryPermission>,
}

pub use crate::acr::model::Expiry;

impl TokenRow {
    pub fn expiry(&self, now: DateTime<Utc>, window: chrono::Duration) -> Expiry {
        self.token.expiry_at(now, window)
    }
}

pub fn lock_marks(a: &ChangeableAttributes) -> String {
    let marks: Vec<&str> = [
        (!a.write_enabled, "W"),
        (!a.delete_enabled, "D"),
        (!a.read_enabled, "R"),
        (!a.list_enabled, "L"),
    ]
    .into_iter()
    .filter_map(|(on, m)| on.then_some(m))
    .collect();
    if marks.is_empty() { "-".into() } else { marks.join(" ") }
}

pub use crate::config::stage_rank;

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

    fn t(minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 1, 1, 0, minute, 0).single().expect("a time")
    }

    #[test]
    fn a_first_read_shows_each_page_as_it_comes() {
        let mut l: Loadable<Vec<u32>> = Loadable::default();
        let g = l.begin();
        assert!(l.take_page(g, vec![1, 2]));
        assert_eq!(l.value.as_deref(), Some(&[1, 2][..]));
        assert!(l.loading && l.loaded_at.is_none());
        assert!(l.take_page(g, vec![3]));
        assert!(l.finish(g, None, t(1)));
        assert_eq!(l.value.as_deref(), Some(&[1, 2, 3][..]));
        assert!(!l.loading && !l.partial && l.loaded_at == Some(t(1)));
    }

    #[test]
    fn a_re_read_keeps_the_rows_whole_until_it_ends_and_old_pages_are_dropped() {
        let mut l: Loadable<Vec<u32>> = Loadable::default();
        let g1 = l.begin();
        l.take_page(g1, vec![1, 2, 3]);
        l.finish(g1, None, t(1));
        let g2 = l.begin();
        let g3 = l.begin();
        assert!(!l.take_page(g2, vec![9]), "a superseded read's page is dropped");
        assert!(l.take_page(g3, vec![4]));
        assert_eq!(l.value.as_deref(), Some(&[1, 2, 3][..]), "still the whole last listing");
        assert!(!l.finish(g2, None, t(2)));
        assert!(l.finish(g3, None, t(3)));
        assert_eq!(l.value.as_deref(), Some(&[4][..]));
        assert_eq!(l.loaded_at, Some(t(3)));
    }

    #[test]
    fn a_read_that_fails_midway_is_partial_and_one_that_fails_at_once_keeps_the_old_rows() {
        let mut l: Loadable<Vec<u32>> = Loadable::default();
        let g = l.begin();
        l.take_page(g, vec![1]);
        l.finish(g, Some("page 2 failed".into()), t(1));
        assert!(l.partial && l.error.is_some());
        assert_eq!(l.value.as_deref(), Some(&[1][..]));
        let g = l.begin();
        l.finish(g, Some("throttled".into()), t(2));
        assert_eq!(
            l.value.as_deref(),
            Some(&[1][..]),
            "nothing new came: the old rows stay"
        );
        assert_eq!(l.error, Some("throttled".into()));
        assert_eq!(l.loaded_at, Some(t(1)));
    }

    #[test]
    fn the_first_page_replaces_the_cache() {
        let mut l: Loadable<Vec<u32>> = Loadable {
            value: Some(vec![7, 8]),
            loaded_at: Some(t(0)),
            cached: true,
            ..Default::default()
        };
        let g = l.begin();
        assert_eq!(l.value.as_deref(), Some(&[7, 8][..]), "cached rows until a page comes");
        l.take_page(g, vec![1]);
        assert!(!l.cached && l.loaded_at.is_none());
        assert_eq!(l.value.as_deref(), Some(&[1][..]));
    }
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
    fn lock_marks_name_each_switched_off_lock() {
        let mut a = ChangeableAttributes::default();
        assert_eq!(lock_marks(&a), "-");
        a.write_enabled = false;
        a.delete_enabled = false;
        assert_eq!(lock_marks(&a), "W D");
    }

    #[test]
    fn a_failed_refresh_keeps_the_rows_and_says_why() {
        let now = Utc::now();
        let mut l: Loadable<Vec<u8>> = Loadable::default();
        l.settle(vec![1, 2], None, now, true);
        l.loading = true;
        l.settle(vec![], Some("throttled".into()), now, false);
        assert_eq!(l.value, Some(vec![1, 2]));
        assert_eq!(l.error, Some("throttled".into()));
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
