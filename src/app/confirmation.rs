//! The one way a change is confirmed, whatever it is (a lock or unlock, a run cancelled or
//! scheduled, queued imports approved, tags promoted): the dialog shows exactly what will be
//! done; a protected registry's name must be typed; a note for the audit trail is asked for
//! where the change takes one, and required where it must. One rule decides when Enter goes
//! ahead ([`Confirmation::check`]); one handler takes the keys; one function draws it
//! (`ui::confirmation`).

use super::mutation::Mutation;
use super::panes::imports::ApproveItem;
use super::{Effect, Modal, State};
use crate::promote::ResolvedStage;
use crate::promote::promotion::{Promotion, Verdict};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

#[derive(Debug, Clone)]
pub struct Confirmation {
    pub change: Change,
    /// The registry whose name must be typed to go ahead: a production registry, or a stage
    /// whose policy asks for it.
    pub protected: Option<String>,
    pub typed: String,
    /// The note for the audit trail, when the change takes one.
    pub note: Option<TextArea<'static>>,
    pub note_required: bool,
    /// Keys go to the typed name rather than the note (Tab switches).
    pub typing_name: bool,
    /// Why Enter did not go ahead.
    pub error: Option<String>,
}

/// What will be done.
#[derive(Debug, Clone)]
pub enum Change {
    /// A lock, unlock, run cancel or scheduled run; Tab chooses among the variants (lock write
    /// and delete, write only, delete only).
    Mutation { options: Vec<Mutation>, chosen: usize },
    /// Queued images.txt lines approved for import (skipped lines are only recorded).
    Imports(Vec<ApproveItem>),
    /// Tags promoted to the next stage (refused ones are only recorded).
    Promotions {
        promotions: Vec<Promotion>,
        stages: Vec<ResolvedStage>,
    },
    /// A step of the two-person rule: a request, a review, running an approved request; with
    /// what the dialog says about it (what will be written where, what counts).
    Gate {
        step: super::gate::GateStep,
        lines: Vec<String>,
        stages: Vec<ResolvedStage>,
    },
}

impl Confirmation {
    /// A change asked for with nothing typed yet.
    pub fn new(change: Change, protected: Option<String>) -> Confirmation {
        Confirmation {
            typing_name: protected.is_some(),
            change,
            protected,
            typed: String::new(),
            note: None,
            note_required: false,
            error: None,
        }
    }

    /// Asks for a note (with this placeholder), required or not; keys go to the note first.
    pub fn with_note(mut self, placeholder: &str, required: bool) -> Confirmation {
        let mut note = TextArea::default();
        note.set_placeholder_text(placeholder);
        note.set_cursor_line_style(ratatui::style::Style::default());
        self.note = Some(note);
        self.note_required = required;
        self.typing_name = false;
        self
    }

    pub fn note_text(&self) -> String {
        self.note
            .as_ref()
            .map(|n| n.lines().join(" ").trim().to_string())
            .unwrap_or_default()
    }

    /// The registry's name has been typed where one must be.
    pub fn name_typed(&self) -> bool {
        self.protected.as_ref().is_none_or(|name| &self.typed == name)
    }

    /// Whether Enter goes ahead, or why not: the one rule for every change.
    pub fn check(&self) -> Result<(), String> {
        if self.change.to_run() == 0 {
            return Err(self.change.nothing_to_do().into());
        }
        if self.note_required && self.note_text().is_empty() {
            return Err(self.change.note_required().into());
        }
        match &self.protected {
            Some(name) if !self.name_typed() => Err(format!(
                "type the target registry's name, {name}, to confirm{}",
                if self.note.is_some() { " (tab)" } else { "" }
            )),
            _ => Ok(()),
        }
    }

    /// A protected registry or a required note: drawn in the colours of danger.
    pub fn guarded(&self) -> bool {
        self.protected.is_some() || self.note_required
    }

    /// The change Enter would make, for a mutation.
    pub fn mutation(&self) -> Option<&Mutation> {
        match &self.change {
            Change::Mutation { options, chosen } => options.get(*chosen).or(options.first()),
            _ => None,
        }
    }
}

