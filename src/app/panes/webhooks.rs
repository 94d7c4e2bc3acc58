//! The Webhooks pane: every registry's webhooks in stage order (actions, scope, status, the host
//! they deliver to), those whose newest delivery failed marked; the selected webhook's deliveries
//! below; a ping (asks first, audited, its event read back).

use crate::acr::RegistryRef;
use crate::app::data::{Loadable, WebhookRow, combined};
use crate::app::mutation::Mutation;
use crate::app::table::{Table, keep};
use crate::app::{Effect, Pane, State};
use crate::keys::Command;
use crate::query::Query;

/// The rows are the shared listings (`State::webhooks`, read by `app::hooks`).
#[derive(Debug, Clone, Default)]
pub struct WebhooksPane {
    pub table: Table,
}

/// Every registry's listing seen as one (for the title and the banner).
pub fn overall(state: &State) -> Loadable<()> {
    combined(state.webhooks.values())
}

/// The rows, in stage order: (login server, registry name, stage, webhook).
pub fn rows(state: &State) -> Vec<(&str, &str, Option<&str>, &WebhookRow)> {
    state
        .registry_rows()
        .iter()
        .flat_map(|r| {
            let ls = r.registry.properties.login_server.as_str();
            state
                .webhooks
                .get(ls)
                .and_then(|l| l.value.as_deref())
                .unwrap_or(&[])
                .iter()
                .map(move |w| (ls, r.registry.name.as_str(), r.registry.stage(), w))
        })
        .collect()
}

/// The selected row.
pub fn selected(state: &State) -> Option<(&str, &str, &WebhookRow)> {
    let i = state.selected_row(Pane::Webhooks)?;
    rows(state).get(i).map(|(ls, name, _, w)| (*ls, *name, *w))
}

/// The pane's own keys: ping.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    match command {
        Command::Ping => Some(ask_ping(state)),
        _ => None,
    }
}

fn ask_ping(state: &mut State) -> Vec<Effect> {
    let Some((ls, name, w)) = selected(state) else {
        state.flash = Some(("no webhook here to ping".into(), true));
        return vec![];
    };
    let Some(registry) = state
        .registry_rows()
        .iter()
        .find(|r| r.registry.properties.login_server == ls)
        .and_then(|r| RegistryRef::parse(&r.registry.id))
    else {
        return vec![];
    };
    let mutation = Mutation::PingWebhook {
        registry,
        login_server: ls.to_string(),
        registry_name: name.to_string(),
        webhook: w.webhook.name.clone(),
    };
    crate::app::mutation::ask(state, vec![mutation])
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let rows = rows(state);
    keep(query, rows.len(), &|i| {
        let (_, registry, stage, w) = rows[i];
        let p = &w.webhook.properties;
        let status = p.status.clone().unwrap_or_default();
        let host = w.host.clone().unwrap_or_default();
        let delivery = if w.failing() { "failing" } else { "ok" };
        let actions = p.actions.join(",");
        (
            format!(
                "{} {registry} {} {status} {actions} {} {host} {delivery}",
                stage.unwrap_or(""),
                w.webhook.name,
                p.scope
            ),
            vec![
                ("stage", stage.unwrap_or("").to_string()),
                ("registry", registry.to_string()),
                ("name", w.webhook.name.clone()),
                ("status", status),
                ("actions", actions),
                ("scope", p.scope.clone()),
                ("host", host),
                ("delivery", delivery.into()),
            ],
        )
    })
}
