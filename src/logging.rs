//! The diagnostics log: `tracing` into a daily-rolling file through a non-blocking writer, so the
//! dashboard never waits on the disk and never prints to the terminal it owns.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Keeps the log writer alive; dropping it flushes what is buffered.
pub struct LogGuard {
    pub guard: WorkerGuard,
    pub dir: PathBuf,
}

/// The diagnostics log names registries, repositories and operators: the folder is made
/// owner-only (0700), so days' files created later are out of others' reach too, and the files
/// already there are made 0600. Best effort: logging goes on if the file system refuses.
#[cfg(unix)]
fn owner_only(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("acrdeck") && name.ends_with("log") {
            let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600));
        }
    }
}

#[cfg(not(unix))]
fn owner_only(_dir: &Path) {}

/// Starts logging into `dir`. The level comes from `--log-level`, else `RUST_LOG`, else `info`;
/// both accept the full `EnvFilter` syntax (`acrdeck=debug,reqwest=warn`).
pub fn init(dir: &Path, level: Option<&str>) -> Result<LogGuard, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the log directory {}: {e}", dir.display()))?;
    let filter = match level {
        Some(l) => EnvFilter::try_new(l).map_err(|e| {
            format!("--log-level `{l}` is not a level or filter ({e}); use error, warn, info, debug or trace")
        })?,
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("acrdeck")
        .filename_suffix("log")
        .max_log_files(14)
        .build(dir)
        .map_err(|e| format!("cannot open the log file in {}: {e}", dir.display()))?;
    owner_only(dir);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(writer).with_ansi(false))
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    Ok(LogGuard {
        guard,
        dir: dir.to_path_buf(),
    })
}