impl Change {
    /// How many of its items would run.
    pub fn to_run(&self) -> usize {
        match self {
            Change::Mutation { options, .. } => usize::from(!options.is_empty()),
            Change::Imports(items) => items.iter().filter(|i| i.skip.is_none()).count(),
            Change::Promotions { promotions, .. } => promotions
                .iter()
                .filter(|p| matches!(p.verdict, Verdict::Go(_)))
                .count(),
            Change::Gate { .. } => 1,
        }
    }

    fn nothing_to_do(&self) -> &'static str {
        match self {
            Change::Promotions { .. } => "nothing to promote: every tag is refused or already there (esc)",
            _ => "nothing to do here (esc)",
        }
    }

    fn note_required(&self) -> &'static str {
        match self {
            Change::Imports(_) => "a note is required for production registries",
            Change::Gate {
                step: super::gate::GateStep::Approve { .. },
                ..
            } => "a note is required: what did you check",
            Change::Gate {
                step: super::gate::GateStep::Reject { .. },
                ..
            } => "a note is required: why not",
            _ => "a note is required: why is this promoted (a change, a ticket)",
        }
    }

    fn cancelled(&self) -> &'static str {
        match self {
            Change::Mutation { .. } => "cancelled: nothing was changed",
            Change::Imports(_) => "approval cancelled; nothing was imported",
            Change::Promotions { .. } => "promotion cancelled; nothing was changed",
            Change::Gate { .. } => "cancelled: nothing was written",
        }
    }
}

/// Keys while a confirmation is open: Enter confirms once [`Confirmation::check`] allows it,
/// Esc cancels, Tab chooses a variant (or moves between the note and the name), anything else
/// types into the note or the name.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Modal::Confirm(c) = &mut state.modal else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => {
            let words = c.change.cancelled();
            state.modal = Modal::None;
            state.flash = Some((words.into(), false));
        }
        KeyCode::Enter => match c.check() {
            Ok(()) => {
                let Modal::Confirm(c) = state.modal.take() else {
                    return vec![];
                };
                return confirmed(state, *c);
            }
            // A mutation's dialog shows what is missing as it is typed; the others say why, and
            // the keys go where the missing piece is typed.
            Err(why) if c.note.is_some() => {
                let note_missing = c.note_required && c.note_text().is_empty();
                c.typing_name = !note_missing && !c.name_typed();
                c.error = Some(why);
            }
            Err(_) => {}
        },
        KeyCode::Tab | KeyCode::BackTab => match &mut c.change {
            Change::Mutation { options, chosen } if options.len() > 1 => {
                let n = options.len();
                *chosen = if key.code == KeyCode::Tab {
                    (*chosen + 1) % n
                } else {
                    (*chosen + n - 1) % n
                };
            }
            _ => c.typing_name = c.protected.is_some() && (c.note.is_none() || !c.typing_name),
        },
        KeyCode::Backspace if c.typing_name => {
            c.typed.pop();
            c.error = None;
        }
        KeyCode::Char(ch) if c.typing_name && !key.modifiers.contains(KeyModifiers::CONTROL) => {
            c.typed.push(ch);
            c.error = None;
        }
        _ if !c.typing_name => {
            if let Some(note) = c.note.as_mut() {
                c.error = None;
                note.input(key);
            }
        }
        _ => {}
    }
    vec![]
}

/// The operator went ahead: the change starts.
fn confirmed(state: &mut State, c: Confirmation) -> Vec<Effect> {
    let note = c.note_text();
    match c.change {
        Change::Mutation { options, chosen } => {
            let Some(mutation) = options.get(chosen).or(options.first()).cloned() else {
                return vec![];
            };
            let job = state.start_job(mutation.describe());
            state.flash = Some((format!("working: {}…", mutation.describe()), false));
            vec![Effect::Mutate { job, mutation }]
        }
        Change::Imports(items) => super::panes::imports::approved(state, items, note),
        Change::Promotions { promotions, stages } => {
            super::panes::promotions::approved(state, promotions, stages, note)
        }
        Change::Gate { step, stages, .. } => super::gate::confirmed(state, step, stages, note),
    }
}
