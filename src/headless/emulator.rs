//! `acrdeck emulator`: the local ACR as its own process, for tests, benches and trying acrdeck
//! against something that answers like Azure.

use crate::cli::{Cli, EmulatorArgs};
use crate::logging;
use crate::paths::Paths;
use crate::process::{EXIT_USAGE, fail, runtime};
use std::process::ExitCode;

/// `acrdeck emulator`: start, print the ready line, serve until SIGTERM or SIGINT.
pub fn run(cli: &Cli, args: &EmulatorArgs) -> ExitCode {
    let paths = Paths::discover();
    let world = match &args.world {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) => {
                return fail(
                    EXIT_USAGE,
                    &format!("cannot read the world file {}: {e}", path.display()),
                );
            }
        },
        None => None,
    };
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| paths.state_dir.join("emulator"));
    let _log = match logging::init(&state_dir.join("logs"), cli.log_level.as_deref()) {
        Ok(g) => g,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let options = crate::emulator::Options {
            listen: args.listen,
            state_dir,
            world,
            scale: args.scale.unwrap_or_default(),
        };
        // Handlers first: a SIGTERM sent right after the ready line must stop it cleanly.
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            return fail(1, "cannot listen for signals");
        };
        let running = match crate::emulator::start(options).await {
            Ok(r) => r,
            Err(e) => return fail(EXIT_USAGE, &format!("the emulator did not start: {e}")),
        };
        match serde_json::to_string(&running.info) {
            Ok(line) => {
                // Whoever started it reads this line; if they are gone, the emulator serves on
                // until stopped rather than panic.
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}").and_then(|_| out.flush());
            }
            Err(e) => return fail(1, &format!("cannot print the ready line: {e}")),
        }
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("emulator stopping");
        running.stop();
        ExitCode::SUCCESS
    })
}
