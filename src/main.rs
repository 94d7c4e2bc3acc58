use acrdeck::app::{Environment, State};
use acrdeck::cli::{Cli, Commands, ImportsCommand};
use acrdeck::config::{self, LoadedConfig};
use acrdeck::dashboard::{self, RunOptions};
use acrdeck::keys::Keymap;
use acrdeck::paths::Paths;
use acrdeck::ui::Theme;
use acrdeck::{logging, terminal};
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Bad arguments or configuration: nothing was tried.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Commands::Completions { shell }) => {
            clap_complete::generate(*shell, &mut Cli::command(), "acrdeck", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Some(Commands::Man) => match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(1, &format!("cannot write the man page: {e}")),
        },
        Some(Commands::Emulator(args)) => run_emulator(&cli, args),
        Some(Commands::Imports(ImportsCommand::Plan(args))) => run_imports_plan(&cli, args),
        Some(
            Commands::Registries(_)
            | Commands::Repos(_)
            | Commands::Tags(_)
            | Commands::Runs(_)
            | Commands::Logs(_)
            | Commands::Lock(_)
            | Commands::Unlock(_)
            | Commands::Doctor(_),
        ) => run_listing(&cli),
        Some(Commands::Audit(args)) => {
            let path = args
                .file
                .clone()
                .unwrap_or_else(|| Paths::discover().state_dir.join(acrdeck::audit::FILE_NAME));
            ExitCode::from(acrdeck::headless::audit::run(
                args,
                &path,
                &mut std::io::stdout().lock(),
            ))
        }
        None => run_dashboard(&cli),
    }
}

