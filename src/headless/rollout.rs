//! `acrdeck runs --all`, `webhooks` and `tokens`: what an operator checks across the stage
//! registries during a rollout, one command each. Registries come in pipeline order (the
//! config's stages, then the usual names). A registry that cannot be read does not hide the
//! others: its rows are missing, stderr says why, and the exit status is 1.
//!
//! The JSON is stable (documented in the README): field names are only ever added to. A
//! webhook's service URI is never printed (its query and headers carry the receiver's
//! credentials), only its host; no token password is ever asked for.

use super::reads::{EXIT_FAILED, EXIT_OK};
use super::rows::RowWriter;
use crate::acr::model::{Delivery, Expiry, Registry, RepositoryPermission};
use crate::acr::paging::collect;
use crate::acr::{Acr, RegistryRef, RunFilter};
use crate::config::Config;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// The registries in pipeline order.
pub fn in_stage_order(mut registries: Vec<Registry>, config: &Config) -> Vec<Registry> {
    let order: Vec<String> = config.stages.iter().map(|s| s.name.get_ref().clone()).collect();
    registries.sort_by_key(|r| {
        (
            crate::config::stage_rank(r.stage(), &order),
            r.name.to_ascii_lowercase(),
        )
    });
    registries
}

fn reference(r: &Registry) -> Result<RegistryRef, String> {
    RegistryRef::parse(&r.id).ok_or_else(|| format!("the registry id `{}` is not an ARM resource id", r.id))
}

/// Says what failed on stderr; the caller's exit status then says a listing is partial.
fn partial(registry: &str, what: &str, e: impl std::fmt::Display) {
    crate::process::say(&format!("{registry}: {what} is partial: {e}"));
}

// ------------------------------------------------------------------------------------- runs

/// A run of `runs --all`: the run and where it ran.
#[derive(Debug, Clone, Serialize)]
pub struct StageRunRow {
    pub registry: String,
    pub stage: Option<String>,
    pub login_server: String,
    #[serde(flatten)]
    pub run: super::reads::RunRow,
}

pub fn stage_run_cells(r: &StageRunRow) -> Vec<String> {
    let mut cells = vec![r.stage.clone().unwrap_or_default(), r.registry.clone()];
    cells.extend(super::reads::run_cells(&r.run));
    cells
}

/// STAGE and REGISTRY, then the columns of a registry's runs ([`super::reads::RUN_HEADER`]).
pub const STAGE_RUN_HEADER: [&str; 9] = {
    let r = super::reads::RUN_HEADER;
    ["STAGE", "REGISTRY", r[0], r[1], r[2], r[3], r[4], r[5], r[6]]
};

/// The newest runs of one registry (at most `top`), as rows.
async fn registry_runs(acr: &Acr, reg: &Registry, filter: &RunFilter, top: u32) -> Result<Vec<StageRunRow>, String> {
    let arm = acr.arm().map_err(|e| e.to_string())?;
    let listed = collect(arm.list_runs(&reference(reg)?, filter, Some(top))).await;
    let rows = listed
        .items
        .iter()
        .take(top as usize)
        .map(|run| StageRunRow {
            registry: reg.name.clone(),
            stage: reg.stage().map(str::to_string),
            login_server: reg.properties.login_server.clone(),
            run: super::reads::RunRow::from(run),
        })
        .collect();
    match listed.error {
        Some(e) if listed.items.is_empty() => Err(e.to_string()),
        Some(e) => {
            partial(&reg.name, "the runs listing", e);
            Ok(rows)
        }
        None => Ok(rows),
    }
}

/// Every registry's newest runs (at most `top` each), newest first across them. Returns the
/// rows and whether every registry answered.
pub async fn all_runs(acr: &Acr, registries: &[Registry], filter: &RunFilter, top: u32) -> (Vec<StageRunRow>, bool) {
    let reads = registries.iter().map(|r| registry_runs(acr, r, filter, top));
    let mut rows = Vec::new();
    let mut whole = true;
    for (reg, read) in registries.iter().zip(futures::future::join_all(reads).await) {
        match read {
            Ok(r) => rows.extend(r),
            Err(e) => {
                partial(&reg.name, "the runs listing", e);
                whole = false;
            }
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.run.create_time));
    (rows, whole)
}

