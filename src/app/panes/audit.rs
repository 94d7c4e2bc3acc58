//! The Audit pane: the trail's changes (intent and outcome together), newest first.

use crate::app::table::Table;
use crate::app::{Action, Effect, State};
use crate::audit::Entry;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct AuditView {
    pub table: Table,
    pub entries: Vec<Entry>,
    /// Lines of the file that are not records (a torn last line after a crash).
    pub unreadable_lines: usize,
    pub path: Option<String>,
    pub loading: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub error: Option<crate::acr::Failure>,
}

pub fn load(state: &mut State) -> Vec<Effect> {
    state.panes.audit.loading = true;
    vec![Effect::LoadAudit]
}

pub fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    if let Action::AuditLoaded(result) = action {
        state.panes.audit.loading = false;
        state.panes.audit.read_at = Some(state.now);
        match result {
            Ok((records, bad, path)) => {
                state.panes.audit.entries = crate::audit::entries(records);
                state.panes.audit.unreadable_lines = bad;
                state.panes.audit.path = Some(path);
                state.panes.audit.error = None;
            }
            Err(e) => state.panes.audit.error = Some(e),
        }
    }
    vec![]
}

pub fn filter(state: &State, query: &crate::query::Query) -> Vec<usize> {
    let entries = &state.panes.audit.entries;
    crate::app::table::keep(query, entries.len(), &|i| search(&entries[i]))
}

/// The search text and columns of an entry for the `/` filter.
pub fn search(e: &Entry) -> (String, Vec<(&'static str, String)>) {
    let Some(r) = e.latest() else {
        return (String::new(), vec![]);
    };
    let text = format!(
        "{} {} {} {} {} {} {} {}",
        r.action,
        e.outcome_word(),
        r.operator.principal,
        r.target,
        r.source.as_deref().unwrap_or(""),
        r.target_digest.as_deref().or(r.source_digest.as_deref()).unwrap_or(""),
        r.note.as_deref().unwrap_or(""),
        r.error.as_deref().unwrap_or("")
    );
    (
        text,
        vec![
            ("action", r.action.clone()),
            ("outcome", e.outcome_word().to_string()),
            ("operator", r.operator.principal.clone()),
        ],
    )
}