/// `acrdeck emulator`: start, print the ready line, serve until SIGTERM or SIGINT.
fn run_emulator(cli: &Cli, args: &acrdeck::cli::EmulatorArgs) -> ExitCode {
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
        let options = acrdeck::emulator::Options {
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
        let running = match acrdeck::emulator::start(options).await {
            Ok(r) => r,
            Err(e) => return fail(EXIT_USAGE, &format!("the emulator did not start: {e}")),
        };
        match serde_json::to_string(&running.info) {
            Ok(line) => println!("{line}"),
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

/// What every headless command stands on: the config, the diagnostics log, the client, a runtime.
struct Headless {
    paths: Paths,
    loaded: LoadedConfig,
    _log: logging::LogGuard,
    acr: acrdeck::acr::Acr,
    runtime: tokio::runtime::Runtime,
}

/// Loads the config, opens the log and builds the client: read-only when `reads_only`, else as
/// --readonly and the config's `[ui] readonly` say. Failures are usage errors (exit 2).
fn headless(cli: &Cli, reads_only: bool) -> Result<Headless, ExitCode> {
    let paths = Paths::discover();
    let loaded = load_config(cli, &paths).map_err(|e| fail(EXIT_USAGE, &e.to_string()))?;
    let log = logging::init(&paths.log_dir, cli.log_level.as_deref()).map_err(|e| fail(EXIT_USAGE, &e))?;
    let readonly = reads_only || cli.readonly || loaded.config.ui.readonly;
    let acr = acrdeck::connect::settings(&loaded, readonly)
        .and_then(|s| acrdeck::acr::Acr::new(s).map_err(|e| e.to_string()))
        .map_err(|e| fail(EXIT_USAGE, &e))?;
    Ok(Headless {
        paths,
        loaded,
        _log: log,
        acr,
        runtime: runtime()?,
    })
}

/// `acrdeck registries|repos|tags|runs|logs|lock|unlock` on the shared client: read-only for all
/// but lock and unlock, which also honour --readonly and the config's read-only switch.
fn run_listing(cli: &Cli) -> ExitCode {
    use acrdeck::headless::reads;
    let changes = matches!(cli.command, Some(Commands::Lock(_) | Commands::Unlock(_)));
    let Headless {
        paths,
        loaded,
        _log,
        acr,
        runtime,
    } = match headless(cli, !changes) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let config = &loaded.config;
    let out = &mut std::io::stdout().lock();
    let code = runtime.block_on(async {
        // The registry a command names, found among the environment's.
        let acr_ref = &acr;
        let registry = |name: String| async move {
            let all = acrdeck::imports::environment(acr_ref, &config.subscriptions).await?;
            reads::find_registry(&all, config, &name).cloned()
        };
        let usage = |e: String| {
            say(&e);
            reads::EXIT_USAGE
        };
        let failed = |e: String| {
            say(&e);
            reads::EXIT_FAILED
        };
        match &cli.command {
            Some(Commands::Registries(a)) => match reads::registries(&acr, config, &a.query).await {
                Ok(l) => reads::print(
                    &l,
                    a.output,
                    &["NAME", "STAGE", "LOGIN SERVER", "SKU", "LOCATION", "PUBLIC ACCESS"],
                    reads::registry_cells,
                    out,
                ),
                Err(e) => usage(e),
            },
            Some(Commands::Repos(a)) => match registry(a.target.clone()).await {
                Err(e) => failed(e),
                Ok(r) => match reads::repositories(&acr, &r.properties.login_server, &a.query).await {
                    Ok(l) => reads::print(
                        &l,
                        a.output,
                        &["REPOSITORY", "TAGS", "MANIFESTS", "UPDATED (UTC)", "LOCKED"],
                        reads::repository_cells,
                        out,
                    ),
                    Err(e) => usage(e),
                },
            },
            Some(Commands::Tags(a)) => {
                let Some((reg, repo)) = a.target.split_once('/').filter(|(r, p)| !r.is_empty() && !p.is_empty()) else {
                    return usage(format!("`{}` is not REGISTRY/REPOSITORY, e.g. prod/apps/web", a.target));
                };
                match registry(reg.to_string()).await {
                    Err(e) => failed(e),
                    Ok(r) => match reads::tags(&acr, &r.properties.login_server, repo, &a.query).await {
                        Ok(l) => reads::print(
                            &l,
                            a.output,
                            &["TAG", "DIGEST", "CREATED (UTC)", "UPDATED (UTC)", "LOCKED"],
                            reads::tag_cells,
                            out,
                        ),
                        Err(e) => usage(e),
                    },
                }
            }
            Some(Commands::Runs(a)) => match registry(a.registry.clone()).await {
                Err(e) => failed(e),
                Ok(r) => match reads::runs(&acr, &r, a.task.clone(), a.status.clone(), a.top).await {
                    Ok(l) => reads::print(
                        &l,
                        a.output,
                        &[
                            "RUN",
                            "TASK",
                            "STATUS",
                            "TRIGGER",
                            "PLATFORM",
                            "STARTED (UTC)",
                            "DURATION",
                        ],
                        reads::run_cells,
                        out,
                    ),
                    Err(e) => failed(e),
                },
            },
            Some(Commands::Doctor(a)) => {
                let checks = acrdeck::headless::doctor::run(&loaded, &acr).await;
                let rows: Vec<Vec<String>> = checks
                    .iter()
                    .map(|c| {
                        vec![
                            if c.ok { "ok".into() } else { "FAIL".into() },
                            c.check.clone(),
                            c.target.clone(),
                            format!("{} ms", c.millis),
                            match &c.fix {
                                Some(f) => format!("{} — {f}", c.detail),
                                None => c.detail.clone(),
                            },
                        ]
                    })
                    .collect();
                let written = match a.output {
                    acrdeck::cli::Output::Json => writeln!(out, "{}", serde_json::json!(checks)),
                    acrdeck::cli::Output::Table => write!(
                        out,
                        "{}",
                        acrdeck::headless::table(&["", "CHECK", "TARGET", "TOOK", "DETAIL"], &rows)
                    ),
                };
                if written.is_err() || checks.iter().any(|c| !c.ok) {
                    reads::EXIT_FAILED
                } else {
                    reads::EXIT_OK
                }
            }
            Some(Commands::Logs(a)) => match registry(a.registry.clone()).await {
                Err(e) => failed(e),
                Ok(r) => acrdeck::headless::changes::logs(&acr, &r, &a.run_id, a.follow, out).await,
            },
            Some(Commands::Lock(a) | Commands::Unlock(a)) => {
                use acrdeck::headless::changes;
                let lock = matches!(cli.command, Some(Commands::Lock(_)));
                let (reg, repo, target) = match changes::parse_target(&a.target) {
                    Ok(t) => t,
                    Err(e) => return usage(e),
                };
                let r = match registry(reg).await {
                    Ok(r) => r,
                    Err(e) => return failed(e),
                };
                let mutation = changes::lock_mutation(&r, repo, target, a.write, a.delete, lock);
                if !a.yes {
                    match changes::confirm(&mutation.describe()) {
                        Ok(true) => {}
                        Ok(false) => {
                            say("nothing changed");
                            return reads::EXIT_FAILED;
                        }
                        Err(e) => return usage(e),
                    }
                }
                let audit = match acrdeck::audit::AuditTrail::open(&paths.state_dir) {
                    Ok(t) => t,
                    Err(e) => return failed(format!("{e}; nothing changes without its audit record")),
                };
                match acrdeck::jobs::audited_mutate(&acr, &audit, &mutation).await {
                    Ok(now) => {
                        let line = match a.output {
                            acrdeck::cli::Output::Json => serde_json::json!({
                                "done": mutation.describe(),
                                "target": mutation.audit_target(),
                                "read_back": now,
                            })
                            .to_string(),
                            acrdeck::cli::Output::Table => format!("done: {} — {now}", mutation.describe()),
                        };
                        match writeln!(out, "{line}") {
                            Ok(()) => reads::EXIT_OK,
                            Err(_) => reads::EXIT_FAILED,
                        }
                    }
                    Err(e) => failed(e),
                }
            }
            _ => reads::EXIT_USAGE,
        }
    });
    ExitCode::from(code)
}

/// `acrdeck imports plan`: read-only, so the client is built read-only whatever the config says.
fn run_imports_plan(cli: &Cli, args: &acrdeck::cli::PlanArgs) -> ExitCode {
    let Headless {
        loaded,
        _log,
        acr,
        runtime,
        ..
    } = match headless(cli, true) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let code = runtime.block_on(acrdeck::headless::imports::run(
        args,
        &loaded,
        &acr,
        &mut std::io::stdout().lock(),
    ));
    ExitCode::from(code)
}

/// The async runtime every command runs on: two workers are plenty for a dashboard's I/O.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(1, &format!("cannot start the async runtime: {e}")))
}

fn fail(code: u8, message: &str) -> ExitCode {
    say(message);
    ExitCode::from(code)
}

/// A line on stderr for the operator. When the terminal is gone (the SSH session dropped, the
/// tmux server was killed) there is nobody to tell: the exit code and the log say it instead.
fn say(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "acrdeck: {message}");
}

fn run_dashboard(cli: &Cli) -> ExitCode {
    let paths = Paths::discover();
    // Everything that can be wrong with the invocation is found before the terminal is touched.
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

    let keymap = Keymap::new(&loaded.config.keys);
    let readonly = cli.readonly || loaded.config.ui.readonly;
    let options = RunOptions {
        panic_after: debug_panic_after(cli),
    };
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = runtime.block_on(async {
        // The demo's world runs in this process, over HTTPS on loopback, for as long as the
        // dashboard does.
        let demo = if cli.demo {
            match start_demo_emulator(&paths).await {
                Ok(r) => Some(r),
                Err(e) => return Ok(Err(e)),
            }
        } else {
            None
        };
        let mut state = State::new(environment(cli, &loaded, demo.as_ref()), keymap, readonly);
        // The demo's audit trail lives (and is cleared) with its world: demo approvals are not
        // the operator's record.
        let audit_dir = match &demo {
            Some(_) => paths.state_dir.join("demo"),
            None => paths.state_dir.clone(),
        };
        // The demo talks to its emulator through the config the emulator wrote.
        let client_config = match &demo {
            Some(emu) => acrdeck::config::load_file(&emu.info.config, true).map_err(|e| e.to_string()),
            None => Ok(loaded.clone()),
        };
        let backend = match client_config {
            Ok(c) => {
                state.stage_order = c.config.stages.iter().map(|s| s.name.get_ref().clone()).collect();
                let r = &c.config.refresh;
                state.refresh = acrdeck::app::RefreshRates {
                    runs_active: Duration::from_secs(r.runs_active_secs.max(1)),
                    runs_idle: Duration::from_secs(r.runs_idle_secs.max(1)),
                    listings: Duration::from_secs(r.listings_secs.max(5)),
                };
                dashboard::Backend {
                    acr: acrdeck::connect::settings(&c, readonly)
                        .and_then(|s| acrdeck::acr::Acr::new(s).map_err(|e| e.to_string())),
                    subscriptions: c.config.subscriptions.clone(),
                    saved_logs: paths.saved_logs_dir.clone(),
                    imports: acrdeck::jobs::ImportsSetup {
                        files: acrdeck::imports::configured(&c),
                        config: c.config.clone(),
                        audit: acrdeck::audit::AuditTrail::open(&audit_dir).map(std::sync::Arc::new),
                    },
                    cache: demo.is_none().then(|| {
                        let file = c.source.clone().unwrap_or_else(|| paths.default_config_file());
                        acrdeck::cache::Cache::for_config(&paths.state_dir, &file, &c.config)
                    }),
                }
            }
            Err(e) => dashboard::Backend {
                acr: Err(e.clone()),
                subscriptions: vec![],
                saved_logs: paths.saved_logs_dir.clone(),
                imports: acrdeck::jobs::ImportsSetup {
                    files: vec![],
                    config: Default::default(),
                    audit: Err(e),
                },
                cache: None,
            },
        };
        // Before raw mode: no signal may end the process between the two.
        let signals = dashboard::Signals::new()?;
        let mut tui = terminal::enter()?;
        let code = dashboard::run(state, &theme, &mut tui, signals, backend, options).await;
        terminal::restore();
        // ratatui's Terminal shows the cursor again when dropped and eprintln!s if it cannot,
        // which panics when the terminal is gone (SSH dropped, tmux killed). restore() has done
        // what can be done; a terminal that cannot be written to is left to the exit.
        if tui.show_cursor().is_err() {
            std::mem::forget(tui);
        }
        drop(demo);
        code.map(Ok)
    });
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

fn load_config(cli: &Cli, paths: &Paths) -> Result<LoadedConfig, config::ConfigError> {
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

/// Starts the embedded emulator on the demo world, with its files in `<state>/demo`.
async fn start_demo_emulator(paths: &Paths) -> Result<acrdeck::emulator::Running, String> {
    let dir = paths.state_dir.join("demo");
    // A fresh world every time: yesterday's demo state is of no use.
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot clear the demo state in {}: {e}", dir.display()))?;
    }
    acrdeck::emulator::start(acrdeck::emulator::Options {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        state_dir: dir,
        world: None,
        scale: Default::default(),
    })
    .await
    .map_err(|e| format!("the demo emulator did not start: {e}"))
}

fn environment(cli: &Cli, loaded: &LoadedConfig, demo: Option<&acrdeck::emulator::Running>) -> Environment {
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
