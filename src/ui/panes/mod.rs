//! One module per pane, beside `app::panes`: each draws its pane from `State` and nothing else.
//! Panes never import one another; what they share is in `ui::widgets` (and the log view in
//! `ui::log_view`).

pub mod audit;
pub mod cache_rules;
pub mod imports;
pub mod locks;
pub mod promotions;
pub mod registries;
pub mod repositories;
pub mod requests;
pub mod rollout;
pub mod runs;
pub mod tags;
pub mod tokens;
pub mod webhooks;
