//! The Imports pane: every line of every configured images.txt with what importing it would do,
//! the operator's selection, the approval dialog with its note, and each import's progress and
//! verified outcome. Pure state and transitions; the work runs in `jobs`.

pub use crate::app::batch::RunState;
use crate::app::table::{Table, toggle_all};
use crate::imports::execute::Approved;
use crate::imports::file::{Entry, Problem};
use crate::imports::plan::Status;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// A line is known by its file and line number.
pub type LineKey = (String, usize);

/// One configured file as the last plan found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub label: String,
    /// The target's login server, when it was found.
    pub login_server: Option<String>,
    /// The registry as configured (stage name, login server or id).
    pub registry: String,
    pub lock_after_import: bool,
    pub entries: Vec<(Entry, Status)>,
    pub problems: Vec<Problem>,
    /// The file could not be read, or its registry not found.
    pub error: Option<String>,
}

/// A row of the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub file: usize,
    pub line: usize,
    pub text: String,
    pub entry: Option<Entry>,
    pub problem: Option<String>,
    pub plan: Option<Status>,
    pub run: Option<RunState>,
}

impl ImportRow {
    pub fn key(&self, files: &[PlannedFile]) -> LineKey {
        (
            files.get(self.file).map(|f| f.label.clone()).unwrap_or_default(),
            self.line,
        )
    }

