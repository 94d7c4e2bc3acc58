//! The dashboard's listing cache, kept from its loop: the head read before the first frame, the
//! other listings read after it, and writes debounced and run off the loop's thread.

use crate::app::{Action, State};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long after a listing changed the cache is written: listings land in bursts (a registry's
/// repositories, then their properties one by one), one write per burst is enough.
const CACHE_DEBOUNCE: Duration = Duration::from_secs(3);

/// Keeps the cache up to date from the loop: writes are debounced and run off the loop's thread,
/// one at a time, and write only the listings that changed.
pub struct Keeper {
    cache: crate::cache::Cache,
    /// The listings on disk, as the last head named them.
    written: crate::app::cached::Written,
    /// The listings the head names, to read back after the first frame.
    to_restore: Vec<crate::cache::PartRef>,
    /// When the next write is due (something changed since the last one).
    due: Option<Instant>,
    writing: Option<tokio::task::JoinHandle<()>>,
    /// A write failed: the next one writes every listing again.
    failed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Keeper {
    pub fn new(cache: crate::cache::Cache) -> Keeper {
        Keeper {
            cache,
            written: Default::default(),
            to_restore: Vec::new(),
            due: None,
            writing: None,
            failed: Default::default(),
        }
    }

    /// The registries, read before the first frame; the other listings are read after it.
    pub fn load_head(&mut self) -> Option<crate::cache::Part> {
        match self.cache.load_head() {
            Ok(Some(head)) => {
                tracing::info!(
                    dir = %self.cache.dir.display(),
                    saved_at = ?head.saved_at,
                    listings = head.parts.len(),
                    "listings restored from the cache"
                );
                self.written = head.parts.iter().map(|p| (p.key.clone(), p.clone())).collect();
                self.to_restore = head.parts;
                let (opened, signalled) = (head.opened, head.signalled);
                head.registries.map(|listing| crate::cache::Part::Registries {
                    listing,
                    opened,
                    signalled,
                })
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        }
    }

    /// Reads the other kept listings off the loop's thread, smallest first, each sent as it is
    /// read; a listing this session has read by then is left as it is.
    pub fn restore_rest(&mut self, actions: mpsc::UnboundedSender<Action>) {
        let parts = std::mem::take(&mut self.to_restore);
        if parts.is_empty() {
            return;
        }
        let cache = self.cache.clone();
        tokio::task::spawn_blocking(move || {
            for r in parts {
                match cache.load_part(&r) {
                    Ok(part) => {
                        if actions.send(Action::CacheRestored(Box::new(part))).is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!("{e}"),
                }
            }
        });
    }

    /// An action is about to be applied: a write falls due if it changes what is kept.
    pub fn saw(&mut self, action: &Action) {
        if crate::app::cached::changes_cache(action) {
            self.due.get_or_insert_with(|| Instant::now() + CACHE_DEBOUNCE);
        }
    }

    /// When the next write is due, if something changed since the last one.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    pub fn save_later(&mut self, state: &State) {
        if self.writing.as_ref().is_some_and(|w| !w.is_finished()) {
            // The last write is still going: try again shortly rather than race it.
            self.due = Some(Instant::now() + Duration::from_millis(500));
            return;
        }
        self.due = None;
        if self.failed.swap(false, std::sync::atomic::Ordering::Relaxed) {
            self.written.clear();
        }
        let (head, changed) = crate::app::cached::plan_save(state, &self.cache.scope, &self.written);
        self.written = head.parts.iter().map(|p| (p.key.clone(), p.clone())).collect();
        let cache = self.cache.clone();
        let failed = self.failed.clone();
        self.writing = Some(tokio::task::spawn_blocking(move || {
            if let Err(e) = cache.save(&head, &changed) {
                tracing::warn!("{e}");
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }

    /// On the way out: what changed since the last write is written before the process ends
    /// (bounded, so a hung disk does not hold the exit).
    pub async fn save_now(&mut self, state: &State) {
        if self.due.is_none() {
            return;
        }
        if let Some(w) = self.writing.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), w).await;
        }
        self.save_later(state);
        if let Some(w) = self.writing.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), w).await;
        }
    }
}