/// `runs --all`: every registry's runs, newest first; with `follow`, then every run that starts
/// or changes status, as it is seen (JSON: one object per line), until interrupted.
pub async fn runs_all(
    acr: &Acr,
    registries: &[Registry],
    filter: &RunFilter,
    top: u32,
    follow: Option<std::time::Duration>,
    output: crate::cli::ListOutput,
    out: &mut dyn std::io::Write,
) -> u8 {
    let (rows, whole) = all_runs(acr, registries, filter, top).await;
    let Some(every) = follow else {
        let mut w = RowWriter::new(output, &STAGE_RUN_HEADER, stage_run_cells, out);
        for r in &rows {
            w.push(r);
        }
        return w.finish((!whole).then(|| "a registry's runs could not be read (above)".to_string()));
    };
    // Following: rows go out as lines as they change, a table's columns at fixed widths.
    let mut seen: HashMap<(String, String), String> = HashMap::new();
    let mut line = FollowLine::new(output, out);
    if line.header().is_err() {
        return EXIT_FAILED;
    }
    let mut batch = rows;
    loop {
        // Oldest first, so the newest is the last line written.
        for r in batch.iter().rev() {
            let key = (r.login_server.clone(), r.run.run_id.clone());
            if seen.get(&key) == Some(&r.run.status) {
                continue;
            }
            seen.insert(key, r.run.status.clone());
            if line.row(r).is_err() {
                return EXIT_FAILED;
            }
        }
        tokio::time::sleep(every).await;
        batch = all_runs(acr, registries, filter, top).await.0;
    }
}

/// `runs --all --follow`'s output: a line per run as it changes.
struct FollowLine<'a> {
    output: crate::cli::ListOutput,
    out: &'a mut dyn std::io::Write,
}

/// Widths of the followed table's columns (stage, registry, run, task, status, trigger,
/// platform, started): cells are cut by terminal columns to fit.
const FOLLOW_WIDTHS: [usize; 9] = [8, 16, 8, 18, 10, 10, 12, 20, 8];

impl<'a> FollowLine<'a> {
    fn new(output: crate::cli::ListOutput, out: &'a mut dyn std::io::Write) -> Self {
        FollowLine { output, out }
    }

    fn header(&mut self) -> std::io::Result<()> {
        use crate::cli::ListOutput;
        let header: Vec<String> = STAGE_RUN_HEADER.iter().map(|h| h.to_string()).collect();
        match self.output {
            ListOutput::Json => Ok(()),
            ListOutput::Tsv => writeln!(self.out, "{}", header.join("\t")),
            ListOutput::Table => writeln!(self.out, "{}", fixed(&header)),
        }?;
        self.out.flush()
    }

    fn row(&mut self, r: &StageRunRow) -> std::io::Result<()> {
        use crate::cli::ListOutput;
        match self.output {
            ListOutput::Json => writeln!(self.out, "{}", serde_json::to_string(r).map_err(std::io::Error::other)?),
            ListOutput::Tsv => {
                let cells: Vec<String> = stage_run_cells(r).iter().map(|c| super::rows::tsv_cell(c)).collect();
                writeln!(self.out, "{}", cells.join("\t"))
            }
            ListOutput::Table => writeln!(self.out, "{}", fixed(&stage_run_cells(r))),
        }?;
        self.out.flush()
    }
}

fn fixed(cells: &[String]) -> String {
    let parts: Vec<String> = cells
        .iter()
        .zip(FOLLOW_WIDTHS)
        .map(|(c, w)| {
            let cut = crate::text::fit(c, w);
            let pad = w.saturating_sub(crate::text::width(&cut));
            format!("{cut}{}", " ".repeat(pad))
        })
        .collect();
    parts.join("  ").trim_end().to_string()
}

// --------------------------------------------------------------------------------- webhooks

/// A webhook as `webhooks` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookRow {
    pub registry: String,
    pub stage: Option<String>,
    pub name: String,
    /// `enabled` or `disabled`.
    pub status: String,
    pub actions: Vec<String>,
    pub scope: String,
    /// The host it delivers to; the rest of its URI is never shown.
    pub service_host: Option<String>,
    /// Its newest delivery, if any.
    pub last_delivery: Option<Delivery>,
    /// Whether its newest delivery was refused or never answered.
    pub failing: bool,
}

