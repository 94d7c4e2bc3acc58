//! The application core, after The Elm Architecture: one [`Action`] enum for everything that can
//! happen, and [`update`] that changes [`State`] and asks for work as [`Effect`]s without doing
//! I/O. `crate::dashboard` owns the terminal and the loop around them.

mod action;
pub mod audit_view;
pub mod cached;
pub mod command;
pub mod data;
pub mod imports;
pub mod log_view;
pub mod modal;
pub mod mutation;
pub mod promotions;
mod state;
mod update;

pub use action::{Action, ExitSignal, Refresh};
pub use modal::Modal;
pub use state::{Environment, Identity, Job, JobId, Nav, Pane, Sort, State, TagColumn};
pub use update::{Effect, RefreshRates, startup, update};
