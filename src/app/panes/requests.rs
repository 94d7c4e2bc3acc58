//! The Requests pane: every promotion request into a gated stage (`State::requests`), newest
//! first, with where it stands now; the selected one's note, reviews, the approvals that do
//! not count and why, and its validation run. Its keys approve, reject and run (`app::gate`).

use crate::app::gate::{self, GateStep};
use crate::app::table::{Table, keep};
use crate::app::{Effect, Pane, State};
use crate::keys::Command;
use crate::promote::approval::State as RequestState;
use crate::query::Query;

#[derive(Debug, Clone, Default)]
pub struct RequestsPane {
    pub table: Table,
}

/// Reads the requests when the pane is shown and nothing was read yet.
pub fn show(state: &mut State) -> Vec<Effect> {
    if state.requests.value.is_none() && !state.requests.loading {
        gate::load(state)
    } else {
        vec![]
    }
}

/// `pending`, `approved`, `blocked`, `rejected`, `expired`, `moved`, `promoted`.
pub fn state_word(r: &crate::app::data::RequestRow) -> &'static str {
    match &r.judgement.state {
        RequestState::Pending { .. } => "pending",
        RequestState::Approved { .. } if r.judgement.blockers.is_empty() => "approved",
        RequestState::Approved { .. } => "blocked",
        RequestState::Rejected { .. } => "rejected",
        RequestState::Expired { .. } => "expired",
        RequestState::Moved { .. } => "moved",
        RequestState::Promoted => "promoted",
    }
}

pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let step = |id: String| match command {
        Command::Approve => Some(GateStep::Approve { id }),
        Command::Reject => Some(GateStep::Reject { id }),
        Command::Promote => Some(GateStep::Run { id }),
        _ => None,
    };
    if !matches!(command, Command::Approve | Command::Reject | Command::Promote) {
        return None;
    }
    let Some(row) = state.selected_row(Pane::Requests).and_then(|i| gate::row(state, i)) else {
        state.flash = Some(("no request here".into(), true));
        return Some(vec![]);
    };
    // A step that cannot be taken is said now, not after a dialog.
    if command == Command::Promote
        && let Some(why) = row.judgement.refusal()
    {
        state.flash = Some((format!("cannot run it: {why}"), true));
        return Some(vec![]);
    }
    let id = row.found.id.clone();
    Some(step(id).map(|s| gate::ask(state, s)).unwrap_or_default())
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let rows: &[crate::app::data::RequestRow] = state.requests.value.as_ref().map_or(&[], |r| &r.rows);
    keep(query, rows.len(), &|i| {
        let r = &rows[i];
        let q = &r.found.request;
        let word = state_word(r).to_string();
        (
            format!(
                "{} {} {} {} {} {} {word} {}",
                r.found.id, q.source_stage, q.target_stage, q.repository, q.tag, q.requester.name, q.note
            ),
            vec![
                ("state", word),
                ("stage", q.target_stage.clone()),
                ("repository", q.repository.clone()),
                ("requester", q.requester.name.clone()),
            ],
        )
    })
}
