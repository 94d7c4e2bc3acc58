//! Running the headless subcommands: each stands on the same set-up (config, diagnostics log,
//! client, runtime) and prints to stdout, explaining failures on stderr.

use super::rows::RowWriter;
use super::{changes, reads, rollout};
use crate::acr::Acr;
use crate::acr::model::Registry;
use crate::cli::{Cli, Commands, LockArgs, Output, PlanArgs};
use crate::config::{Config, LoadedConfig};
use crate::logging;
use crate::paths::Paths;
use crate::process::{EXIT_USAGE, fail, runtime, say};
use std::io::Write;
use std::process::ExitCode;

/// What every headless command stands on: the config, the diagnostics log, the client, a runtime.
struct Headless {
    paths: Paths,
    loaded: LoadedConfig,
    _log: logging::LogGuard,
    acr: Acr,
    /// `doctor --demo`'s emulator, serving until the command ends (declared before the runtime
    /// it runs on, so it stops first).
    _demo: Option<crate::emulator::Running>,
    runtime: tokio::runtime::Runtime,
}

/// Loads the config, opens the log and builds the client: read-only when `reads_only`, else as
/// --readonly and the config's `[ui] readonly` say. Failures are usage errors (exit 2). With
/// `doctor --demo`, the config is the one the embedded demo emulator writes.
fn headless(cli: &Cli, reads_only: bool) -> Result<Headless, ExitCode> {
    let paths = Paths::discover();
    let runtime = runtime()?;
    let demo = match &cli.command {
        Some(Commands::Doctor(a)) if a.demo || cli.demo => Some(
            runtime
                .block_on(crate::emulator::start_demo(paths.state_dir.join("doctor-demo")))
                .map_err(|e| fail(1, &e))?,
        ),
        _ => None,
    };
    let loaded = match &demo {
        Some(emu) => crate::config::load_file(&emu.info.config, true),
        None => crate::process::load_config(cli, &paths),
    }
    .map_err(|e| fail(EXIT_USAGE, &e.to_string()))?;
    let log = logging::init(&paths.log_dir, cli.log_level.as_deref()).map_err(|e| fail(EXIT_USAGE, &e))?;
    let readonly = reads_only || cli.readonly || loaded.config.ui.readonly;
    let acr = crate::connect::settings(&loaded, readonly)
        .and_then(|s| Acr::new(s).map_err(|e| e.to_string()))
        .map_err(|e| fail(EXIT_USAGE, &e))?;
    Ok(Headless {
        paths,
        loaded,
        _log: log,
        acr,
        _demo: demo,
        runtime,
    })
}

/// `acrdeck registries|repos|tags|runs|logs|lock|unlock|doctor` on the shared client: read-only
/// for all but lock and unlock, which also honour --readonly and the config's read-only switch.
pub fn run(cli: &Cli) -> ExitCode {
    let changes = match &cli.command {
        Some(Commands::Lock(_) | Commands::Unlock(_)) => true,
        Some(Commands::Promote(p)) => p.changes(),
        _ => false,
    };
    let h = match headless(cli, !changes) {
        Ok(h) => h,
        Err(code) => return code,
    };
    // Everything on stdout goes through the one place that makes service text safe for a
    // terminal (or leaves it as it is with --raw).
    let out = &mut crate::text::SafeWriter::new(std::io::stdout().lock(), cli.treatment());
    let code = h.runtime.block_on(async {
        let c = Command {
            acr: &h.acr,
            config: &h.loaded.config,
            paths: &h.paths,
        };
        match &cli.command {
            Some(Commands::Doctor(a)) => doctor(&h.loaded, &h.acr, a.output, out).await,
            Some(Commands::Logs(a)) => match c.registry(&a.registry).await {
                Err(e) => failed(e),
                Ok(r) => changes::logs(&h.acr, &r, &a.run_id, a.follow, out).await,
            },
            Some(Commands::Lock(a)) => c.lock(a, true, out).await,
            Some(Commands::Unlock(a)) => c.lock(a, false, out).await,
            Some(Commands::Promote(p)) => {
                super::promote::run(&h.acr, &h.loaded.config, &h.paths.state_dir, p, out).await
            }
            Some(command) => c.read(command, out).await,
            None => reads::EXIT_USAGE,
        }
    });
    ExitCode::from(code)
}

