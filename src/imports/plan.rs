//! What importing each line would do now, read from the target registry (and from the source,
//! when it is a registry acrdeck can read): nothing is guessed, and a line whose target could not
//! be read says so instead of looking queued.

use super::file::Entry;
use crate::acr::{Acr, ErrorKind, RegistryClient};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};

/// How many reads the plan has in flight at once: quick for a file of dozens of lines, and far
/// inside ACR's read budget (1,000 a minute on Basic) even when several files refresh together.
pub const PLAN_CONCURRENCY: usize = 8;

/// Where a line stands against its target registry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Status {
    /// The target tag is missing: importing it is the work to approve.
    Queued,
    /// The target tag exists. `source_digest` is set when the source could be read (or is
    /// pinned) and has the same digest.
    Present {
        digest: String,
        updated: Option<DateTime<Utc>>,
        source_digest: Option<String>,
    },
    /// The target tag exists with a digest other than the source's.
    Drifted {
        digest: String,
        updated: Option<DateTime<Utc>>,
        source_digest: String,
    },
    /// The target tag (or its repository) is write-locked: an import, even with Force, would
    /// be refused.
    Locked {
        digest: String,
        updated: Option<DateTime<Utc>>,
        /// The whole repository is locked, not only the tag.
        repository: bool,
    },
    /// The target could not be read: the error, as the service gave it.
    Unknown { error: String },
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Present { .. } => "present",
            Status::Drifted { .. } => "drifted",
            Status::Locked { .. } => "locked",
            Status::Unknown { .. } => "unknown",
        }
    }

    /// The digest the target tag has now, if it exists.
    pub fn target_digest(&self) -> Option<&str> {
        match self {
            Status::Present { digest, .. } | Status::Drifted { digest, .. } | Status::Locked { digest, .. } => {
                Some(digest)
            }
            _ => None,
        }
    }

    /// Whether approving the line has work to do (queued or drifted).
    pub fn is_actionable(&self) -> bool {
        matches!(self, Status::Queued | Status::Drifted { .. })
    }
}

/// Plans `entries` against the registry at `target` (a login server). `readable` are the login
/// servers acrdeck can read as sources (the environment's registries): a line importing from one
/// of them is compared by digest; other sources only when the line pins a digest.
pub async fn plan(acr: &Acr, target: &str, entries: &[Entry], readable: &HashSet<String>) -> Vec<Status> {
    let client = match acr.registry(target) {
        Ok(c) => c,
        Err(e) => {
            return entries
                .iter()
                .map(|_| Status::Unknown { error: e.to_string() })
                .collect();
        }
    };
    // A locked repository refuses every import into it: read each repository once.
    let repos: Vec<String> = entries
        .iter()
        .map(|e| e.destination.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let repo_locked: HashMap<String, bool> = futures::stream::iter(repos.into_iter().map(|repo| {
        let client = client.clone();
        async move {
            let locked = match client.repository(&repo).await {
                Ok(p) => !p.changeable_attributes.write_enabled,
                Err(_) => false,
            };
            (repo, locked)
        }
    }))
    .buffer_unordered(PLAN_CONCURRENCY)
    .collect()
    .await;
    let sources: HashMap<String, RegistryClient> = entries
        .iter()
        .filter_map(|e| e.source.domain.clone())
        .filter(|d| readable.iter().any(|r| r.eq_ignore_ascii_case(d)))
        .collect::<HashSet<_>>()
        .into_iter()
        .filter_map(|d| acr.registry(&d).ok().map(|c| (d, c)))
        .collect();
    // Owned values in each future: the stream is sent between threads inside the dashboard's
    // boxed jobs, and borrowed closure arguments do not satisfy that.
    let work: Vec<(usize, Entry, Option<RegistryClient>, bool)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let source = e.source.domain.as_ref().and_then(|d| sources.get(d)).cloned();
            let locked = repo_locked.get(&e.destination).copied().unwrap_or(false);
            (i, e.clone(), source, locked)
        })
        .collect();
    let mut out: Vec<(usize, Status)> = futures::stream::iter(work.into_iter().map(|(i, e, source, locked)| {
        let client = client.clone();
        async move { (i, plan_one(&client, source.as_ref(), &e, locked).await) }
    }))
    .buffer_unordered(PLAN_CONCURRENCY)
    .collect()
    .await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, s)| s).collect()
}

async fn plan_one(target: &RegistryClient, source: Option<&RegistryClient>, e: &Entry, repo_locked: bool) -> Status {
    let tag = match target.tag(&e.destination, e.tag()).await {
        Ok(t) => t,
        Err(err) if err.kind == ErrorKind::NotFound => {
            return if repo_locked {
                Status::Locked {
                    digest: String::new(),
                    updated: None,
                    repository: true,
                }
            } else {
                Status::Queued
            };
        }
        Err(err) => return Status::Unknown { error: err.to_string() },
    };
    let updated = tag.last_update_time;
    if repo_locked || !tag.changeable_attributes.write_enabled {
        return Status::Locked {
            digest: tag.digest,
            updated,
            repository: repo_locked,
        };
    }
    let source_digest = match (&e.source.digest, source) {
        (Some(pinned), _) => Some(pinned.clone()),
        (None, Some(src)) => src.resolve(&e.source.path, e.source.tag_or_latest()).await.ok(),
        (None, None) => None,
    };
    match source_digest {
        Some(s) if s != tag.digest => Status::Drifted {
            digest: tag.digest,
            updated,
            source_digest: s,
        },
        same => Status::Present {
            digest: tag.digest,
            updated,
            source_digest: same,
        },
    }
}
