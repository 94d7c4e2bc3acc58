//! The Promotions pane: the stage board of one repository (tags by stages), the stage column the
//! cursor is in, the tags selected, the promotion dialog (plan, note, typed name), and each
//! promotion's progress and verified outcome. Pure state and transitions; the work runs in `jobs`.

pub use crate::app::batch::RunState;
use crate::app::confirmation::{Change, Confirmation};
use crate::app::table::{Table, toggle_all};
use crate::app::{Action, Effect, Modal, Pane, State};
use crate::imports::execute::Outcome;
use crate::promote::ResolvedStage;
use crate::promote::board::Board;
use crate::promote::promotion::{Promotion, TargetState, Verdict};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct PromotionsState {
    pub table: Table,
    /// The repository on the board.
    pub repository: Option<String>,
    pub board: Option<Board>,
    pub stages: Vec<ResolvedStage>,
    pub loading: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub error: Option<crate::acr::Failure>,
    /// The stage column the cursor is in: promotions go from it to the next stage.
    pub column: usize,
    /// Selected rows: (repository, tag).
    pub selected: BTreeSet<RowKey>,
    /// Asked to plan: waiting for the plan to open the dialog.
    pub planning: bool,
    /// Per row: the target stage and the promotion approved last, in flight or ended.
    pub runs: BTreeMap<RowKey, (String, RunState)>,
    pub running: usize,
    pub jobs: Vec<crate::app::JobId>,
}

/// A board row is known by its repository and tag.
pub type RowKey = (String, String);

impl PromotionsState {
    /// The board's row under the cursor.
    fn row_at(state: &State) -> Option<RowKey> {
        let i = state.selected_row(Pane::Promotions)?;
        let r = state.panes.promotions.board.as_ref()?.rows.get(i)?;
        Some((r.repository.clone(), r.tag.clone()))
    }
}

/// Show the board of `repository` (or of the one chosen in the other panes).
pub fn show_board(state: &mut State, repository: Option<String>) -> Vec<Effect> {
    state.pane = Pane::Promotions;
    let repo = repository
        .or_else(|| state.panes.promotions.repository.clone())
        .or_else(|| state.nav.repository.clone());
    let Some(repo) = repo else {
        return vec![];
    };
    if state.panes.promotions.repository.as_deref() != Some(repo.as_str()) {
        state.panes.promotions.repository = Some(repo);
        state.panes.promotions.board = None;
        state.panes.promotions.selected.clear();
        state.panes.promotions.runs.clear();
        state.panes.promotions.table.cursor = 0;
        return load(state);
    }
    if state.panes.promotions.board.is_none() && !state.panes.promotions.loading {
        return load(state);
    }
    vec![]
}

pub fn load(state: &mut State) -> Vec<Effect> {
    let Some(repository) = state.panes.promotions.repository.clone() else {
        return vec![];
    };
    state.panes.promotions.loading = true;
    vec![Effect::LoadBoard { repository }]
}

pub fn on_command(state: &mut State, command: crate::keys::Command) -> Vec<Effect> {
    use crate::keys::Command;
    let stages = state.panes.promotions.board.as_ref().map_or(0, |b| b.stages.len());
    match command {
        Command::Left => state.panes.promotions.column = state.panes.promotions.column.saturating_sub(1),
        Command::Right => {
            state.panes.promotions.column = (state.panes.promotions.column + 1).min(stages.saturating_sub(1))
        }
        Command::Select => {
            if let Some(key) = PromotionsState::row_at(state)
                && !state.panes.promotions.selected.remove(&key)
            {
                state.panes.promotions.selected.insert(key);
            }
            let n = state.row_count(Pane::Promotions);
            let c = &mut state.panes.promotions.table.cursor;
            *c = (*c + 1).min(n.saturating_sub(1));
        }
        Command::SelectAll => {
            let shown: Vec<RowKey> = state
                .visible(Pane::Promotions)
                .iter()
                .filter_map(|&i| {
                    let r = state.panes.promotions.board.as_ref()?.rows.get(i)?;
                    Some((r.repository.clone(), r.tag.clone()))
                })
                .collect();
            toggle_all(&mut state.panes.promotions.selected, shown);
        }
        Command::Promote => return ask(state),
        _ => {}
    }
    vec![]
}

