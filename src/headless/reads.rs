//! `acrdeck registries`, `repos`, `tags`, `runs`: the dashboard's listings as plain commands, with
//! the same search grammar as its `/` (words, `key:value`, `re:`, `updated:<7d`). Rows are
//! written as their pages arrive (see `rows`); rows that answered are printed even when a call
//! failed, and the exit status then says so.
//!
//! The JSON is stable: field names are documented in the README and only ever added to; digests
//! are always whole.

use super::rows::RowWriter;
use crate::acr::model::{Registry, RepositoryProperties, Run, RunStatus, TagProperties};
use crate::acr::registry::TagOrder;
use crate::acr::{Acr, RunFilter};
use crate::config::Config;
use crate::query::Query;
use futures::StreamExt;
use serde::Serialize;
use std::collections::HashMap;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
/// A change was sent, its answer was lost, and reading the target back could not tell whether
/// it was made: check before trying again.
pub const EXIT_UNKNOWN: u8 = 3;

/// Why a listing stopped before its end, if it did (the rows before it were written).
pub type Partial = Option<String>;

/// Items asked for per page: the most the service returns in one (1,000 whatever `n` asks).
const PAGE: u32 = 1000;

/// Repository details read at once by `repos`.
const DETAIL_CONCURRENCY: usize = 16;

/// A registry named on the command line: its name, a stage (the config's or its `stage` tag), its
/// login server or its resource id.
pub fn find_registry<'a>(registries: &'a [Registry], config: &Config, name: &str) -> Result<&'a Registry, String> {
    let spec = crate::imports::registry_spec(config, name);
    registries
        .iter()
        .find(|r| {
            [r.name.as_str(), r.properties.login_server.as_str(), r.id.as_str()]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&spec) || n.eq_ignore_ascii_case(name))
                || r.stage().is_some_and(|s| s.eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| {
            let names: Vec<&str> = registries.iter().map(|r| r.name.as_str()).collect();
            format!(
                "no registry `{name}` among those acrdeck can see ({}); name one by its name, stage or login server",
                names.join(", ")
            )
        })
}

pub fn query(words: &[String]) -> Result<Query, String> {
    Query::parse(&words.join(" "))
}

fn secs(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.timestamp().to_string()).unwrap_or_default()
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

#[derive(Debug, Serialize)]
pub struct RegistryRow {
    pub name: String,
    pub stage: Option<String>,
    pub login_server: String,
    pub sku: String,
    pub location: String,
    pub public_network_access: Option<String>,
    pub id: String,
}

pub async fn registries(acr: &Acr, config: &Config, q: &Query, w: &mut RowWriter<'_, RegistryRow>) -> Partial {
    let (list, error) = match crate::imports::environment(acr, &config.subscriptions).await {
        Ok(l) => (l, None),
        Err(e) => (vec![], Some(e.to_string())),
    };
    let rows = list.into_iter().filter(|r| {
        let stage = r.stage().unwrap_or("").to_lowercase();
        let text = format!(
            "{stage} {} {} {} {}",
            r.name, r.properties.login_server, r.sku.name, r.location
        )
        .to_lowercase();
        q.matches(&text, |k| match k {
            "stage" => Some(stage.clone()),
            "name" => Some(r.name.to_lowercase()),
            "sku" => Some(r.sku.name.to_string().to_lowercase()),
            _ => None,
        })
    });
    for r in rows {
        w.push(&RegistryRow {
            stage: r.stage().map(str::to_string),
            login_server: r.properties.login_server.clone(),
            sku: r.sku.name.to_string(),
            location: r.location.clone(),
            public_network_access: r.properties.public_network_access.clone(),
            id: r.id.clone(),
            name: r.name,
        });
    }
    error
}

#[derive(Debug, Serialize)]
pub struct RepositoryRow {
    pub name: String,
    pub tag_count: u64,
    pub manifest_count: u64,
    pub last_update_time: Option<chrono::DateTime<chrono::Utc>>,
    pub write_enabled: bool,
    pub delete_enabled: bool,
    pub read_enabled: bool,
    pub list_enabled: bool,
}

