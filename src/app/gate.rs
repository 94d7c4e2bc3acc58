//! The two-person rule from the dashboard: asking for a promotion into a gated stage (from the
//! Promotions board), approving or rejecting a request, running an approved one (from the
//! Requests pane). Each is confirmed in the one dialog (a note for a request and a review, the
//! registry's name typed where the target stage protects it), runs as a job, and what it did is
//! read back by reading the requests again. The requests themselves are `State::requests`.

use super::confirmation::{Change, Confirmation};
use super::data::{RequestRow, Requests};
use super::{Effect, JobId, Modal, State};
use crate::acr::Failure;
use crate::promote::ResolvedStage;
use crate::promote::approval::{State as RequestState, Validation};
use crate::text::short_hex;

/// One step of the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateStep {
    /// Ask for promoting `repository:tag` from stage `source` to stage `target` (indices into
    /// the stages).
    Request {
        source: usize,
        target: usize,
        repository: String,
        tag: String,
    },
    Approve {
        id: String,
    },
    Reject {
        id: String,
    },
    Run {
        id: String,
    },
}

impl GateStep {
    /// In words, for the dialog, the footer and the job list.
    pub fn describe(&self, requests: &Requests) -> String {
        let about = |id: &str| {
            requests
                .rows
                .iter()
                .find(|r| r.found.id == id)
                .map(|r| {
                    let q = &r.found.request;
                    format!(
                        "{}:{} {} -> {} (request {} by {})",
                        q.repository,
                        q.tag,
                        q.source_stage,
                        q.target_stage,
                        short_hex(id),
                        q.requester.name
                    )
                })
                .unwrap_or_else(|| format!("request {}", short_hex(id)))
        };
        match self {
            GateStep::Request {
                source,
                target,
                repository,
                tag,
            } => {
                let name = |i: &usize| requests.stages.get(*i).map_or("?", |s| s.stage.name.as_str());
                format!(
                    "ask for promoting {repository}:{tag} from {} to {}",
                    name(source),
                    name(target)
                )
            }
            GateStep::Approve { id } => format!("approve {}", about(id)),
            GateStep::Reject { id } => format!("reject {}", about(id)),
            GateStep::Run { id } => format!("promote {}", about(id)),
        }
    }

    /// Whether the dialog asks for a note, and requires it.
    fn note(&self) -> Option<(&'static str, bool)> {
        match self {
            GateStep::Request { .. } => Some(("why: a change, a ticket, a release", true)),
            GateStep::Approve { .. } => Some(("what you checked", true)),
            GateStep::Reject { .. } => Some(("why not", true)),
            GateStep::Run { .. } => None,
        }
    }
}

/// Reads every request into a gated stage again.
pub fn load(state: &mut State) -> Vec<Effect> {
    state.requests.loading = true;
    state.requests.generation += 1;
    vec![Effect::LoadRequests {
        generation: state.requests.generation,
    }]
}

/// The requests were read (and judged).
pub fn loaded(state: &mut State, generation: u64, result: Result<Requests, Failure>) {
    if generation != state.requests.generation {
        return;
    }
    let now = state.now;
    match result {
        Ok(r) => state.requests.settle(r, None, now, true),
        Err(e) => state.requests.settle(Requests::default(), Some(e), now, false),
    }
}

/// The request of a row of the Requests pane.
pub fn row(state: &State, i: usize) -> Option<&RequestRow> {
    state.requests.value.as_ref()?.rows.get(i)
}

/// Opens the dialog for a step; `protected`: the registry whose name must be typed.
pub fn ask(state: &mut State, step: GateStep) -> Vec<Effect> {
    if state.readonly {
        state.flash = Some(("read-only: requests can be read, not written".into(), true));
        return vec![];
    }
    let mut requests = state.requests.value.clone().unwrap_or_default();
    // Before any request was read, the stages are the board's.
    if requests.stages.is_empty() {
        requests.stages = state.panes.promotions.stages.clone();
    }
    let target = match &step {
        GateStep::Request { target, .. } => requests.stages.get(*target).cloned(),
        GateStep::Approve { id } | GateStep::Reject { id } | GateStep::Run { id } => requests
            .rows
            .iter()
            .find(|r| &r.found.id == id)
            .and_then(|r| {
                requests
                    .stages
                    .iter()
                    .find(|s| s.stage.name == r.found.request.target_stage)
            })
            .cloned(),
    };
    // Approving and running change what production will hold: the protected registry's name is
    // typed for those; asking and rejecting change nothing there.
    let protected = target
        .filter(|t| {
            t.stage.policy.typed_confirmation && matches!(step, GateStep::Approve { .. } | GateStep::Run { .. })
        })
        .map(|t| t.name);
    let lines = dialog_lines(&step, &requests);
    let mut c = Confirmation::new(
        Change::Gate {
            step: step.clone(),
            lines,
            stages: requests.stages.clone(),
        },
        protected,
    );
    if let Some((placeholder, required)) = step.note() {
        c = c.with_note(placeholder, required);
    }
    state.modal = Modal::Confirm(Box::new(c));
    vec![]
}