/// `acrdeck imports plan`: read-only, so the client is built read-only whatever the config says.
pub fn imports_plan(cli: &Cli, args: &PlanArgs) -> ExitCode {
    let h = match headless(cli, true) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let code = h.runtime.block_on(super::imports::run(
        args,
        &h.loaded,
        &h.acr,
        &mut crate::text::SafeWriter::new(std::io::stdout().lock(), cli.treatment()),
    ));
    ExitCode::from(code)
}

fn usage(e: String) -> u8 {
    say(&e);
    reads::EXIT_USAGE
}

fn failed(e: String) -> u8 {
    say(&e);
    reads::EXIT_FAILED
}

/// What a command works with.
struct Command<'a> {
    acr: &'a Acr,
    config: &'a Config,
    paths: &'a Paths,
}

impl Command<'_> {
    /// The registry a command names, found among the environment's.
    async fn registry(&self, name: &str) -> Result<Registry, String> {
        let all = crate::imports::environment(self.acr, &self.config.subscriptions)
            .await
            .map_err(|e| e.to_string())?;
        reads::find_registry(&all, self.config, name).cloned()
    }

    /// The registry a command names, or every registry in pipeline order when it names none.
    async fn registries(&self, name: Option<&str>) -> Result<Vec<Registry>, String> {
        let all = crate::imports::environment(self.acr, &self.config.subscriptions)
            .await
            .map_err(|e| e.to_string())?;
        match name {
            Some(n) => Ok(vec![reads::find_registry(&all, self.config, n)?.clone()]),
            None => Ok(rollout::in_stage_order(all, self.config)),
        }
    }

    /// The listings: registries, repositories, tags, runs, written as they are read.
    async fn read(&self, command: &Commands, out: &mut dyn Write) -> u8 {
        let acr = self.acr;
        match command {
            Commands::Registries(a) => {
                let q = match reads::query(&a.query) {
                    Ok(q) => q,
                    Err(e) => return usage(e),
                };
                let header = ["NAME", "STAGE", "LOGIN SERVER", "SKU", "LOCATION", "PUBLIC ACCESS"];
                let mut w = RowWriter::new(a.output, &header, reads::registry_cells, out);
                let partial = reads::registries(acr, self.config, &q, &mut w).await;
                w.finish(partial)
            }
            Commands::Repos(a) => {
                let q = match reads::query(&a.query) {
                    Ok(q) => q,
                    Err(e) => return usage(e),
                };
                let r = match self.registry(&a.target).await {
                    Ok(r) => r,
                    Err(e) => return failed(e),
                };
                let header = ["REPOSITORY", "TAGS", "MANIFESTS", "UPDATED (UTC)", "LOCKED"];
                let mut w = RowWriter::new(a.output, &header, reads::repository_cells, out);
                let partial = reads::repositories(acr, &r.properties.login_server, &q, &mut w).await;
                w.finish(partial)
            }
            Commands::Tags(a) => {
                let Some((reg, repo)) = a.target.split_once('/').filter(|(r, p)| !r.is_empty() && !p.is_empty()) else {
                    return usage(format!("`{}` is not REGISTRY/REPOSITORY, e.g. prod/apps/web", a.target));
                };
                let q = match reads::query(&a.query) {
                    Ok(q) => q,
                    Err(e) => return usage(e),
                };
                let r = match self.registry(reg).await {
                    Ok(r) => r,
                    Err(e) => return failed(e),
                };
                let header = ["TAG", "DIGEST", "CREATED (UTC)", "UPDATED (UTC)", "LOCKED"];
                let mut w = RowWriter::new(a.output, &header, reads::tag_cells, out);
                let partial = reads::tags(acr, &r.properties.login_server, repo, &q, &mut w).await;
                w.finish(partial)
            }
            Commands::Runs(a) if a.all => {
                let registries = match self.registries(None).await {
                    Ok(r) => r,
                    Err(e) => return failed(e),
                };
                let filter = crate::acr::RunFilter {
                    task: a.task.clone(),
                    status: a.status.as_deref().map(crate::acr::model::RunStatus::parse),
                    image: None,
                };
                let top = a.top.unwrap_or(rollout::RUNS_PER_REGISTRY);
                let every = a
                    .follow
                    .then(|| std::time::Duration::from_secs(self.config.refresh.runs_active_secs));
                rollout::runs_all(acr, &registries, &filter, top, every, a.output, out).await
            }
            Commands::Webhooks(a) => {
                let registries = match self.registries(a.registry.as_deref()).await {
                    Ok(r) => r,
                    Err(e) => return failed(e),
                };
                match &a.events {
                    None => rollout::webhooks(acr, &registries, a.output, out).await,
                    Some(name) => {
                        let Some(reg) = registries.first().filter(|_| registries.len() == 1) else {
                            return usage(format!(
                                "--events {name} needs the registry the webhook is in: acrdeck webhooks REGISTRY --events {name}"
                            ));
                        };
                        rollout::webhook_events(acr, reg, name, a.output, out).await
                    }
                }
            }
            Commands::Tokens(a) => {
                let registries = match self.registries(a.registry.as_deref()).await {
                    Ok(r) => r,
                    Err(e) => return failed(e),
                };
                let days = a.expiring.unwrap_or(self.config.tokens.expiry_warning_days);
                let window = chrono::Duration::days(i64::from(days));
                rollout::tokens(acr, &registries, window, a.expiring.is_some(), a.output, out).await
            }
            Commands::Runs(a) => {
                let Some(name) = &a.registry else {
                    return usage("name a registry, or --all for every one".into());
                };
                let r = match self.registry(name).await {
                    Ok(r) => r,
                    Err(e) => return failed(e),
                };
                let mut w = RowWriter::new(a.output, &reads::RUN_HEADER, reads::run_cells, out);
                let partial = reads::runs(acr, &r, a.task.clone(), a.status.clone(), a.top, &mut w).await;
                w.finish(partial)
            }
            _ => reads::EXIT_USAGE,
        }
    }

    /// `lock` / `unlock`: asked for unless `--yes`, audited, read back.
    async fn lock(&self, a: &LockArgs, lock: bool, out: &mut impl Write) -> u8 {
        let (reg, repo, target) = match changes::parse_target(&a.target) {
            Ok(t) => t,
            Err(e) => return usage(e),
        };
        let r = match self.registry(&reg).await {
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
        let audit = match crate::audit::AuditTrail::open(&self.paths.state_dir) {
            Ok(t) => {
                t.warnings().iter().for_each(|w| say(&format!("warning: {w}")));
                t
            }
            Err(e) => return failed(format!("{e}; nothing changes without its audit record")),
        };
        match crate::runner::audited_mutate(self.acr, &audit, &mutation).await {
            Ok(now) => {
                let line = match a.output {
                    Output::Json => serde_json::json!({
                        "done": mutation.describe(),
                        "target": mutation.audit_target(),
                        "read_back": now,
                    })
                    .to_string(),
                    Output::Table => format!("done: {} — {now}", mutation.describe()),
                };
                match writeln!(out, "{line}") {
                    Ok(()) => reads::EXIT_OK,
                    Err(_) => reads::EXIT_FAILED,
                }
            }
            Err(e) if e.is_outcome_unknown() => {
                say(&e.to_string());
                reads::EXIT_UNKNOWN
            }
            Err(e) => failed(e.to_string()),
        }
    }
}

/// `acrdeck doctor`: every check with its timing and a fix per failure.
async fn doctor(loaded: &LoadedConfig, acr: &Acr, output: Output, out: &mut impl Write) -> u8 {
    let checks = super::doctor::run(loaded, acr).await;
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                match (c.ok, c.warning) {
                    (false, _) => "FAIL".into(),
                    (true, true) => "WARN".into(),
                    (true, false) => "ok".into(),
                },
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
    let written = match output {
        Output::Json => writeln!(out, "{}", serde_json::json!(checks)),
        Output::Table => write!(
            out,
            "{}",
            super::table(&["", "CHECK", "TARGET", "TOOK", "DETAIL"], &rows)
        ),
    };
    if written.is_err() || checks.iter().any(|c| !c.ok) {
        reads::EXIT_FAILED
    } else {
        reads::EXIT_OK
    }
}