pub const WEBHOOK_HEADER: [&str; 8] = [
    "STAGE",
    "REGISTRY",
    "WEBHOOK",
    "STATUS",
    "ACTIONS",
    "SCOPE",
    "DELIVERS TO",
    "LAST DELIVERY",
];

pub fn webhook_cells(w: &WebhookRow) -> Vec<String> {
    vec![
        w.stage.clone().unwrap_or_default(),
        w.registry.clone(),
        w.name.clone(),
        w.status.clone(),
        w.actions.join(","),
        if w.scope.is_empty() {
            "*".into()
        } else {
            w.scope.clone()
        },
        w.service_host.clone().unwrap_or_default(),
        match &w.last_delivery {
            None => "none yet".into(),
            Some(d) => format!(
                "{} {} {}{}",
                d.at.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_default(),
                d.action,
                d.status.map_or("no answer".to_string(), |s| s.to_string()),
                if w.failing { " FAILING" } else { "" }
            ),
        },
    ]
}

async fn registry_webhooks(acr: &Acr, reg: &Registry) -> Result<Vec<WebhookRow>, String> {
    let arm = acr.arm().map_err(|e| e.to_string())?;
    let r = reference(reg)?;
    let listed = collect(arm.list_webhooks(&r)).await;
    if let Some(e) = listed.error {
        return Err(e.to_string());
    }
    let mut rows = Vec::new();
    for h in listed.items {
        let (host, deliveries) = arm.webhook_detail(&r, &h.name).await;
        let host = host.unwrap_or_else(|e| {
            partial(&reg.name, &format!("webhook {}'s callback", h.name), e);
            None
        });
        let last = match deliveries {
            Ok(d) => d.into_iter().next(),
            Err(e) => {
                partial(&reg.name, &format!("webhook {}'s events", h.name), e);
                None
            }
        };
        rows.push(WebhookRow {
            registry: reg.name.clone(),
            stage: reg.stage().map(str::to_string),
            failing: last.as_ref().is_some_and(|d| !d.delivered()),
            name: h.name,
            status: h.properties.status.unwrap_or_default(),
            actions: h.properties.actions,
            scope: h.properties.scope,
            service_host: host,
            last_delivery: last,
        });
    }
    Ok(rows)
}

/// `webhooks`: each registry's webhooks with their newest delivery.
pub async fn webhooks(
    acr: &Acr,
    registries: &[Registry],
    output: crate::cli::ListOutput,
    out: &mut dyn std::io::Write,
) -> u8 {
    let mut w = RowWriter::new(output, &WEBHOOK_HEADER, webhook_cells, out);
    let mut whole = true;
    for reg in registries {
        match registry_webhooks(acr, reg).await {
            Ok(rows) => rows.iter().for_each(|r| w.push(r)),
            Err(e) => {
                partial(&reg.name, "the webhooks listing", e);
                whole = false;
            }
        }
        w.page_done();
    }
    w.finish((!whole).then(|| "a registry's webhooks could not be read (above)".to_string()))
}

pub const EVENT_HEADER: [&str; 7] = ["TIME (UTC)", "ACTION", "REPOSITORY", "TAG", "DIGEST", "STATUS", "ID"];

pub fn event_cells(d: &Delivery) -> Vec<String> {
    vec![
        d.at.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default(),
        d.action.clone(),
        d.repository.clone().unwrap_or_default(),
        d.tag.clone().unwrap_or_default(),
        d.digest.clone().unwrap_or_default(),
        match d.status {
            Some(s) if d.delivered() => s.to_string(),
            Some(s) => format!("{s} FAILED"),
            None => "no answer".into(),
        },
        d.id.clone(),
    ]
}

/// `webhooks --events NAME`: one webhook's recent deliveries, newest first.
pub async fn webhook_events(
    acr: &Acr,
    registry: &Registry,
    webhook: &str,
    output: crate::cli::ListOutput,
    out: &mut dyn std::io::Write,
) -> u8 {
    let r = match reference(registry) {
        Ok(r) => r,
        Err(e) => {
            crate::process::say(&e);
            return EXIT_FAILED;
        }
    };
    let mut w = RowWriter::new(output, &EVENT_HEADER, event_cells, out);
    let read = match acr.arm() {
        Ok(arm) => arm.deliveries(&r, webhook).await,
        Err(e) => Err(e),
    };
    match read {
        Ok(d) => {
            d.iter().for_each(|e| w.push(e));
            w.finish(None)
        }
        Err(e) => w.finish(Some(e.to_string())),
    }
}