/// Plans the selected tags (or the one under the cursor) from the cursor's stage to the next.
fn ask(state: &mut State) -> Vec<Effect> {
    if state.readonly {
        state.flash = Some(("read-only: nothing can be promoted".into(), true));
        return vec![];
    }
    let Some(board) = &state.panes.promotions.board else {
        return vec![];
    };
    let source = state.panes.promotions.column;
    if source + 1 >= board.stages.len() {
        state.flash = Some((
            format!(
                "{} is the last stage: move to the stage to promote from (h/l)",
                board.stages.get(source).cloned().unwrap_or_default()
            ),
            true,
        ));
        return vec![];
    }
    let mut items: Vec<RowKey> = state.panes.promotions.selected.iter().cloned().collect();
    if items.is_empty() {
        items.extend(PromotionsState::row_at(state));
    }
    if items.is_empty() {
        return vec![];
    }
    // A gated stage takes promotions through an approved request: ask for one instead.
    let gated = state
        .panes
        .promotions
        .stages
        .get(source + 1)
        .is_some_and(|s| s.stage.policy.gated());
    if gated {
        let [(repository, tag)] = items.as_slice() else {
            state.flash = Some((
                format!(
                    "{} takes one request per image: select one tag (or none, for the one under the cursor)",
                    board.stages[source + 1]
                ),
                true,
            ));
            return vec![];
        };
        let step = crate::app::gate::GateStep::Request {
            source,
            target: source + 1,
            repository: repository.clone(),
            tag: tag.clone(),
        };
        return crate::app::gate::ask(state, step);
    }
    state.panes.promotions.planning = true;
    state.flash = Some((
        format!(
            "reading {} tag(s) in {} and {} to plan the promotion…",
            items.len(),
            board.stages[source],
            board.stages[source + 1]
        ),
        false,
    ));
    vec![Effect::PlanPromotions {
        items,
        source,
        target: source + 1,
    }]
}

/// The registry whose name must be typed to promote these: a stage whose policy asks for it,
/// or any promotion that would replace a tag (Force).
fn name_required(promotions: &[Promotion], stages: &[ResolvedStage]) -> Option<String> {
    promotions
        .iter()
        .filter(|p| matches!(p.verdict, Verdict::Go(_)))
        .filter_map(|p| Some((p, stages.get(p.target)?)))
        .find(|(p, to)| {
            to.stage.policy.typed_confirmation || p.verdict == Verdict::Go(crate::acr::model::ImportMode::Force)
        })
        .map(|(_, to)| to.name.clone())
}

/// The promotion was confirmed: each row shows it waiting (refused ones as skipped, to be
/// recorded in the audit trail), and the batch starts.
pub fn approved(
    state: &mut State,
    promotions: Vec<Promotion>,
    stages: Vec<ResolvedStage>,
    note: String,
) -> Vec<Effect> {
    let n = promotions
        .iter()
        .filter(|p| matches!(p.verdict, Verdict::Go(_)))
        .count();
    let target = promotions
        .first()
        .and_then(|p| stages.get(p.target))
        .map(|s| s.stage.name.clone())
        .unwrap_or_default();
    for p in &promotions {
        let run = match &p.verdict {
            Verdict::Go(_) => RunState::Waiting,
            Verdict::Refused(why) => RunState::Skipped(why.clone()),
            Verdict::NothingToDo => RunState::Skipped("already there".into()),
        };
        state
            .panes
            .promotions
            .runs
            .insert((p.repository.clone(), p.tag.clone()), (target.clone(), run));
    }
    state.panes.promotions.selected.clear();
    state.panes.promotions.running += n;
    let job = state.start_job(format!("promote {n} tag(s) into {target}"));
    state.panes.promotions.jobs.push(job);
    state.flash = Some((format!("approved: promoting {n} tag(s) into {target}"), false));
    vec![Effect::RunPromotions {
        promotions,
        stages,
        note,
    }]
}

