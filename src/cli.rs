//! The command line. Completions and the man page are generated from this same definition.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  acrdeck --demo                      Open the dashboard on the built-in demo world (no Azure needed)
  acrdeck                             Open the dashboard on the environment in the default config file
  acrdeck --config prod.toml --readonly
                                      Watch production without any way to change it
  acrdeck --log-level debug           Write debug diagnostics to the log file
  acrdeck completions bash > ~/.local/share/bash-completion/completions/acrdeck
  acrdeck man > acrdeck.1             Write the man page
  acrdeck emulator --state-dir /tmp/emu
                                      Run the ACR emulator alone; prints its endpoints as JSON
  acrdeck imports plan images.txt --registry dev
                                      Print what importing images.txt into dev would do (for CI)
  acrdeck audit --since 24h --output json
                                      Print the last day's changes from the audit trail

Files:
  config   $XDG_CONFIG_HOME/acrdeck/config.toml (override with --config or ACRDECK_CONFIG_DIR)
  logs     $XDG_STATE_HOME/acrdeck/logs/ (override the state dir with ACRDECK_STATE_DIR)";

/// A terminal dashboard for Azure Container Registry: registries, repositories, tags, locks,
/// cache rules and task runs with live logs; approve queued imports, promote images between
/// stage registries and lock what reaches production.
#[derive(Debug, Parser)]
#[command(
    name = "acrdeck",
    version,
    long_version = crate::build_info::LONG_VERSION,
    long_about = None,
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Open the dashboard on the embedded emulator's demo world: no Azure, config or network needed
    #[arg(long)]
    pub demo: bool,

    /// Configuration file [default: the platform's config dir, then built-in defaults]
    #[arg(long, short = 'c', value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Hide every mutating action; the ACR client refuses mutating calls too
    #[arg(long, global = true)]
    pub readonly: bool,

    /// Headless commands: print service text (tags, log lines, messages) as it is, escape
    /// sequences included; without it, control characters and bidirectional overrides are
    /// shown as U+FFFD (in JSON, escaped as \u00XX) so no tag or log line can drive the terminal
    #[arg(long, global = true)]
    pub raw: bool,

    /// Diagnostics log level or filter (error, warn, info, debug, trace, or `acrdeck=debug,...`);
    /// RUST_LOG is used when this is not given
    #[arg(long, value_name = "LEVEL", global = true)]
    pub log_level: Option<String>,

    /// Test builds only: panic this many milliseconds after the first frame
    #[arg(long, hide = true, value_name = "MS")]
    pub debug_panic_after: Option<u64>,

    #[command(subcommand)]
    pub command: Option<Commands>,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Print shell completions for bash, zsh, fish, elvish or powershell
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output
    Man,
    /// Print what this build is: version, git commit, build date, target, rustc
    Version(VersionArgs),
    /// Run the ACR emulator alone: Entra token service, ARM, one registry per world registry,
    /// run-log blobs, all over HTTPS on loopback. Prints one JSON line when ready, serves until
    /// SIGTERM or Ctrl-C.
    Emulator(EmulatorArgs),
    /// Queued imports of images.txt files, without the dashboard
    #[command(subcommand)]
    Imports(ImportsCommand),
    /// Print the audit trail (who changed what, when, which digests), newest first
    Audit(AuditArgs),
    /// List the registries of the environment [QUERY: the search grammar of `/`]
    Registries(ListArgs),
    /// List a registry's repositories (REGISTRY: name, stage or login server)
    Repos(RegistryListArgs),
    /// List a repository's tags, newest first (REGISTRY/REPOSITORY)
    Tags(RegistryListArgs),
    /// List a registry's task runs, newest first; with --all, every registry's, with its stage
    Runs(RunsArgs),
    /// List the webhooks of a registry (or of every one) with their newest delivery; with
    /// --events NAME, that webhook's recent deliveries
    Webhooks(WebhooksArgs),
    /// List the repository-scoped tokens of a registry (or of every one): scope, status,
    /// expiry. With --expiring DAYS only those expiring within DAYS, exit status 1 if any
    Tokens(TokensArgs),
    /// Print a run's log; with --follow, as it is written, exiting with the run's outcome
    /// (0 Succeeded, 1 Failed/Error/Timeout, 2 Canceled)
    Logs(LogsArgs),
    /// Lock a tag (REGISTRY/REPO:TAG), a digest (REGISTRY/REPO@sha256:…) or a repository
    /// (REGISTRY/REPO) against write and/or delete; asks first unless --yes
    Lock(LockArgs),
    /// Unlock what `lock` locks
    Unlock(LockArgs),
    /// Check what works from this machine: sign-in, listings, DNS, registry sign-in, runs, log
    /// blobs; exit 0 when all pass, 1 when any fails (each failure says what to do)
    Doctor(DoctorArgs),
    /// The two-person rule for promotions into a gated stage: ask, list, approve, reject, run.
    /// Exit status: 0 done, 1 refused or failed (the reason is said), 2 used wrongly, 3 the
    /// outcome of a promotion is unknown
    #[command(subcommand)]
    Promote(PromoteCommand),
}

