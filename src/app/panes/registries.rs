//! The Registries pane: every registry of the environment in stage order, with its storage and
//! health. The list itself lives in `State::registries`, since every pane reads it.

use crate::acr::model::{Registry, Replication};
use crate::acr::{Failure, RegistryRef};
use crate::app::data::RegistryRow;
use crate::app::table::{Table, keep};
use crate::app::{Effect, Page, Refresh, State};
use crate::query::Query;

#[derive(Debug, Clone, Default)]
pub struct RegistriesPane {
    pub table: Table,
}

/// Reads the registries again.
pub fn load(state: &mut State) -> Vec<Effect> {
    let generation = state.registries.begin();
    vec![Effect::LoadRegistries { generation }]
}

/// A registries listing ended: keep what was known of each registry (storage, health) across
/// the refresh, read each one's usage, and read the list again later.
pub fn loaded(state: &mut State, page: Page, registries: Vec<Registry>, error: Option<Failure>) -> Vec<Effect> {
    if !state.registries.is_current(page.generation) {
        return vec![];
    }
    let rows: Vec<RegistryRow> = registries
        .into_iter()
        .map(|r| {
            let old = state.registries.value.iter().flatten().find(|o| o.registry.id == r.id);
            RegistryRow {
                storage: old.and_then(|o| o.storage),
                health: old.and_then(|o| o.health.clone()),
                replicas: old.and_then(|o| o.replicas.clone()),
                registry: r,
            }
        })
        .collect();
    let mut effects: Vec<Effect> = rows
        .iter()
        .filter_map(|r| {
            let registry = RegistryRef::parse(&r.registry.id)?;
            Some(Effect::LoadUsage {
                registry,
                login_server: r.registry.properties.login_server.clone(),
            })
        })
        .collect();
    state.registries.take_page(page.generation, rows);
    if page.last {
        state.registries.finish(page.generation, error, state.now);
    }
    effects.push(Effect::RefreshLater {
        after: state.refresh.listings,
        refresh: Refresh::Registries,
    });
    effects
}

/// A registry's storage usage arrived: (used, limit), or why it could not be read.
pub fn usage(state: &mut State, login_server: &str, usage: Result<(u64, u64), Failure>) {
    if let Some(row) = state.registry_row_mut(login_server) {
        match usage {
            Ok(u) => {
                row.storage = Some(u);
                row.health = None;
            }
            Err(e) => row.health = Some(e),
        }
    }
}

/// A registry's replications were read (with its usage).
pub fn replicas(state: &mut State, login_server: &str, replicas: Result<Vec<Replication>, Failure>) {
    if let Some(row) = state.registry_row_mut(login_server) {
        row.replicas = Some(replicas);
    }
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let rows = state.registry_rows();
    keep(query, rows.len(), &|i| {
        let r = &rows[i].registry;
        let stage = r.stage().unwrap_or("").to_string();
        let not_ready = rows[i].replicas_not_ready();
        let health = if rows[i].health.is_some() {
            "failing"
        } else if !not_ready.is_empty() {
            "replica"
        } else {
            "ok"
        };
        let replicas: Vec<String> = match &rows[i].replicas {
            Some(Ok(list)) => list.iter().map(|p| format!("{} {}", p.location, p.state())).collect(),
            _ => Vec::new(),
        };
        let replicas = replicas.join(" ");
        let text = format!(
            "{stage} {} {} {} {} {health} {replicas}",
            r.name, r.properties.login_server, r.sku.name, r.location
        );
        (
            text,
            vec![
                ("stage", stage),
                ("name", r.name.clone()),
                ("sku", r.sku.name.to_string()),
                ("health", health.into()),
                ("replicas", replicas.clone()),
            ],
        )
    })
}
