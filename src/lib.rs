//! acrdeck: a terminal dashboard for Azure Container Registry operations.
//!
//! Layers, each depending only on those below it:
//! `ui` -> `app` -> `cache`, `config`, `keys`; `dashboard` (with `cache_keeper`) ties terminal,
//! app and ui together; `cli` and `main.rs` start whichever of them a command needs.

pub mod acr;
pub mod app;
pub mod audit;
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
pub mod ui;
