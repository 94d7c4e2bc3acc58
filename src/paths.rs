//! Where acrdeck keeps its files. The platform's conventions come from `directories`; each can be
//! overridden by an environment variable so tests and jump boxes with odd home directories can
//! point acrdeck elsewhere without touching the operator's own files.

use std::path::PathBuf;

/// Directories acrdeck reads from and writes to.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Holds `config.toml` unless `--config` names another file.
    pub config_dir: PathBuf,
    /// Caches, the audit trail and the emulator's state.
    pub state_dir: PathBuf,
    /// The daily-rolling diagnostics log.
    pub log_dir: PathBuf,
    /// Run logs the operator saved from the log view.
    pub saved_logs_dir: PathBuf,
}

impl Paths {
    /// Resolves the directories: `ACRDECK_CONFIG_DIR` / `ACRDECK_STATE_DIR` win, then the platform's
    /// directories (XDG on Linux), then a `.acrdeck` folder in the working directory when the
    /// platform gives none (a service account without a home).
    pub fn discover() -> Paths {
        let project = directories::ProjectDirs::from("", "", "acrdeck");
        let config_dir = env_dir("ACRDECK_CONFIG_DIR")
            .or_else(|| project.as_ref().map(|p| p.config_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".acrdeck"));
        let state_dir = env_dir("ACRDECK_STATE_DIR")
            .or_else(|| {
                project
                    .as_ref()
                    .map(|p| p.state_dir().unwrap_or_else(|| p.data_local_dir()).to_path_buf())
            })
            .unwrap_or_else(|| PathBuf::from(".acrdeck"));
        let log_dir = state_dir.join("logs");
        let saved_logs_dir = state_dir.join("run-logs");
        Paths {
            config_dir,
            state_dir,
            log_dir,
            saved_logs_dir,
        }
    }

    /// The config file used when `--config` is not given.
    pub fn default_config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}