/// Repository names page by page; each page's details read `DETAIL_CONCURRENCY` at a time
/// (their tokens asked for together) and written in the catalog's order.
pub async fn repositories(acr: &Acr, login_server: &str, q: &Query, w: &mut RowWriter<'_, RepositoryRow>) -> Partial {
    let client = match acr.registry(login_server) {
        Ok(c) => c,
        Err(e) => return Some(e.to_string()),
    };
    let mut pages = client.repositories(PAGE);
    let mut error = None;
    while let Some(page) = pages.next().await {
        let names = match page {
            Ok(n) => n,
            Err(e) => {
                error.get_or_insert(e.to_string());
                break;
            }
        };
        let mut details: HashMap<String, RepositoryProperties> = HashMap::with_capacity(names.len());
        let mut read = client.repository_details(names.clone(), DETAIL_CONCURRENCY);
        while let Some((name, p)) = read.next().await {
            match p {
                Ok(p) => {
                    details.insert(name, p);
                }
                Err(e) => {
                    error.get_or_insert(e.to_string());
                }
            }
        }
        for p in names.iter().filter_map(|n| details.get(n)) {
            if let Some(row) = repository_row(p, q) {
                w.push(&row);
            }
        }
        w.page_done();
    }
    error
}

/// A repository's row, if it matches the query.
fn repository_row(p: &RepositoryProperties, q: &Query) -> Option<RepositoryRow> {
    let a = &p.changeable_attributes;
    let locked = !a.write_enabled || !a.delete_enabled;
    let name = p.image_name.to_lowercase();
    let updated = secs(p.last_update_time);
    q.matches(&name, |k| match k {
        "locked" => Some(yes(locked)),
        "name" => Some(name.clone()),
        "updated" => Some(updated.clone()),
        _ => None,
    })
    .then(|| RepositoryRow {
        name: p.image_name.clone(),
        tag_count: p.tag_count,
        manifest_count: p.manifest_count,
        last_update_time: p.last_update_time,
        write_enabled: a.write_enabled,
        delete_enabled: a.delete_enabled,
        read_enabled: a.read_enabled,
        list_enabled: a.list_enabled,
    })
}

#[derive(Debug, Serialize)]
pub struct TagRow {
    pub name: String,
    /// Whole, always.
    pub digest: String,
    pub created_time: Option<chrono::DateTime<chrono::Utc>>,
    pub last_update_time: Option<chrono::DateTime<chrono::Utc>>,
    pub write_enabled: bool,
    pub delete_enabled: bool,
    pub read_enabled: bool,
    pub list_enabled: bool,
}

/// Tags newest first, written page by page.
pub async fn tags(
    acr: &Acr,
    login_server: &str,
    repository: &str,
    q: &Query,
    w: &mut RowWriter<'_, TagRow>,
) -> Partial {
    let client = match acr.registry(login_server) {
        Ok(c) => c,
        Err(e) => return Some(e.to_string()),
    };
    let mut pages = client.tags(repository, TagOrder::NewestFirst, PAGE);
    while let Some(page) = pages.next().await {
        match page {
            Ok(tags) => {
                for t in tags.into_iter().filter(|t| tag_matches(t, q)) {
                    w.push(&tag_row(t));
                }
                w.page_done();
            }
            Err(e) => return Some(e.to_string()),
        }
    }
    None
}

fn tag_matches(t: &TagProperties, q: &Query) -> bool {
    if q.is_empty() {
        return true;
    }
    let a = &t.changeable_attributes;
    let text = format!("{} {}", t.name, t.digest).to_lowercase();
    let updated = secs(t.last_update_time);
    q.matches(&text, |k| match k {
        "tag" => Some(t.name.to_lowercase()),
        "digest" => Some(t.digest.to_lowercase()),
        "locked" => Some(yes(!a.write_enabled || !a.delete_enabled)),
        "updated" => Some(updated.clone()),
        _ => None,
    })
}

