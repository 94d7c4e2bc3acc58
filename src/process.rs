//! What every command starts with and ends on: the config it runs with, the async runtime, the
//! usage exit code, and the line on stderr that tells the operator why it stopped.

use crate::cli::Cli;
use crate::config::{self, LoadedConfig};
use crate::paths::Paths;
use std::io::Write;
use std::process::ExitCode;

/// Bad arguments or configuration: nothing was tried.
pub const EXIT_USAGE: u8 = 2;

/// The config a command runs with: `--config`, none for the demo, else the default file.
pub fn load_config(cli: &Cli, paths: &Paths) -> Result<LoadedConfig, config::ConfigError> {
    match &cli.config {
        Some(path) => config::load_file(path, true),
        // The demo brings its own environment; the operator's config is not needed.
        None if cli.demo => Ok(LoadedConfig {
            config: Default::default(),
            source: None,
        }),
        None => config::load_file(&paths.default_config_file(), false),
    }
}

/// The async runtime every command runs on: two workers are plenty for a dashboard's I/O.
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    bound_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(1, &format!("cannot start the async runtime: {e}")))
}

/// glibc gives each thread that allocates its own heap (arena), up to eight per core, and keeps
/// what is freed in it. A followed run log is split into lines on a runtime worker and dropped
/// by the dashboard's loop on another thread: each arena then holds its own share of the freed
/// ring, and following a 200 MB log left the dashboard at 70 MB resident (65 with two arenas,
/// 50 with one; `benches/log_memory.sh`). acrdeck's threads spend their time waiting on the
/// network and the terminal: one arena cost nothing measurable (`tags` over 100,000 tags took
/// 0.82–0.89 s with one, 0.77–0.90 s with eight, three runs each, on this project's 2-core VM).
fn bound_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter of the allocator; called before the
    // runtime's threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

pub fn fail(code: u8, message: &str) -> ExitCode {
    say(message);
    ExitCode::from(code)
}

/// A line on stderr for the operator. When the terminal is gone (the SSH session dropped, the
/// tmux server was killed) there is nobody to tell: the exit code and the log say it instead.
pub fn say(message: &str) {
    // Messages carry service text: no escape sequence reaches the terminal. A closed stderr is
    // no reason to panic: the exit status still says how it went.
    let _ = writeln!(
        std::io::stderr().lock(),
        "acrdeck: {}",
        crate::text::printable_lines(message)
    );
}
