//! The one thing that takes the keys before the pane does. At most one is open at a time, so
//! where a key goes is decided by one `match`, not by an order of flags.

use super::command::CommandLine;
use super::confirmation::Confirmation;

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
    /// A change waiting for the operator's word: a lock or unlock, a run cancelled or
    /// scheduled, imports approved, tags promoted.
    Confirm(Box<Confirmation>),
}

impl Modal {
    pub fn is_none(&self) -> bool {
        matches!(self, Modal::None)
    }

    pub fn confirmation(&self) -> Option<&Confirmation> {
        match self {
            Modal::Confirm(c) => Some(c),
            _ => None,
        }
    }

    pub fn confirmation_mut(&mut self) -> Option<&mut Confirmation> {
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

    /// Closes the modal, handing back what was open.
    pub fn take(&mut self) -> Modal {
        std::mem::take(self)
    }
}