    /// The word in the STATUS column: the run's state when one was approved, else the plan's.
    pub fn status_word(&self) -> &'static str {
        match (&self.run, &self.plan, &self.problem) {
            (Some(RunState::Waiting), ..) => "waiting",
            (Some(RunState::Running(_)), ..) => "importing",
            (Some(RunState::Done { outcome, .. }), ..) => outcome.name(),
            (Some(RunState::Skipped(_)), ..) => "skipped",
            (None, _, Some(_)) => "invalid",
            (None, Some(s), _) => s.name(),
            (None, None, _) => "planning",
        }
    }

    /// The search text of the row (`/` filter).
    pub fn search_text(&self) -> String {
        format!(
            "{} {} {}",
            self.status_word(),
            self.text,
            self.problem.as_deref().unwrap_or("")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproveItem {
    pub key: LineKey,
    pub file: String,
    /// The target's login server, and the registry's name.
    pub login_server: String,
    pub registry_name: String,
    pub approved: Approved,
    /// The file's policy locks the tag (write and delete) once the import is verified.
    pub lock_after: bool,
    /// Why this line will not be imported, when it will not.
    pub skip: Option<String>,
}

/// Everything the pane shows.
#[derive(Debug, Clone, Default)]
pub struct ImportsState {
    pub table: Table,
    pub files: Vec<PlannedFile>,
    pub rows: Vec<ImportRow>,
    /// A plan is being made.
    pub loading: bool,
    pub planned_at: Option<DateTime<Utc>>,
    /// The plan as a whole failed (no client, registries not listed).
    pub error: Option<crate::acr::Failure>,
    pub selected: BTreeSet<LineKey>,
    /// Imports approved and not yet ended.
    pub running: usize,
    /// The dashboard's jobs for the batches in flight (quitting warns about them).
    pub jobs: Vec<crate::app::JobId>,
}

impl ImportsState {
    /// Takes a new plan, keeping the selection of lines that still exist and the outcome of
    /// lines imported in this session (the plan then says present; the outcome says how).
    pub fn planned(&mut self, files: Vec<PlannedFile>, at: DateTime<Utc>) {
        let old: Vec<(LineKey, Option<RunState>)> =
            self.rows.iter().map(|r| (r.key(&self.files), r.run.clone())).collect();
        let mut rows = Vec::new();
        for (i, f) in files.iter().enumerate() {
            let mut file_rows: Vec<ImportRow> = f
                .entries
                .iter()
                .map(|(e, s)| ImportRow {
                    file: i,
                    line: e.line,
                    text: e.text.clone(),
                    entry: Some(e.clone()),
                    problem: None,
                    plan: Some(s.clone()),
                    run: None,
                })
                .chain(f.problems.iter().map(|p| ImportRow {
                    file: i,
                    line: p.line,
                    text: p.text.clone(),
                    entry: None,
                    problem: Some(p.message.clone()),
                    plan: None,
                    run: None,
                }))
                .collect();
            file_rows.sort_by_key(|r| r.line);
            rows.extend(file_rows);
        }
        for r in &mut rows {
            let key = r.key(&files);
            if let Some((_, run)) = old.iter().find(|(k, _)| *k == key) {
                // A run in flight or ended this session stays shown over the fresh plan.
                r.run = run.clone();
            }
        }
        let keys: BTreeSet<LineKey> = rows.iter().map(|r| r.key(&files)).collect();
        self.selected.retain(|k| keys.contains(k));
        self.files = files;
        self.rows = rows;
        self.loading = false;
        self.planned_at = Some(at);
        self.error = None;
    }

    pub fn row_mut(&mut self, key: &LineKey) -> Option<&mut ImportRow> {
        let files = &self.files;
        self.rows.iter_mut().find(|r| r.key(files) == *key)
    }

    /// Counts by status word, in a fixed order, for the title.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let order = [
            "queued",
            "drifted",
            "locked",
            "invalid",
            "unknown",
            "present",
            "waiting",
            "importing",
            "imported",
            "failed",
            "skipped",
        ];
        order
            .iter()
            .map(|w| (*w, self.rows.iter().filter(|r| r.status_word() == *w).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

use crate::acr::model::ImportMode;
use crate::app::confirmation::{Change, Confirmation};
use crate::app::{Action, Effect, Modal, Pane, State};
use crate::text::short_hex;

/// The Imports pane shows: plan it the first time.
pub fn on_show(state: &mut State) -> Vec<Effect> {
    if state.panes.imports.planned_at.is_none() && !state.panes.imports.loading {
        return plan(state);
    }
    vec![]
}

/// Plan (again) now.
pub fn plan(state: &mut State) -> Vec<Effect> {
    state.panes.imports.loading = true;
    vec![Effect::PlanImports]
}

/// The row under the cursor.
fn current(state: &State) -> Option<usize> {
    state.selected_row(Pane::Imports)
}

/// Select, select all, approve: the Imports pane's own keys.
pub fn on_command(state: &mut State, command: crate::keys::Command) -> Vec<Effect> {
    use crate::keys::Command;
    let files = state.panes.imports.files.clone();
    match command {
        Command::Select => {
            let Some(i) = current(state) else { return vec![] };
            let row = &state.panes.imports.rows[i];
            if row.entry.is_none() {
                state.flash = Some((
                    format!(
                        "line {} is invalid and cannot be imported: fix it in the file",
                        row.line
                    ),
                    true,
                ));
                return vec![];
            }
            let key = row.key(&files);
            if !state.panes.imports.selected.remove(&key) {
                state.panes.imports.selected.insert(key);
            }
            // Selecting moves on, so a run of lines is selected by holding the key.
            let n = state.row_count(Pane::Imports);
            let c = &mut state.panes.imports.table.cursor;
            *c = (*c + 1).min(n.saturating_sub(1));
        }
        Command::SelectAll => {
            let shown: Vec<LineKey> = state
                .visible(Pane::Imports)
                .iter()
                .filter_map(|&i| state.panes.imports.rows.get(i))
                .filter(|r| r.entry.is_some())
                .map(|r| r.key(&files))
                .collect();
            toggle_all(&mut state.panes.imports.selected, shown);
        }
        Command::Approve => return ask_approval(state),
        _ => {}
    }
    vec![]
}

/// What approving a row would do: its import, or why it is skipped.
fn approval_of(row: &ImportRow) -> Option<(Approved, Option<String>)> {
    let entry = row.entry.clone()?;
    let pinned = entry.source.digest.clone();
    let (mode, expected, skip) = match (&row.run, &row.plan) {
        (Some(RunState::Waiting | RunState::Running(_)), _) => {
            (ImportMode::NoForce, pinned, Some("already being imported".to_string()))
        }
        (_, Some(Status::Queued)) => (ImportMode::NoForce, pinned, None),
        (_, Some(Status::Drifted { source_digest, .. })) => (ImportMode::Force, Some(source_digest.clone()), None),
        (_, Some(Status::Present { digest, .. })) => (
            ImportMode::NoForce,
            pinned,
            Some(format!("already present at {}", short_hex(digest))),
        ),
        (_, Some(Status::Locked { .. })) => (
            ImportMode::NoForce,
            pinned,
            Some("the target is write-locked: the registry would refuse it".into()),
        ),
        (_, Some(Status::Unknown { .. })) => (
            ImportMode::NoForce,
            pinned,
            Some("its target could not be read: re-plan (ctrl-r) first".into()),
        ),
        (_, None) => (ImportMode::NoForce, pinned, Some("not planned yet".into())),
    };
    Some((
        Approved {
            entry,
            mode,
            expected_digest: expected,
        },
        skip,
    ))
}

fn ask_approval(state: &mut State) -> Vec<Effect> {
    if state.readonly {
        state.flash = Some(("read-only: imports cannot be approved".into(), true));
        return vec![];
    }
    let files = state.panes.imports.files.clone();
    let mut keys: Vec<LineKey> = state.panes.imports.selected.iter().cloned().collect();
    if keys.is_empty()
        && let Some(i) = current(state)
    {
        keys.push(state.panes.imports.rows[i].key(&files));
    }
    let mut items = Vec::new();
    for key in keys {
        let Some(row) = state.panes.imports.rows.iter().find(|r| r.key(&files) == key) else {
            continue;
        };
        let Some((approved, skip)) = approval_of(row) else {
            continue;
        };
        let Some(file) = files.get(row.file) else { continue };
        let Some(login_server) = file.login_server.clone() else {
            continue;
        };
        let registry_name = state.registry_name_of(&login_server);
        items.push(ApproveItem {
            key,
            file: file.label.clone(),
            login_server,
            registry_name,
            lock_after: file.lock_after_import,
            approved,
            skip,
        });
    }
    if items.iter().all(|i| i.skip.is_some()) {
        let why = items
            .first()
            .and_then(|i| i.skip.clone())
            .unwrap_or_else(|| "select queued or drifted lines with space".into());
        state.flash = Some((format!("nothing to import: {why}"), true));
        return vec![];
    }
    let production = items
        .iter()
        .filter(|i| i.skip.is_none())
        .any(|i| state.is_production(&i.login_server));
    let placeholder = if production {
        "why (required for production): a change number, a ticket"
    } else {
        "why (optional): a change number, a ticket"
    };
    let c = Confirmation::new(Change::Imports(items), None).with_note(placeholder, production);
    state.modal = Modal::Confirm(Box::new(c));
    vec![]
}

/// The approval was confirmed: the lines to import wait for a free slot, the skipped ones are
/// only recorded, and the batch starts.
pub fn approved(state: &mut State, items: Vec<ApproveItem>, note: String) -> Vec<Effect> {
    let n = items.iter().filter(|i| i.skip.is_none()).count();
    for item in &items {
        let run = match &item.skip {
            Some(why) => RunState::Skipped(why.clone()),
            None => RunState::Waiting,
        };
        if let Some(row) = state.panes.imports.row_mut(&item.key) {
            row.run = Some(run);
        }
    }
    state.panes.imports.selected.clear();
    state.panes.imports.running += n;
    let name = items
        .iter()
        .find(|i| i.skip.is_none())
        .map(|i| i.registry_name.clone())
        .unwrap_or_default();
    let job = state.start_job(format!("import {n} image(s) into {name}"));
    state.panes.imports.jobs.push(job);
    state.flash = Some((format!("approved: importing {n} image(s) into {name}"), false));
    vec![Effect::RunImports {
        items,
        note: (!note.is_empty()).then_some(note),
    }]
}

/// The plan arrived, an import moved on or ended, a file changed.
pub fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::ImportsPlanned { files, error } => {
            match error {
                Some(e) => {
                    state.panes.imports.loading = false;
                    state.panes.imports.error = Some(e);
                    state.panes.imports.planned_at.get_or_insert(state.now);
                }
                None => state.panes.imports.planned(files, state.now),
            }
            vec![]
        }
        Action::ImportStep { key, step } => {
            if let Some(row) = state.panes.imports.row_mut(&key) {
                row.run = Some(RunState::Running(step));
            }
            vec![]
        }
        Action::ImportDone {
            key,
            outcome,
            audit_error,
        } => {
            if let Some(e) = &audit_error {
                state.flash = Some((format!("audit trail: {e}"), true));
            }
            if let Some(row) = state.panes.imports.row_mut(&key) {
                row.run = Some(RunState::Done { outcome, audit_error });
            }
            if crate::app::batch::end_one(
                &mut state.jobs,
                &mut state.panes.imports.running,
                &mut state.panes.imports.jobs,
            ) {
                // Read back what the registry holds now.
                return plan(state);
            }
            vec![]
        }
        Action::ImportsChanged => {
            if state.panes.imports.loading {
                return vec![];
            }
            plan(state)
        }
        _ => vec![],
    }
}

pub fn filter(state: &State, query: &crate::query::Query) -> Vec<usize> {
    let im = &state.panes.imports;
    crate::app::table::keep(query, im.rows.len(), &|i| {
        let r = &im.rows[i];
        (
            r.search_text(),
            vec![
                ("status", r.status_word().to_string()),
                (
                    "file",
                    im.files.get(r.file).map(|f| f.label.clone()).unwrap_or_default(),
                ),
            ],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Environment, update};
    use crate::imports::execute::{Outcome, Step};
    use crate::keys::Keymap;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn state(readonly: bool) -> State {
        let mut s = State::new(
            Environment {
                name: "t".into(),
                detail: "t".into(),
            },
            Keymap::default(),
            readonly,
        );
        let parsed = crate::imports::file::parse(
            "images.txt",
            "quay.io/a/one:1 => a/one\nquay.io/a/two:1 => a/two\nbroken line\n",
        );
        let present = Status::Present {
            digest: "sha256:0123456789abcdef".into(),
            updated: None,
            source_digest: None,
        };
        let entries = parsed.entries.into_iter().zip([Status::Queued, present]).collect();
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE)),
        );
        update(
            &mut s,
            Action::ImportsPlanned {
                files: vec![PlannedFile {
                    label: "images.txt".into(),
                    login_server: Some("dev.azurecr.io".into()),
                    registry: "dev".into(),
                    lock_after_import: false,
                    entries,
                    problems: parsed.problems,
                    error: None,
                }],
                error: None,
            },
        );
        s
    }

    fn key(s: &mut State, code: KeyCode, m: KeyModifiers) -> Vec<Effect> {
        update(s, Action::Key(KeyEvent::new(code, m)))
    }

    #[test]
    fn select_approve_with_a_note_and_see_it_through() {
        let mut s = state(false);
        assert_eq!(s.pane, Pane::Imports);
        assert_eq!(s.panes.imports.rows.len(), 3);
        assert_eq!(s.panes.imports.rows[2].status_word(), "invalid");
        // `*` selects every importable line shown; the invalid one is left out.
        key(&mut s, KeyCode::Char('*'), KeyModifiers::NONE);
        assert_eq!(s.panes.imports.selected.len(), 2);
        key(&mut s, KeyCode::Char('y'), KeyModifiers::CONTROL);
        let d = s.modal.confirmation().expect("the dialog opens");
        assert_eq!(d.change.to_run(), 1);
        let Change::Imports(items) = &d.change else {
            panic!("{:?}", d.change)
        };
        assert!(
            items[1]
                .skip
                .as_deref()
                .unwrap()
                .starts_with("already present at 0123456789ab")
        );
        assert!(!d.note_required && d.protected.is_none());
        for c in "CHG-1".chars() {
            key(&mut s, KeyCode::Char(c), KeyModifiers::NONE);
        }
        let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        let [Effect::RunImports { items, note }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(note.as_deref(), Some("CHG-1"));
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].approved.mode, ImportMode::NoForce);
        assert_eq!(s.panes.imports.rows[0].status_word(), "waiting");
        assert_eq!(s.panes.imports.rows[1].status_word(), "skipped");
        assert_eq!(s.jobs.len(), 1, "quitting now would warn");
        let k = ("images.txt".to_string(), 1);
        update(
            &mut s,
            Action::ImportStep {
                key: k.clone(),
                step: Step::Verifying,
            },
        );
        assert_eq!(s.panes.imports.rows[0].status_word(), "importing");
        let effects = update(
            &mut s,
            Action::ImportDone {
                key: k,
                outcome: Outcome::Imported {
                    digest: "sha256:ff".into(),
                    locked: false,
                    request_ids: vec![],
                },
                audit_error: None,
            },
        );
        assert_eq!(s.panes.imports.rows[0].status_word(), "imported");
        assert!(
            matches!(effects.as_slice(), [Effect::PlanImports]),
            "read back: {effects:?}"
        );
        assert!(s.jobs.is_empty());
    }

    #[test]
    fn production_needs_a_note_invalid_lines_and_readonly_refuse() {
        let mut s = state(false);
        key(&mut s, KeyCode::Down, KeyModifiers::NONE);
        key(&mut s, KeyCode::Down, KeyModifiers::NONE);
        key(&mut s, KeyCode::Char(' '), KeyModifiers::NONE);
        assert!(s.panes.imports.selected.is_empty());
        assert!(s.flash.as_ref().unwrap().0.contains("invalid"));
        // Only a present line: nothing to approve, no dialog.
        key(&mut s, KeyCode::Up, KeyModifiers::NONE);
        key(&mut s, KeyCode::Char('y'), KeyModifiers::CONTROL);
        assert!(s.modal.confirmation().is_none());
        assert!(s.flash.as_ref().unwrap().0.starts_with("nothing to import"));
        // The queued line, as if into production: enter without a note is refused.
        key(&mut s, KeyCode::Up, KeyModifiers::NONE);
        key(&mut s, KeyCode::Char('y'), KeyModifiers::CONTROL);
        s.modal.confirmation_mut().unwrap().note_required = true;
        assert!(key(&mut s, KeyCode::Enter, KeyModifiers::NONE).is_empty());
        assert!(
            s.modal
                .confirmation()
                .unwrap()
                .error
                .as_deref()
                .unwrap()
                .contains("required")
        );
        key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
        assert!(s.modal.confirmation().is_none());
        assert_eq!(s.panes.imports.rows[0].status_word(), "queued");

        let mut ro = state(true);
        key(&mut ro, KeyCode::Char('y'), KeyModifiers::CONTROL);
        assert!(ro.modal.confirmation().is_none());
        assert!(ro.flash.as_ref().unwrap().0.contains("read-only"));
    }
}