// ----------------------------------------------------------------------------------- tokens

/// A repository-scoped token as `tokens` prints it. Never a password.
#[derive(Debug, Clone, Serialize)]
pub struct TokenRow {
    pub registry: String,
    pub stage: Option<String>,
    pub name: String,
    /// `enabled` or `disabled`.
    pub status: String,
    pub scope_map: Option<String>,
    /// What the scope map lets it do, per repository.
    pub permissions: Vec<RepositoryPermission>,
    /// When its first password expires; none: never.
    pub expiry: Option<DateTime<Utc>>,
    pub expired: bool,
    /// Expires within the window asked for (`--expiring`, else the config's warning window).
    pub expiring: bool,
}

pub const TOKEN_HEADER: [&str; 8] = [
    "STAGE",
    "REGISTRY",
    "TOKEN",
    "STATUS",
    "SCOPE MAP",
    "PERMISSIONS",
    "EXPIRES (UTC)",
    "",
];

pub fn token_cells(t: &TokenRow) -> Vec<String> {
    vec![
        t.stage.clone().unwrap_or_default(),
        t.registry.clone(),
        t.name.clone(),
        t.status.clone(),
        t.scope_map.clone().unwrap_or_default(),
        permissions_text(&t.permissions),
        t.expiry
            .map(|e| e.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_else(|| "never".into()),
        if t.expired {
            "EXPIRED".into()
        } else if t.expiring {
            "expires soon".into()
        } else {
            String::new()
        },
    ]
}

/// `apps/web: content/read,content/write; base/node: metadata/read`.
pub fn permissions_text(p: &[RepositoryPermission]) -> String {
    p.iter()
        .map(|p| format!("{}: {}", p.repository, p.actions.join(",")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One registry's tokens, joined to their scope maps, judged against `window`.
pub async fn registry_tokens(
    acr: &Acr,
    reg: &Registry,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<Vec<TokenRow>, String> {
    let arm = acr.arm().map_err(|e| e.to_string())?;
    let r = reference(reg)?;
    let tokens = collect(arm.list_tokens(&r)).await;
    if let Some(e) = tokens.error {
        return Err(e.to_string());
    }
    let maps = collect(arm.list_scope_maps(&r)).await;
    if let Some(e) = &maps.error {
        partial(&reg.name, "the scope maps listing", e);
    }
    Ok(tokens
        .items
        .iter()
        .map(|t| {
            let map = t.properties.scope_map_name();
            let expiry = t.expiry();
            TokenRow {
                registry: reg.name.clone(),
                stage: reg.stage().map(str::to_string),
                name: t.name.clone(),
                status: t.properties.status.clone().unwrap_or_default(),
                scope_map: map.map(str::to_string),
                permissions: t.grants(&maps.items),
                expiry,
                expired: t.expiry_at(now, window) == Expiry::Expired,
                expiring: matches!(t.expiry_at(now, window), Expiry::Expired | Expiry::Soon),
            }
        })
        .collect())
}

/// `tokens`: each registry's tokens; with `expiring`, only those expiring within it (expired
/// ones included), and exit status 1 when there is any.
pub async fn tokens(
    acr: &Acr,
    registries: &[Registry],
    window: Duration,
    only_expiring: bool,
    output: crate::cli::ListOutput,
    out: &mut dyn std::io::Write,
) -> u8 {
    let now = Utc::now();
    let mut w = RowWriter::new(output, &TOKEN_HEADER, token_cells, out);
    let (mut whole, mut any_expiring) = (true, false);
    for reg in registries {
        match registry_tokens(acr, reg, now, window).await {
            Ok(rows) => {
                for r in rows.iter().filter(|r| !only_expiring || r.expiring) {
                    any_expiring |= r.expiring;
                    w.push(r);
                }
            }
            Err(e) => {
                partial(&reg.name, "the tokens listing", e);
                whole = false;
            }
        }
        w.page_done();
    }
    let code = w.finish((!whole).then(|| "a registry's tokens could not be read (above)".to_string()));
    if code == EXIT_OK && only_expiring && any_expiring {
        EXIT_FAILED
    } else {
        code
    }
}

/// The newest runs the rollout listing reads of each registry, as the dashboard does.
pub const RUNS_PER_REGISTRY: u32 = 50;