fn tag_row(t: TagProperties) -> TagRow {
    let a = t.changeable_attributes;
    TagRow {
        name: t.name,
        digest: t.digest,
        created_time: t.created_time,
        last_update_time: t.last_update_time,
        write_enabled: a.write_enabled,
        delete_enabled: a.delete_enabled,
        read_enabled: a.read_enabled,
        list_enabled: a.list_enabled,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub run_id: String,
    pub task: Option<String>,
    pub status: String,
    pub trigger: String,
    pub platform: Option<String>,
    pub create_time: Option<chrono::DateTime<chrono::Utc>>,
    pub start_time: Option<chrono::DateTime<chrono::Utc>>,
    pub finish_time: Option<chrono::DateTime<chrono::Utc>>,
    pub error: Option<String>,
}

impl RunRow {
    pub fn from(r: &Run) -> RunRow {
        let p = &r.properties;
        RunRow {
            run_id: r.run_id().to_string(),
            task: p.task.clone(),
            status: r.status().to_string(),
            trigger: r.trigger().as_str().to_string(),
            platform: p.platform.as_ref().map(|pl| {
                format!(
                    "{}/{}",
                    pl.os.as_ref().map(|o| o.to_string().to_lowercase()).unwrap_or_default(),
                    pl.architecture.clone().unwrap_or_default()
                )
            }),
            create_time: p.create_time,
            start_time: p.start_time,
            finish_time: p.finish_time,
            error: p.run_error_message.clone(),
        }
    }
}

pub async fn runs(
    acr: &Acr,
    registry: &Registry,
    task: Option<String>,
    status: Option<String>,
    top: Option<u32>,
    w: &mut RowWriter<'_, RunRow>,
) -> Partial {
    let arm = match acr.arm() {
        Ok(a) => a,
        Err(e) => return Some(e.to_string()),
    };
    let Some(reference) = crate::acr::RegistryRef::parse(&registry.id) else {
        return Some(format!("the registry id `{}` is not an ARM resource id", registry.id));
    };
    let filter = RunFilter {
        task,
        status: status.as_deref().map(RunStatus::parse),
        image: None,
    };
    let mut pages = arm.list_runs(&reference, &filter, top);
    let limit = top.map_or(usize::MAX, |n| n as usize);
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => {
                for r in p.iter().take(limit - w.count()) {
                    w.push(&RunRow::from(r));
                }
                w.page_done();
            }
            Err(e) => return Some(e.to_string()),
        }
        if w.count() >= limit {
            break;
        }
    }
    None
}

pub fn registry_cells(r: &RegistryRow) -> Vec<String> {
    vec![
        r.name.clone(),
        r.stage.clone().unwrap_or_default(),
        r.login_server.clone(),
        r.sku.clone(),
        r.location.clone(),
        r.public_network_access.clone().unwrap_or_default(),
    ]
}

pub fn repository_cells(r: &RepositoryRow) -> Vec<String> {
    vec![
        r.name.clone(),
        r.tag_count.to_string(),
        r.manifest_count.to_string(),
        when(r.last_update_time),
        locks(r.write_enabled, r.delete_enabled, r.read_enabled, r.list_enabled),
    ]
}

pub fn tag_cells(t: &TagRow) -> Vec<String> {
    vec![
        t.name.clone(),
        t.digest.clone(),
        when(t.created_time),
        when(t.last_update_time),
        locks(t.write_enabled, t.delete_enabled, t.read_enabled, t.list_enabled),
    ]
}

/// The columns of [`run_cells`].
pub const RUN_HEADER: [&str; 7] = [
    "RUN",
    "TASK",
    "STATUS",
    "TRIGGER",
    "PLATFORM",
    "STARTED (UTC)",
    "DURATION",
];

pub fn run_cells(r: &RunRow) -> Vec<String> {
    vec![
        r.run_id.clone(),
        r.task.clone().unwrap_or_default(),
        r.status.clone(),
        r.trigger.clone(),
        r.platform.clone().unwrap_or_default(),
        when(r.start_time),
        match (r.start_time, r.finish_time) {
            (Some(s), Some(f)) => format!("{}s", (f - s).num_seconds()),
            _ => String::new(),
        },
    ]
}

/// `W D R L` for what is switched off.
fn locks(write: bool, delete: bool, read: bool, list: bool) -> String {
    let marks: Vec<&str> = [(!write, "W"), (!delete, "D"), (!read, "R"), (!list, "L")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, m)| *m)
        .collect();
    marks.join(" ")
}
