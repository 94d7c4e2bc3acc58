//! The application core, after The Elm Architecture: one [`Action`] enum for everything that can
//! happen, and [`update`] that changes [`State`] and asks for work as [`Effect`]s without doing
//! I/O. `crate::dashboard` owns the terminal and the loop around them.

mod action;
mod state;
mod update;

pub use action::{Action, ExitSignal};
pub use state::{Environment, Identity, Job, JobId, Overlay, Pane, State};
pub use update::{Effect, update};