/// What the dialog says: the step in words, then what it writes where and what will count.
fn dialog_lines(step: &GateStep, requests: &Requests) -> Vec<String> {
    let mut lines = vec![format!("About to {}.", step.describe(requests))];
    let row = |id: &str| requests.rows.iter().find(|r| r.found.id == id);
    match step {
        GateStep::Request { target, .. } => {
            let policy = requests
                .stages
                .get(*target)
                .map(|t| t.stage.policy.clone())
                .unwrap_or_default();
            lines.push(format!(
                "A request artifact is pushed next to the image (its subject); it needs {} approval(s) by other \
                 operators{} and is valid for {} h.",
                policy.approvals,
                policy
                    .require_run
                    .as_ref()
                    .map(|(task, _)| format!(" and a successful {task} run of this digest"))
                    .unwrap_or_default(),
                policy.request_ttl.num_hours()
            ));
        }
        GateStep::Approve { id } | GateStep::Reject { id } => {
            if let Some(r) = row(id) {
                let q = &r.found.request;
                lines.push(format!("Digest {}; the requester's note: {}", q.digest, q.note));
            }
            lines.push("A review artifact is pushed next to the request, naming you and this digest.".into());
        }
        GateStep::Run { id } => {
            if let Some(r) = row(id) {
                let q = &r.found.request;
                let approvers: Vec<&str> = r.judgement.counted.iter().map(|p| p.name.as_str()).collect();
                lines.push(format!(
                    "Imports {}@{} into {} by digest, reads it back, locks it as {}'s policy says. Approved by {}.",
                    q.repository,
                    q.digest,
                    q.target_registry,
                    q.target_stage,
                    if approvers.is_empty() {
                        "nobody (none needed)".to_string()
                    } else {
                        approvers.join(", ")
                    }
                ));
            }
            lines.push("It is judged again first: approvals, expiry, the tag, the validation run.".into());
        }
    }
    lines
}

/// The operator went ahead: the step starts as a job, against the stages the dialog showed.
pub fn confirmed(state: &mut State, step: GateStep, stages: Vec<ResolvedStage>, note: String) -> Vec<Effect> {
    let mut requests = state.requests.value.clone().unwrap_or_default();
    requests.stages = stages;
    let what = step.describe(&requests);
    let job = state.start_job(what.clone());
    state.flash = Some((format!("working: {what}…"), false));
    vec![Effect::Gate {
        job,
        step,
        note,
        stages: requests.stages,
    }]
}

/// A step ended: say how (what the registry holds now), and read the requests again (and the
/// board, which a promotion changed).
pub fn done(state: &mut State, job: JobId, result: Result<String, String>) -> Vec<Effect> {
    state.jobs.remove(&job);
    let promoted = matches!(&result, Ok(t) if t.starts_with("promoted"));
    state.flash = Some(match result {
        Ok(text) => (format!("done: {text}"), false),
        Err(e) => (format!("not done: {e}"), true),
    });
    let mut effects = load(state);
    if promoted && state.panes.promotions.board.is_some() {
        effects.extend(super::panes::promotions::load(state));
    }
    effects
}

/// A candidate's mark on the board: the request into `target` for this image, if any, and how
/// it stands (`⧗ 0/1`, `✓ 1/1`, `✓ 1/1, validation failed`, `✗ rejected`); true when something
/// stands in its way.
pub fn mark(state: &State, target_stage: &str, repository: &str, tag: &str) -> Option<(String, bool)> {
    let rows = &state.requests.value.as_ref()?.rows;
    let r = rows.iter().find(|r| {
        let q = &r.found.request;
        q.target_stage == target_stage
            && q.repository == repository
            && q.tag == tag
            && matches!(
                r.judgement.state,
                RequestState::Pending { .. } | RequestState::Approved { .. } | RequestState::Rejected { .. }
            )
    })?;
    // What stands in the way besides approvals, in a word: the validation gate.
    let gate = match &r.judgement.validation {
        Validation::Failed { .. } => Some("validation failed"),
        Validation::Missing { .. } => Some("no validation run"),
        Validation::Unreadable { .. } => Some("validation unreadable"),
        _ => None,
    };
    let with_gate = |text: String| match gate {
        Some(g) => (format!("{text}, {g}"), true),
        None => (text, false),
    };
    Some(match &r.judgement.state {
        RequestState::Pending { approvals, needed } => with_gate(format!("⧗ {approvals}/{needed}")),
        RequestState::Approved { approvals, needed } => with_gate(format!("✓ {approvals}/{needed}")),
        _ => ("✗ rejected".into(), true),
    })
}
