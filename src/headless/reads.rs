//! `acrdeck registries`, `repos`, `tags`, `runs`: the dashboard's listings as plain commands, with
//! the same search grammar as its `/` (words, `key:value`, `re:`, `updated:<7d`). Rows that
//! answered are printed even when a call failed; the exit status then says so.
//!
//! The JSON is stable: field names are documented in the README and only ever added to; digests
//! are always whole.

use crate::acr::model::{Registry, Run, RunStatus, TagProperties};
use crate::acr::paging::collect;
use crate::acr::registry::TagOrder;
use crate::acr::{Acr, RunFilter};
use crate::cli::Output;
use crate::config::Config;
use crate::query::Query;
use futures::StreamExt;
use serde::Serialize;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// What a listing command prints: its rows, and why it stopped early if it did.
pub struct Listing<T> {
    pub rows: Vec<T>,
    pub error: Option<String>,
}

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

fn query(words: &[String]) -> Result<Query, String> {
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

pub async fn registries(acr: &Acr, config: &Config, words: &[String]) -> Result<Listing<RegistryRow>, String> {
    let q = query(words)?;
    let (list, error) = match crate::imports::environment(acr, &config.subscriptions).await {
        Ok(l) => (l, None),
        Err(e) => (vec![], Some(e.to_string())),
    };
    let rows = list
        .into_iter()
        .filter(|r| {
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
        })
        .map(|r| RegistryRow {
            stage: r.stage().map(str::to_string),
            login_server: r.properties.login_server.clone(),
            sku: r.sku.name.to_string(),
            location: r.location.clone(),
            public_network_access: r.properties.public_network_access.clone(),
            id: r.id.clone(),
            name: r.name,
        })
        .collect();
    Ok(Listing { rows, error })
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

pub async fn repositories(acr: &Acr, login_server: &str, words: &[String]) -> Result<Listing<RepositoryRow>, String> {
    let q = query(words)?;
    let client = acr.registry(login_server).map_err(|e| e.to_string())?;
    let listed = collect(client.repositories(100)).await;
    let mut error = listed.error.map(|e| e.to_string());
    let props: Vec<_> = futures::stream::iter(listed.items.into_iter().map(|n| {
        let client = client.clone();
        async move { client.repository(&n).await }
    }))
    .buffered(8)
    .collect()
    .await;
    let mut rows = Vec::new();
    for p in props {
        match p {
            Ok(p) => {
                let a = &p.changeable_attributes;
                let locked = !a.write_enabled || !a.delete_enabled;
                let name = p.image_name.to_lowercase();
                let updated = secs(p.last_update_time);
                if q.matches(&name, |k| match k {
                    "locked" => Some(yes(locked)),
                    "name" => Some(name.clone()),
                    "updated" => Some(updated.clone()),
                    _ => None,
                }) {
                    rows.push(RepositoryRow {
                        name: p.image_name.clone(),
                        tag_count: p.tag_count,
                        manifest_count: p.manifest_count,
                        last_update_time: p.last_update_time,
                        write_enabled: a.write_enabled,
                        delete_enabled: a.delete_enabled,
                        read_enabled: a.read_enabled,
                        list_enabled: a.list_enabled,
                    });
                }
            }
            Err(e) => {
                error.get_or_insert(e.to_string());
            }
        }
    }
    Ok(Listing { rows, error })
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

pub async fn tags(
    acr: &Acr,
    login_server: &str,
    repository: &str,
    words: &[String],
) -> Result<Listing<TagRow>, String> {
    let q = query(words)?;
    let client = acr.registry(login_server).map_err(|e| e.to_string())?;
    let listed = collect(client.tags(repository, TagOrder::NewestFirst, 100)).await;
    let rows = listed
        .items
        .into_iter()
        .filter(|t: &TagProperties| {
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
        })
        .map(|t| {
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
        })
        .collect();
    Ok(Listing {
        rows,
        error: listed.error.map(|e| e.to_string()),
    })
}

#[derive(Debug, Serialize)]
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
    fn from(r: &Run) -> RunRow {
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
) -> Result<Listing<RunRow>, String> {
    let arm = acr.arm().map_err(|e| e.to_string())?;
    let reference = crate::acr::RegistryRef::parse(&registry.id)
        .ok_or_else(|| format!("the registry id `{}` is not an ARM resource id", registry.id))?;
    let filter = RunFilter {
        task,
        status: status.as_deref().map(RunStatus::parse),
        image: None,
    };
    let mut pages = arm.list_runs(&reference, &filter, top);
    let mut rows = Vec::new();
    let mut error = None;
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => rows.extend(p.iter().map(RunRow::from)),
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
        if top.is_some_and(|n| rows.len() >= n as usize) {
            break;
        }
    }
    if let Some(n) = top {
        rows.truncate(n as usize);
    }
    Ok(Listing { rows, error })
}

/// Prints a listing: a table (`cells` gives a row's columns) or the JSON rows; then the error of
/// a listing that stopped early. Returns the exit status.
pub fn print<T: Serialize>(
    listing: &Listing<T>,
    output: Output,
    header: &[&str],
    cells: impl Fn(&T) -> Vec<String>,
    out: &mut impl std::io::Write,
) -> u8 {
    let written = match output {
        Output::Json => serde_json::to_string_pretty(&listing.rows)
            .map_err(std::io::Error::other)
            .and_then(|s| writeln!(out, "{s}")),
        Output::Table => {
            let rows: Vec<Vec<String>> = listing.rows.iter().map(cells).collect();
            write!(out, "{}", super::table(header, &rows))
        }
    };
    if let Err(e) = written {
        eprintln!("acrdeck: cannot write the listing: {e}");
        return EXIT_FAILED;
    }
    match &listing.error {
        Some(e) => {
            eprintln!("acrdeck: the listing is partial: {e}");
            EXIT_FAILED
        }
        None => EXIT_OK,
    }
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