pub fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::BoardLoaded { repository, result } => {
            if state.panes.promotions.repository.as_deref() != Some(repository.as_str()) {
                return vec![];
            }
            state.panes.promotions.loading = false;
            state.panes.promotions.read_at = Some(state.now);
            match result {
                Ok((mut board, stages)) => {
                    // Rows keep their places across re-reads (new tags on top), so the cursor
                    // stays on the tag it was on after a promotion made it the newest.
                    if let Some(old) = &state.panes.promotions.board {
                        let place = |r: &crate::promote::board::BoardRow| {
                            old.rows
                                .iter()
                                .position(|o| o.tag == r.tag && o.repository == r.repository)
                        };
                        board.rows.sort_by_key(|r| place(r).map_or((0, 0), |i| (1, i)));
                    }
                    state.panes.promotions.column =
                        state.panes.promotions.column.min(board.stages.len().saturating_sub(1));
                    state.panes.promotions.board = Some(board);
                    let gated = stages.iter().any(|s| s.stage.policy.gated());
                    state.panes.promotions.stages = stages;
                    state.panes.promotions.error = None;
                    // The board marks the candidates with a request: read them with it.
                    if gated && !state.requests.loading {
                        return crate::app::gate::load(state);
                    }
                }
                Err(e) => state.panes.promotions.error = Some(e),
            }
            vec![]
        }
        Action::PromotionsPlanned(result) => {
            state.panes.promotions.planning = false;
            match result {
                Ok(promotions) => {
                    state.flash = None;
                    let stages = state.panes.promotions.stages.clone();
                    let protected = name_required(&promotions, &stages);
                    let change = Change::Promotions { promotions, stages };
                    let c = Confirmation::new(change, protected)
                        .with_note("why (required): a change number, a ticket", true);
                    state.modal = Modal::Confirm(Box::new(c));
                }
                Err(e) => state.flash = Some((format!("cannot plan the promotion: {e}"), true)),
            }
            vec![]
        }
        Action::PromotionStep { repository, tag, step } => {
            if let Some((_, run)) = state.panes.promotions.runs.get_mut(&(repository, tag)) {
                *run = RunState::Running(step);
            }
            vec![]
        }
        Action::PromotionDone {
            repository,
            tag,
            outcome,
            audit_error,
        } => {
            if let Some(e) = &audit_error {
                state.flash = Some((format!("audit trail: {e}"), true));
            } else if let Outcome::Failed { error, .. } = &outcome {
                state.flash = Some((format!("{repository}:{tag}: {error}"), true));
            }
            if let Some((_, run)) = state.panes.promotions.runs.get_mut(&(repository, tag)) {
                *run = RunState::Done { outcome, audit_error };
            }
            if crate::app::batch::end_one(
                &mut state.jobs,
                &mut state.panes.promotions.running,
                &mut state.panes.promotions.jobs,
            ) {
                // The board shows what the registries hold now, not what was asked for.
                return load(state);
            }
            vec![]
        }
        _ => vec![],
    }
}

/// A line of the dialog about one promotion's target.
pub fn target_words(p: &Promotion) -> String {
    let short = |d: &str| {
        let h = d.strip_prefix("sha256:").unwrap_or(d);
        h[..h.len().min(12)].to_string()
    };
    match &p.target_state {
        TargetState::Absent => "absent".into(),
        TargetState::Same { digest } => format!("already {}", short(digest)),
        TargetState::Different { digest } => format!("another image, {}", short(digest)),
        TargetState::Locked { digest, repository } => format!(
            "write-locked{}{}",
            if *repository { " (whole repository)" } else { "" },
            digest.as_deref().map(|d| format!(", {}", short(d))).unwrap_or_default()
        ),
    }
}

