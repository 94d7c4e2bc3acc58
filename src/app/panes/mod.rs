//! One module per pane: its state (cursor, filter and rows in a [`Table`](super::table::Table),
//! the listings it shows), its keys and how actions change it. Panes never import one another:
//! what two panes share lives beside them in `app/` (the registries list on `State`, `data`,
//! `table`, `batch`, `mutation`), and moving between panes is `app::navigate`'s.

pub mod audit;
pub mod cache_rules;
pub mod imports;
pub mod locks;
pub mod promotions;
pub mod registries;
pub mod repositories;
pub mod requests;
pub mod rollout;
pub mod runs;
pub mod tags;
pub mod tokens;
pub mod webhooks;

use super::Pane;
use super::table::Table;

/// Every pane's own state.
#[derive(Debug, Clone, Default)]
pub struct Panes {
    pub registries: registries::RegistriesPane,
    pub repositories: repositories::RepositoriesPane,
    pub tags: tags::TagsPane,
    pub locks: locks::LocksPane,
    pub cache_rules: cache_rules::CacheRulesPane,
    pub runs: runs::RunsPane,
    pub imports: imports::ImportsState,
    pub promotions: promotions::PromotionsState,
    pub audit: audit::AuditView,
    pub rollout: rollout::RolloutPane,
    pub webhooks: webhooks::WebhooksPane,
    pub tokens: tokens::TokensPane,
    pub requests: requests::RequestsPane,
}

impl Panes {
    pub fn table(&self, pane: Pane) -> &Table {
        match pane {
            Pane::Registries => &self.registries.table,
            Pane::Repositories => &self.repositories.table,
            Pane::Tags => &self.tags.table,
            Pane::Locks => &self.locks.table,
            Pane::CacheRules => &self.cache_rules.table,
            Pane::Runs => &self.runs.table,
            Pane::Imports => &self.imports.table,
            Pane::Promotions => &self.promotions.table,
            Pane::Audit => &self.audit.table,
            Pane::Rollout => &self.rollout.table,
            Pane::Webhooks => &self.webhooks.table,
            Pane::Tokens => &self.tokens.table,
            Pane::Requests => &self.requests.table,
        }
    }

    pub fn table_mut(&mut self, pane: Pane) -> &mut Table {
        match pane {
            Pane::Registries => &mut self.registries.table,
            Pane::Repositories => &mut self.repositories.table,
            Pane::Tags => &mut self.tags.table,
            Pane::Locks => &mut self.locks.table,
            Pane::CacheRules => &mut self.cache_rules.table,
            Pane::Runs => &mut self.runs.table,
            Pane::Imports => &mut self.imports.table,
            Pane::Promotions => &mut self.promotions.table,
            Pane::Audit => &mut self.audit.table,
            Pane::Rollout => &mut self.rollout.table,
            Pane::Webhooks => &mut self.webhooks.table,
            Pane::Tokens => &mut self.tokens.table,
            Pane::Requests => &mut self.requests.table,
        }
    }
}

/// The rows a pane shows for a query, as indices into its list.
pub fn filter(state: &super::State, pane: Pane, query: &crate::query::Query) -> Vec<usize> {
    match pane {
        Pane::Registries => registries::filter(state, query),
        Pane::Repositories => repositories::filter(state, query),
        Pane::Tags => tags::filter(state, query),
        Pane::Locks => locks::filter(state, query),
        Pane::CacheRules => cache_rules::filter(state, query),
        Pane::Runs => runs::filter(state, query),
        Pane::Imports => imports::filter(state, query),
        Pane::Promotions => promotions::filter(state, query),
        Pane::Audit => audit::filter(state, query),
        Pane::Rollout => rollout::filter(state, query),
        Pane::Webhooks => webhooks::filter(state, query),
        Pane::Tokens => tokens::filter(state, query),
        Pane::Requests => requests::filter(state, query),
    }
}
