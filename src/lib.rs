//! acrdeck: a terminal dashboard for Azure Container Registry operations.
//!
//! Layers, each depending only on those below it (ARCHITECTURE.md has the picture):
//! `acr` is the shared ACR client; `runner` carries out the dashboard's effects on it; `app` is
//! the state and its pure `update` (one module per pane under `app::panes`); `ui` draws the state;
//! `dashboard` ties terminal, app, runner and ui together; `headless` holds the commands that
//! print; `main.rs` only dispatches.

pub mod acr;
pub mod app;
pub mod audit;
pub mod build_info;
pub mod cache;
pub mod cache_keeper;
pub mod cli;
pub mod config;
pub mod connect;
pub mod dashboard;
pub mod emulator;
pub mod headless;
pub mod imports;
pub mod keys;
pub mod logging;
pub mod paths;
pub mod process;
pub mod promote;
pub mod query;
pub mod runner;
pub mod terminal;
pub mod text;
pub mod ui;
