//! The Cache rules pane: the chosen registry's cache rules joined with their credential sets.

use crate::acr::Failure;
use crate::acr::model::{CacheRule, CredentialSet};
use crate::app::data::{CacheRuleRow, Loadable};
use crate::app::table::{Table, keep};
use crate::app::{Effect, Page, State};
use crate::query::Query;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct CacheRulesPane {
    pub table: Table,
    /// Rules by registry (login server).
    pub listings: HashMap<String, Loadable<Vec<CacheRuleRow>>>,
}

pub fn load(state: &mut State) -> Vec<Effect> {
    let Some((registry, ls)) = state.current_registry_ref() else {
        return vec![];
    };
    let generation = state.panes.cache_rules.listings.entry(ls.clone()).or_default().begin();
    vec![Effect::LoadCacheRules {
        registry,
        login_server: ls,
        generation,
    }]
}

pub fn loaded(
    state: &mut State,
    login_server: String,
    page: Page,
    rules: Vec<CacheRule>,
    credentials: Vec<CredentialSet>,
    error: Option<Failure>,
) {
    let now = state.now;
    let rows: Vec<CacheRuleRow> = rules
        .into_iter()
        .map(|rule| {
            let credential = rule
                .credential_set_name()
                .and_then(|n| credentials.iter().find(|c| c.name.eq_ignore_ascii_case(n)))
                .cloned();
            CacheRuleRow { rule, credential }
        })
        .collect();
    let l = state.panes.cache_rules.listings.entry(login_server).or_default();
    if l.take_page(page.generation, rows) && page.last {
        l.finish(page.generation, error, now);
    }
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let reg = state.nav.registry.clone().unwrap_or_default();
    let rules: &[CacheRuleRow] = state
        .panes
        .cache_rules
        .listings
        .get(&reg)
        .and_then(|l| l.value.as_deref())
        .unwrap_or(&[]);
    keep(query, rules.len(), &|i| {
        let r = &rules[i];
        let p = &r.rule.properties;
        let cred = r.rule.credential_set_name().unwrap_or("").to_string();
        let health = r
            .credential
            .as_ref()
            .map(|c| c.health().to_string())
            .unwrap_or_default();
        let state = p.provisioning_state.as_ref().map(|s| s.to_string()).unwrap_or_default();
        (
            format!(
                "{} {} {} {cred} {health} {state}",
                r.rule.name, p.source_repository, p.target_repository
            ),
            vec![
                ("name", r.rule.name.clone()),
                ("source", p.source_repository.clone()),
                ("target", p.target_repository.clone()),
                ("credential", cred),
                ("health", health),
                ("state", state),
            ],
        )
    })
}
