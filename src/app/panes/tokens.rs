//! The Tokens pane: every registry's repository-scoped tokens in stage order, with what their
//! scope maps let them do, their status and when their passwords expire: a warning within the
//! configured window (`[tokens] expiry_warning_days`), an error once expired. Never a password:
//! nothing here asks the service for one.

use crate::acr::{Failure, RegistryRef};
use crate::app::data::{Expiry, Loadable, TokenRow, combined};
use crate::app::table::{Table, keep};
use crate::app::{Effect, Page, State};
use crate::query::Query;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct TokensPane {
    pub table: Table,
    /// Tokens by registry (login server).
    pub listings: HashMap<String, Loadable<Vec<TokenRow>>>,
}

impl TokensPane {
    /// Every registry's listing seen as one (for the title and the banner).
    pub fn overall(&self) -> Loadable<()> {
        combined(self.listings.values())
    }
}

/// The rows, in stage order: (registry name, stage, token).
pub fn rows(state: &State) -> Vec<(&str, Option<&str>, &TokenRow)> {
    state
        .registry_rows()
        .iter()
        .flat_map(|r| {
            state
                .panes
                .tokens
                .listings
                .get(&r.registry.properties.login_server)
                .and_then(|l| l.value.as_deref())
                .unwrap_or(&[])
                .iter()
                .map(move |t| (r.registry.name.as_str(), r.registry.stage(), t))
        })
        .collect()
}

/// How many tokens have expired, and how many expire within the window.
pub fn expiring(state: &State) -> (usize, usize) {
    rows(state).iter().fold((0, 0), |(gone, soon), (_, _, t)| {
        match t.expiry(state.now, state.token_warning) {
            Expiry::Expired => (gone + 1, soon),
            Expiry::Soon => (gone, soon + 1),
            _ => (gone, soon),
        }
    })
}

/// Reads the tokens of every registry (`all`), or of those not read yet.
pub fn load(state: &mut State, all: bool) -> Vec<Effect> {
    let targets: Vec<(RegistryRef, String)> = state
        .registry_rows()
        .iter()
        .filter_map(|r| {
            Some((
                RegistryRef::parse(&r.registry.id)?,
                r.registry.properties.login_server.clone(),
            ))
        })
        .collect();
    let mut effects = Vec::new();
    for (registry, login_server) in targets {
        let l = state.panes.tokens.listings.entry(login_server.clone()).or_default();
        if !all && !l.needs_read() {
            continue;
        }
        effects.push(Effect::LoadTokens {
            registry,
            login_server,
            generation: l.begin(),
        });
    }
    effects
}

pub fn loaded(state: &mut State, login_server: String, page: Page, tokens: Vec<TokenRow>, error: Option<Failure>) {
    let now = state.now;
    let l = state.panes.tokens.listings.entry(login_server).or_default();
    if l.take_page(page.generation, tokens) && page.last {
        l.finish(page.generation, error, now);
    }
}

/// `expired`, `soon`, `later` or `never`, for the filter and the screen.
pub fn expiry_word(e: Expiry) -> &'static str {
    match e {
        Expiry::Expired => "expired",
        Expiry::Soon => "soon",
        Expiry::Later => "later",
        Expiry::Never => "never",
    }
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let rows = rows(state);
    keep(query, rows.len(), &|i| {
        let (registry, stage, t) = rows[i];
        let status = t.token.properties.status.clone().unwrap_or_default();
        let map = t.scope_map.clone().unwrap_or_default();
        let repos: Vec<&str> = t.permissions.iter().map(|p| p.repository.as_str()).collect();
        let repos = repos.join(" ");
        let expiry = expiry_word(t.expiry(state.now, state.token_warning));
        (
            format!(
                "{} {registry} {} {status} {map} {repos} {expiry}",
                stage.unwrap_or(""),
                t.token.name
            ),
            vec![
                ("stage", stage.unwrap_or("").to_string()),
                ("registry", registry.to_string()),
                ("name", t.token.name.clone()),
                ("status", status),
                ("map", map),
                ("repository", repos.clone()),
                ("expiry", expiry.into()),
            ],
        )
    })
}
