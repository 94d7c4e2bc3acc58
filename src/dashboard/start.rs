//! Starting the dashboard: everything that can be wrong with the invocation is found before the
//! terminal is touched; then the environment (the operator's, or the demo's emulator in this
//! process) is connected, the loop runs, and the terminal is restored whatever happens.

use super::{Backend, RunOptions, Signals};
use crate::app::{Environment, RefreshRates, State};
use crate::cli::Cli;
use crate::config::LoadedConfig;
use crate::keys::Keymap;
use crate::paths::Paths;
use crate::process::{EXIT_USAGE, fail, load_config, runtime};
use crate::ui::Theme;
use crate::{logging, terminal};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

/// `acrdeck` and `acrdeck --demo`.
pub fn start(cli: &Cli) -> ExitCode {
    let paths = Paths::discover();
    let loaded = match load_config(cli, &paths) {
        Ok(c) => c,
        Err(e) => return fail(EXIT_USAGE, &e.to_string()),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = match Theme::select(loaded.config.ui.theme.as_deref(), no_color) {
        Ok(t) => t,
        Err(e) => {
            return fail(EXIT_USAGE, &format!("{e}. Fix [ui] theme in the config file"));
        }
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return fail(
            EXIT_USAGE,
            "the dashboard needs an interactive terminal on stdin and stdout. Run it from a terminal (or `ssh -t`)",
        );
    }
    let log = match logging::init(&paths.log_dir, cli.log_level.as_deref()) {
        Ok(g) => g,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    terminal::install_panic_hook(Some(log.dir.clone()));
    let logging::LogGuard { guard, dir: log_dir } = log;
    if let Ok(mut slot) = terminal::FLUSH_ON_PANIC.lock() {
        *slot = Some(Box::new(move || drop(guard)));
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), demo = cli.demo, config = ?loaded.source, "acrdeck starting");
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = runtime.block_on(session(cli, &paths, &loaded, &theme));
    let result = match result {
        Ok(Err(e)) => return fail(1, &e),
        Ok(Ok(code)) => Ok(code),
        Err(e) => Err(e),
    };
    terminal::restore();
    // Background reads still in flight are of no use now; do not let one hold up the exit.
    runtime.shutdown_timeout(Duration::from_millis(500));
    tracing::info!(?result, "acrdeck stopped");
    // Flush the log before the process ends.
    if let Ok(mut slot) = terminal::FLUSH_ON_PANIC.lock()
        && let Some(flush) = slot.take()
    {
        flush();
    }
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => fail(
            1,
            &format!(
                "the terminal failed: {e}. The diagnostics log is in {}",
                log_dir.display()
            ),
        ),
    }
}

/// One dashboard session, from connecting to the terminal restored: the exit code, a reason it
/// could not start (`Ok(Err)`), or the terminal's failure.
async fn session(
    cli: &Cli,
    paths: &Paths,
    loaded: &LoadedConfig,
    theme: &Theme,
) -> std::io::Result<Result<i32, String>> {
    let readonly = cli.readonly || loaded.config.ui.readonly;
    // The demo's world runs in this process, over HTTPS on loopback, for as long as the
    // dashboard does.
    let demo = if cli.demo {
        match start_demo_emulator(paths).await {
            Ok(r) => Some(r),
            Err(e) => return Ok(Err(e)),
        }
    } else {
        None
    };
    let mut state = State::new(
        environment(cli, loaded, demo.as_ref()),
        Keymap::new(&loaded.config.keys),
        readonly,
    );
    let backend = backend(paths, loaded, demo.as_ref(), readonly, &mut state);
    let options = RunOptions {
        panic_after: debug_panic_after(cli),
    };
    // Before raw mode: no signal may end the process between the two.
    let signals = Signals::new()?;
    let mut tui = terminal::enter()?;
    let code = super::run(state, theme, &mut tui, signals, backend, options).await;
    terminal::restore();
    // ratatui's Terminal shows the cursor again when dropped and eprintln!s if it cannot, which
    // panics when the terminal is gone (SSH dropped, tmux killed). restore() has done what can be
    // done; a terminal that cannot be written to is left to the exit.
    if tui.show_cursor().is_err() {
        std::mem::forget(tui);
    }
    drop(demo);
    code.map(Ok)
}