#[derive(Debug, Subcommand)]
pub enum PromoteCommand {
    /// Ask for promoting REPOSITORY:TAG from stage SOURCE to stage TARGET: a request artifact is
    /// stored next to the image, for another operator to approve
    Request(PromoteRequestArgs),
    /// List the requests into gated stages and where each stands
    List(PromoteListArgs),
    /// Approve a request (not your own): its digest, as it is now
    Approve(PromoteReviewArgs),
    /// Reject a request
    Reject(PromoteReviewArgs),
    /// Run an approved request: the promotion by digest, verified and locked as the policy says
    Run(PromoteRunArgs),
}

#[derive(Debug, clap::Args)]
pub struct PromoteRequestArgs {
    /// The stage the image is in
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// The stage to promote it to
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// REPOSITORY:TAG in the source stage
    #[arg(value_name = "REPOSITORY:TAG")]
    pub image: String,
    /// Why (kept with the request and in the audit trail)
    #[arg(long)]
    pub note: String,
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, clap::Args)]
pub struct PromoteListArgs {
    /// Only requests still waiting for approvals or ready to run
    #[arg(long)]
    pub pending: bool,
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, clap::Args)]
pub struct PromoteReviewArgs {
    /// The request's id (at least its first 8 digits)
    #[arg(value_name = "REQUEST_ID")]
    pub id: String,
    /// What was checked (kept with the review and in the audit trail)
    #[arg(long)]
    pub note: String,
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, clap::Args)]
pub struct PromoteRunArgs {
    /// The request's id (at least its first 8 digits)
    #[arg(value_name = "REQUEST_ID")]
    pub id: String,
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// Check against the embedded demo world instead of the config: the emulator starts in this
    /// process on loopback, so a fresh install proves its TLS, sign-in and listings work here
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// The registry: name, stage or login server
    #[arg(value_name = "REGISTRY")]
    pub registry: String,
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,
    /// Follow the log as the run writes it, until the run ends
    #[arg(long, short = 'f')]
    pub follow: bool,
}

#[derive(Debug, clap::Args)]
pub struct LockArgs {
    /// REGISTRY/REPO:TAG, REGISTRY/REPO@DIGEST or REGISTRY/REPO
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// Writes (overwrites, pushes) [default: both write and delete]
    #[arg(long)]
    pub write: bool,
    /// Deletes [default: both write and delete]
    #[arg(long)]
    pub delete: bool,
    /// Do not ask
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Words, key:value (stage:prod, locked:yes, updated:<7d), re:PATTERN
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    /// table (aligned, written once every row is in), json or tsv (both written as pages arrive)
    #[arg(long, short = 'o', value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Debug, clap::Args)]
pub struct RegistryListArgs {
    /// The registry (and for `tags`, `/REPOSITORY`)
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// Words, key:value (locked:yes, updated:<7d, digest:sha256:ab), re:PATTERN
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    /// table (aligned, written once every row is in), json or tsv (both written as pages arrive)
    #[arg(long, short = 'o', value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["registry", "all"]))]
pub struct RunsArgs {
    /// The registry: name, stage or login server
    #[arg(value_name = "REGISTRY")]
    pub registry: Option<String>,
    /// Every registry's runs, newest first, with a STAGE column (at most --top per registry,
    /// 50 by default)
    #[arg(long)]
    pub all: bool,
    /// With --all: keep watching, writing each run that starts or changes status as a line
    /// (JSON: one object per line) until interrupted
    #[arg(long, short = 'f', requires = "all")]
    pub follow: bool,
    /// Only runs of this task
    #[arg(long)]
    pub task: Option<String>,
    /// Only runs in this status (Queued, Running, Succeeded, Failed, Canceled, Error, Timeout)
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many runs
    #[arg(long)]
    pub top: Option<u32>,
    /// table (aligned, written once every row is in), json or tsv (both written as pages arrive)
    #[arg(long, short = 'o', value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Debug, clap::Args)]
pub struct WebhooksArgs {
    /// The registry: name, stage or login server [default: every registry]
    #[arg(value_name = "REGISTRY")]
    pub registry: Option<String>,
    /// This webhook's recent deliveries instead, newest first
    #[arg(long, value_name = "NAME")]
    pub events: Option<String>,
    /// table (aligned, written once every row is in), json or tsv
    #[arg(long, short = 'o', value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Debug, clap::Args)]
pub struct TokensArgs {
    /// The registry: name, stage or login server [default: every registry]
    #[arg(value_name = "REGISTRY")]
    pub registry: Option<String>,
    /// Only tokens whose password expires within DAYS (expired ones included); exit status 1
    /// when there is any
    #[arg(long, value_name = "DAYS")]
    pub expiring: Option<u32>,
    /// table (aligned, written once every row is in), json or tsv
    #[arg(long, short = 'o', value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Only changes asked for within this long before now: 90s, 30m, 24h, 7d
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<chrono::Duration>,
    /// The trail to read [default: audit.jsonl in the state dir]
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// How to print it
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

impl PromoteCommand {
    pub fn output(&self) -> Output {
        match self {
            PromoteCommand::Request(a) => a.output,
            PromoteCommand::List(a) => a.output,
            PromoteCommand::Approve(a) | PromoteCommand::Reject(a) => a.output,
            PromoteCommand::Run(a) => a.output,
        }
    }