pub fn filter(state: &State, query: &crate::query::Query) -> Vec<usize> {
    let rows: &[crate::promote::board::BoardRow] = state
        .panes
        .promotions
        .board
        .as_ref()
        .map(|b| b.rows.as_slice())
        .unwrap_or(&[]);
    crate::app::table::keep(query, rows.len(), &|i| {
        let r = &rows[i];
        let digests: Vec<&str> = r.cells.iter().filter_map(|c| c.digest.as_deref()).collect();
        (
            format!("{}:{} {}", r.repository, r.tag, digests.join(" ")),
            vec![("tag", r.tag.clone()), ("repo", r.repository.clone())],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acr::model::ImportMode;
    use crate::app::{Environment, update};
    use crate::keys::Keymap;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn stage(name: &str, last: bool) -> ResolvedStage {
        ResolvedStage {
            stage: crate::promote::Stage {
                name: name.into(),
                registry: name.into(),
                policy: crate::promote::Policy {
                    typed_confirmation: last,
                    lock_write: last,
                    lock_delete: last,
                    repositories: vec![],
                    allow_replace: false,
                    allow_skip: false,
                    ..Default::default()
                },
            },
            registry: crate::acr::RegistryRef {
                subscription: "s".into(),
                resource_group: "rg".into(),
                name: format!("contoso{name}"),
            },
            login_server: format!("contoso{name}.azurecr.io"),
            name: format!("contoso{name}"),
        }
    }

    fn key(s: &mut State, code: KeyCode, m: KeyModifiers) -> Vec<Effect> {
        update(s, Action::Key(KeyEvent::new(code, m)))
    }

    fn typed(s: &mut State, text: &str) {
        for c in text.chars() {
            key(s, KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    #[test]
    fn note_and_typed_name_then_the_batch_runs_and_the_board_is_read_again() {
        let mut s = State::new(
            Environment {
                name: "t".into(),
                detail: "t".into(),
            },
            Keymap::default(),
            false,
        );
        let effects = crate::app::update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('8'), KeyModifiers::NONE)),
        );
        assert!(effects.is_empty(), "no repository chosen yet: nothing to read");
        s.panes.promotions.repository = Some("apps/web".into());
        s.panes.promotions.stages = vec![stage("uat", false), stage("prod", true)];
        let p = |tag: &str, verdict: Verdict| Promotion {
            repository: "apps/web".into(),
            tag: tag.into(),
            source: 0,
            target: 1,
            digest: "sha256:aa".into(),
            target_state: TargetState::Absent,
            verdict,
        };
        update(
            &mut s,
            Action::PromotionsPlanned(Ok(vec![
                p("1.5.0", Verdict::Go(ImportMode::NoForce)),
                p("1.4.1", Verdict::Refused("write-locked".into())),
            ])),
        );
        assert_eq!(
            s.modal.confirmation().unwrap().protected.as_deref(),
            Some("contosoprod")
        );
        // No note: refused. Note but no name: refused, and the name takes the keys.
        assert!(key(&mut s, KeyCode::Enter, KeyModifiers::NONE).is_empty());
        assert!(
            s.modal
                .confirmation()
                .unwrap()
                .error
                .as_deref()
                .unwrap()
                .contains("note")
        );
        typed(&mut s, "REL-1");
        assert!(key(&mut s, KeyCode::Enter, KeyModifiers::NONE).is_empty());
        assert!(s.modal.confirmation().unwrap().typing_name);
        typed(&mut s, "contosoprod");
        let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        let [Effect::RunPromotions { promotions, note, .. }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(note, "REL-1");
        assert_eq!(promotions.len(), 2, "the refusal goes along to be audited");
        let k = ("apps/web".to_string(), "1.5.0".to_string());
        assert!(matches!(s.panes.promotions.runs[&k].1, RunState::Waiting));
        assert!(matches!(
            s.panes.promotions.runs[&("apps/web".to_string(), "1.4.1".to_string())].1,
            RunState::Skipped(_)
        ));
        assert_eq!(s.jobs.len(), 1);
        let effects = update(
            &mut s,
            Action::PromotionDone {
                repository: k.0.clone(),
                tag: k.1.clone(),
                outcome: Outcome::Imported {
                    digest: "sha256:aa".into(),
                    locked: true,
                    request_ids: vec![],
                },
                audit_error: None,
            },
        );
        assert!(matches!(effects.as_slice(), [Effect::LoadBoard { .. }]), "{effects:?}");
        assert!(s.jobs.is_empty());
    }

    fn request_row(state: crate::promote::approval::State) -> crate::app::data::RequestRow {
        use crate::promote::approval::*;
        let now = chrono::Utc::now();
        crate::app::data::RequestRow {
            found: Found {
                id: "sha256:9ffa30104a52aaaa".into(),
                registry: "contosouat.azurecr.io".into(),
                repository: "apps/web".into(),
                request: Request {
                    source_stage: "uat".into(),
                    target_stage: "prod".into(),
                    source_registry: "contosouat.azurecr.io".into(),
                    target_registry: "contosoprod.azurecr.io".into(),
                    repository: "apps/web".into(),
                    tag: "1.5.0".into(),
                    digest: "sha256:aa".into(),
                    requester: Person {
                        object_id: "a".into(),
                        name: "ops-a".into(),
                    },
                    created: now,
                    expires: now + chrono::Duration::hours(24),
                    note: "release".into(),
                },
                reviews: vec![],
            },
            judgement: Judgement {
                state,
                counted: vec![],
                not_counted: vec![],
                blockers: vec![],
                validation: Validation::NotRequired,
            },
        }
    }

    #[test]
    fn a_gated_stage_asks_for_a_request_and_the_requests_pane_approves_and_runs() {
        use crate::app::gate::GateStep;
        use crate::promote::approval::State as Req;
        let mut s = State::new(
            Environment {
                name: "t".into(),
                detail: "t".into(),
            },
            Keymap::default(),
            false,
        );
        let mut prod = stage("prod", true);
        prod.stage.policy.approvals = 1;
        let stages = vec![stage("uat", false), prod];
        let cell = |d: Option<&str>| crate::promote::board::Cell {
            digest: d.map(str::to_string),
            write_locked: false,
            delete_locked: false,
            updated: None,
        };
        let board = Board {
            repository: "apps/web".into(),
            repositories: vec!["apps/web".into()],
            stages: vec!["uat".into(), "prod".into()],
            rows: vec![crate::promote::board::BoardRow {
                repository: "apps/web".into(),
                tag: "1.5.0".into(),
                cells: vec![cell(Some("sha256:aa")), cell(None)],
            }],
            ..Default::default()
        };
        s.pane = Pane::Promotions;
        s.panes.promotions.repository = Some("apps/web".into());
        let effects = update(
            &mut s,
            Action::BoardLoaded {
                repository: "apps/web".into(),
                result: Ok((board, stages.clone())),
            },
        );
        assert!(
            matches!(effects.as_slice(), [Effect::LoadRequests { .. }]),
            "a gated stage: its requests are read with the board: {effects:?}"
        );
        // ctrl-p into the gated stage: a request is asked for (a note, no name: it changes
        // nothing in production).
        let effects = key(&mut s, KeyCode::Char('p'), KeyModifiers::CONTROL);
        assert!(effects.is_empty(), "{effects:?}");
        let c = s.modal.confirmation().expect("the dialog");
        assert!(c.protected.is_none() && c.note_required);
        typed(&mut s, "release 1.5");
        let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        let [
            Effect::Gate {
                step, note, stages: st, ..
            },
        ] = effects.as_slice()
        else {
            panic!("{effects:?}")
        };
        assert_eq!(
            step,
            &GateStep::Request {
                source: 0,
                target: 1,
                repository: "apps/web".into(),
                tag: "1.5.0".into()
            }
        );
        assert_eq!((note.as_str(), st.len()), ("release 1.5", 2));
        // Its outcome: said, and the requests read again.
        let job = *s.jobs.keys().next().expect("a job");
        let effects = update(
            &mut s,
            Action::GateDone {
                job,
                result: Ok("request 9ffa30104a52 stored".into()),
            },
        );
        assert!(
            matches!(effects.as_slice(), [Effect::LoadRequests { .. }]),
            "{effects:?}"
        );
        assert!(s.jobs.is_empty());
        let generation = s.requests.generation;
        update(
            &mut s,
            Action::RequestsLoaded {
                generation,
                result: Ok(crate::app::data::Requests {
                    rows: vec![request_row(Req::Pending {
                        approvals: 0,
                        needed: 1,
                    })],
                    stages,
                    problems: vec![],
                }),
            },
        );
        // The board marks the candidate.
        assert_eq!(
            crate::app::gate::mark(&s, "prod", "apps/web", "1.5.0"),
            Some(("⧗ 0/1".to_string(), false))
        );
        // A failed validation is said on the board too.
        if let Some(r) = s.requests.value.as_mut() {
            r.rows[0].judgement.validation = crate::promote::approval::Validation::Failed {
                task: "validate-base-image".into(),
                run_id: "co3".into(),
                status: "Failed".into(),
            };
        }
        assert_eq!(
            crate::app::gate::mark(&s, "prod", "apps/web", "1.5.0"),
            Some(("⧗ 0/1, validation failed".to_string(), true))
        );
        if let Some(r) = s.requests.value.as_mut() {
            r.rows[0].judgement.validation = crate::promote::approval::Validation::NotRequired;
        }
        // The Requests pane: a pending request cannot run (said at once); approving asks for a
        // note and the production registry's name.
        crate::app::navigate::show(&mut s, Pane::Requests);
        s.sync_rows();
        assert!(key(&mut s, KeyCode::Char('p'), KeyModifiers::CONTROL).is_empty());
        assert!(s.modal.confirmation().is_none());
        assert!(
            s.flash
                .as_ref()
                .is_some_and(|(t, bad)| *bad && t.contains("0 of the 1"))
        );
        key(&mut s, KeyCode::Char('y'), KeyModifiers::CONTROL);
        let c = s.modal.confirmation().expect("the dialog");
        assert_eq!(c.protected.as_deref(), Some("contosoprod"));
        typed(&mut s, "checked");
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
        typed(&mut s, "contosoprod");
        let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        assert!(
            matches!(effects.as_slice(), [Effect::Gate { step: GateStep::Approve { id }, .. }] if id.starts_with("sha256:9ffa")),
            "{effects:?}"
        );
        // Read-only: nothing is asked.
        s.readonly = true;
        key(&mut s, KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert!(s.modal.confirmation().is_none());
    }
}
