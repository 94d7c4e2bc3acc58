//! The one thing that takes the keys before the pane does. At most one is open at a time, so
//! where a key goes is decided by one `match`, not by an order of flags.

use super::command::CommandLine;
use super::mutation::Confirm;
use super::panes::imports::ApproveDialog;
use super::panes::promotions::PromoteDialog;

#[derive(Debug, Clone, Default)]
pub enum Modal {
    /// Keys go to the pane.
    #[default]
    None,
    /// The help overlay, scrolled to this line.
    Help { scroll: u16 },
    /// Quitting with work in flight: leave anyway?
    ConfirmQuit,
    /// The `:` command line while it is typed.
    Command(CommandLine),
    /// Typing into the shown pane's `/` filter.
    Filter,
    /// A change (lock, unlock, cancel, schedule) waiting for the operator's word.
    Confirm(Confirm),
    /// Approving queued imports, with a note.
    Approve(Box<ApproveDialog>),
    /// Promoting tags to the next stage, with a note and (for protected stages) the typed name.
    Promote(Box<PromoteDialog>),
}

impl Modal {
    pub fn is_none(&self) -> bool {
        matches!(self, Modal::None)
    }

    pub fn confirm(&self) -> Option<&Confirm> {
        match self {
            Modal::Confirm(c) => Some(c),
            _ => None,
        }
    }

    pub fn command_line(&self) -> Option<&CommandLine> {
        match self {
            Modal::Command(c) => Some(c),
            _ => None,
        }
    }

    pub fn command_line_mut(&mut self) -> Option<&mut CommandLine> {
        match self {
            Modal::Command(c) => Some(c),
            _ => None,
        }
    }

    pub fn approve(&self) -> Option<&ApproveDialog> {
        match self {
            Modal::Approve(d) => Some(d),
            _ => None,
        }
    }

    pub fn approve_mut(&mut self) -> Option<&mut ApproveDialog> {
        match self {
            Modal::Approve(d) => Some(d),
            _ => None,
        }
    }

    pub fn promote(&self) -> Option<&PromoteDialog> {
        match self {
            Modal::Promote(d) => Some(d),
            _ => None,
        }
    }

    pub fn promote_mut(&mut self) -> Option<&mut PromoteDialog> {
        match self {
            Modal::Promote(d) => Some(d),
            _ => None,
        }
    }

    /// Closes the modal, handing back what was open.
    pub fn take(&mut self) -> Modal {
        std::mem::take(self)
    }
}