    /// Whether it writes to a registry (everything but `list`).
    pub fn changes(&self) -> bool {
        !matches!(self, PromoteCommand::List(_))
    }
}

/// `90s`, `30m`, `24h`, `7d`: as the config writes durations.
pub fn parse_duration(s: &str) -> Result<chrono::Duration, String> {
    crate::config::parse_duration(s)
}

#[derive(Debug, Subcommand)]
pub enum ImportsCommand {
    /// Plan images.txt files against their registry and print what importing them would do.
    /// Exit status: 0 everything is present, 1 some lines are queued or drifted, 2 a line is
    /// invalid (or the command was used wrongly), 3 a registry could not be read.
    Plan(PlanArgs),
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// images.txt files [default: every [[images]] file of the config]. A file the config binds
    /// keeps its registry and credentials; others go to --registry or the first stage
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Target registry for every file: a stage name, a login server or a resource id
    #[arg(long, short = 'r', value_name = "R")]
    pub registry: Option<String>,
    /// How to print the plan
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// How a listing is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListOutput {
    Table,
    Json,
    /// Tab-separated, a header line first; tabs, line ends and backslashes in values escaped.
    Tsv,
}

#[derive(Debug, clap::Args)]
pub struct VersionArgs {
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Table,
    Json,
}

impl Cli {
    /// How a headless command's stdout treats service text: as it is with `--raw`; JSON-escaped
    /// for JSON output; otherwise control characters shown as U+FFFD.
    pub fn treatment(&self) -> crate::text::Treatment {
        use crate::text::Treatment;
        if self.raw {
            return Treatment::Raw;
        }
        let json = match &self.command {
            Some(Commands::Registries(a)) => a.output == ListOutput::Json,
            Some(Commands::Repos(a) | Commands::Tags(a)) => a.output == ListOutput::Json,
            Some(Commands::Runs(a)) => a.output == ListOutput::Json,
            Some(Commands::Webhooks(a)) => a.output == ListOutput::Json,
            Some(Commands::Tokens(a)) => a.output == ListOutput::Json,
            Some(Commands::Promote(p)) => p.output() == Output::Json,
            Some(Commands::Lock(a) | Commands::Unlock(a)) => a.output == Output::Json,
            Some(Commands::Doctor(a)) => a.output == Output::Json,
            Some(Commands::Audit(a)) => a.output == Output::Json,
            Some(Commands::Imports(ImportsCommand::Plan(a))) => a.output == Output::Json,
            _ => false,
        };
        if json { Treatment::Json } else { Treatment::Text }
    }
}

#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Address of the ARM and token endpoint (loopback only); other listeners use the same IP
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// Where the CA certificate, the generated acrdeck config and the client secret are written
    /// [default: <state dir>/emulator]
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// World file to load instead of the demo world (format: assets/demo-world.toml)
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// Add synthetic registries for benchmarks: `repos=N,tags=M[,registries=K]`: K registries
    /// (`scale`, `scale2`, ...) of N repositories each, the first holding M tags over 64 images,
    /// the others one image under one to four tags
    #[arg(long, value_name = "SPEC", value_parser = parse_scale)]
    pub scale: Option<crate::emulator::Scale>,
}

fn parse_scale(s: &str) -> Result<crate::emulator::Scale, String> {
    crate::emulator::Scale::parse(s)
}

impl Cli {
    pub fn command() -> clap::Command {
        <Cli as clap::CommandFactory>::command()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Ok(chrono::Duration::hours(24)));
        assert_eq!(parse_duration("7d"), Ok(chrono::Duration::days(7)));
        assert_eq!(parse_duration("90s"), Ok(chrono::Duration::seconds(90)));
        assert!(parse_duration("24").is_err());
        assert!(parse_duration("h").is_err());
        assert_eq!(parse_duration("3w"), Ok(chrono::Duration::weeks(3)));
        assert!(parse_duration("3y").is_err());
        assert!(parse_duration("0h").is_err(), "no time at all");
    }

    #[test]
    fn help_has_examples() {
        let help = Cli::command().render_help().to_string();
        assert!(help.contains("Examples:") && help.contains("acrdeck --demo"), "{help}");
    }
}
