//! The application core, after The Elm Architecture: one [`Action`] enum for everything that can
//! happen, and [`update`] that changes [`State`] and asks for work as [`Effect`]s without doing
//! I/O. Each pane is a module under [`panes`] (its state, its keys, how actions change it); the
//! [`Modal`] decides whether a key goes to a dialog first. `crate::dashboard` owns the terminal
//! and the loop around them; `crate::jobs` carries out the effects.

mod action;
pub mod batch;
pub mod cached;
pub mod command;
pub mod confirmation;
pub mod data;
mod effect;
pub mod gate;
pub mod hooks;
mod input;
pub mod log_view;
pub mod modal;
pub mod mutation;
pub mod navigate;
pub mod panes;
pub mod signals;
mod state;
pub mod table;
mod update;
pub mod watch;

pub use action::{Action, Credit, ExitSignal, LogViewer, Page, Refresh};
pub use effect::Effect;
pub use modal::Modal;
pub use state::{Environment, Identity, Job, JobId, Nav, Pane, State};
pub use table::{Sort, TagColumn};
pub use update::{RefreshRates, startup, update};

/// The pane acrdeck opens on: the config's `[ui] home`, else the rollout view when more than
/// one stage is configured (the view spans them), else the registries. A `home` that names no
/// pane is said (with the names it may take) beside the pane opened instead.
pub fn home_pane(config: &crate::config::Config) -> (Pane, Option<String>) {
    let default = if config.stages.len() > 1 {
        Pane::Rollout
    } else {
        Pane::Registries
    };
    let Some(home) = &config.ui.home else {
        return (default, None);
    };
    let named =
        |p: &&Pane| p.title().eq_ignore_ascii_case(home) || p.title().replace(' ', "").eq_ignore_ascii_case(home);
    match Pane::ALL.iter().find(named) {
        Some(p) => (*p, None),
        None => {
            let names: Vec<String> = Pane::ALL.iter().map(|p| p.title().to_lowercase()).collect();
            let problem = format!(
                "[ui] home `{home}` names no pane ({}); opened on {}",
                names.join(", "),
                default.title()
            );
            (default, Some(problem))
        }
    }
}