/// What the dashboard talks to, and the config's pipeline and refresh rates put into `state`.
fn backend(
    paths: &Paths,
    loaded: &LoadedConfig,
    demo: Option<&crate::emulator::Running>,
    readonly: bool,
    state: &mut State,
) -> Backend {
    // The demo's audit trail lives (and is cleared) with its world: demo approvals are not the
    // operator's record.
    let audit_dir = match demo {
        Some(_) => paths.state_dir.join("demo"),
        None => paths.state_dir.clone(),
    };
    // The demo talks to its emulator through the config the emulator wrote.
    let client_config = match demo {
        Some(emu) => crate::config::load_file(&emu.info.config, true).map_err(|e| e.to_string()),
        None => Ok(loaded.clone()),
    };
    let c = match client_config {
        Ok(c) => c,
        Err(e) => {
            return Backend {
                acr: Err(e.clone()),
                subscriptions: vec![],
                saved_logs: paths.saved_logs_dir.clone(),
                imports: crate::runner::ImportsSetup {
                    files: vec![],
                    config: Default::default(),
                    audit: Err(e),
                },
                cache: None,
            };
        }
    };
    state.stage_order = c.config.stages.iter().map(|s| s.name.get_ref().clone()).collect();
    state.signals.settings = c.config.notify.clone();
    state.token_warning = chrono::Duration::days(i64::from(c.config.tokens.expiry_warning_days));
    let (home, problem) = crate::app::home_pane(&c.config);
    state.pane = home;
    if let Some(problem) = problem {
        state.flash = Some((problem, true));
    }
    let audit = crate::audit::AuditTrail::open(&audit_dir).map(std::sync::Arc::new);
    // What opening the trail mended (a wide mode, a torn record) the operator hears of at once.
    if let Ok(trail) = &audit
        && !trail.warnings().is_empty()
    {
        state.flash = Some((trail.warnings().join("; "), true));
    }
    let r = &c.config.refresh;
    state.refresh = RefreshRates {
        runs_active: Duration::from_secs(r.runs_active_secs.max(1)),
        runs_idle: Duration::from_secs(r.runs_idle_secs.max(1)),
        listings: Duration::from_secs(r.listings_secs.max(5)),
    };
    Backend {
        acr: crate::connect::settings(&c, readonly).and_then(|s| crate::acr::Acr::new(s).map_err(|e| e.to_string())),
        subscriptions: c.config.subscriptions.clone(),
        saved_logs: paths.saved_logs_dir.clone(),
        imports: crate::runner::ImportsSetup {
            files: crate::imports::configured(&c),
            config: c.config.clone(),
            audit,
        },
        cache: demo.is_none().then(|| {
            let file = c.source.clone().unwrap_or_else(|| paths.default_config_file());
            crate::cache::Cache::for_config(&paths.state_dir, &file, &c.config)
        }),
    }
}

/// Starts the embedded emulator on the demo world, with its files in `<state>/demo`.
async fn start_demo_emulator(paths: &Paths) -> Result<crate::emulator::Running, String> {
    crate::emulator::start_demo(paths.state_dir.join("demo")).await
}

fn environment(cli: &Cli, loaded: &LoadedConfig, demo: Option<&crate::emulator::Running>) -> Environment {
    if let Some(emu) = demo.filter(|_| cli.demo) {
        return Environment {
            name: "demo".into(),
            detail: format!(
                "emulator {} · {} registries",
                emu.info.arm.trim_start_matches("https://"),
                emu.info.registries.len()
            ),
        };
    }
    let name = loaded
        .source
        .as_ref()
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "no config".into());
    let c = &loaded.config;
    let tenant = c.tenant.as_deref().unwrap_or("default tenant");
    Environment {
        name,
        detail: format!("{} · {tenant}", c.cloud.name.get_ref().as_str()),
    }
}

/// The forced panic only exists in debug (test) builds; release builds ignore the flag.
fn debug_panic_after(cli: &Cli) -> Option<Duration> {
    if cfg!(debug_assertions) {
        cli.debug_panic_after.map(Duration::from_millis)
    } else {
        None
    }
}
