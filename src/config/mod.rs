//! The configuration file: what the operator's environment is (cloud, tenant, subscriptions, how
//! to sign in), which registries form the stage pipeline, which images.txt files to watch, and how
//! the dashboard behaves. `assets/config.example.toml` documents every key; keep the two in step.
//!
//! Unknown keys are errors (`deny_unknown_fields`): a misspelt policy key that silently falls back
//! to its default is exactly the kind of surprise that hurts production.

mod error;
mod load;

pub use error::ConfigError;
pub use load::{line_col as line_col_of, load_file, parse_str};

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Microsoft Entra tenant id (GUID) or domain; needed by most auth methods.
    pub tenant: Option<String>,
    /// Subscriptions to list registries in. Empty: every subscription the identity can see.
    #[serde(default)]
    pub subscriptions: Vec<String>,
    #[serde(default)]
    pub cloud: CloudConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    /// The promotion pipeline, in order (dev first, prod last).
    #[serde(default)]
    pub stages: Vec<StageConfig>,
    /// images.txt files whose lines are queued imports.
    #[serde(default)]
    pub images: Vec<ImagesFileConfig>,
    #[serde(default)]
    pub network: NetworkConfig,
    #[serde(default)]
    pub refresh: RefreshConfig,
    /// Key bindings: command name -> one key or a list of keys (see `acrdeck --help`, `?` in the
    /// dashboard shows the effective map).
    #[serde(default)]
    pub keys: BTreeMap<String, Spanned<crate::keys::KeyList>>,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub tokens: TokensConfig,
    #[serde(default)]
    pub notify: NotifyConfig,
}

/// Repository-scoped tokens: how long before a password expires acrdeck starts warning.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensConfig {
    #[serde(default = "default_expiry_warning_days")]
    pub expiry_warning_days: u32,
}

fn default_expiry_warning_days() -> u32 {
    14
}

impl Default for TokensConfig {
    fn default() -> Self {
        TokensConfig {
            expiry_warning_days: default_expiry_warning_days(),
        }
    }
}

/// How acrdeck tells the operator about what happened while they looked elsewhere. The status
/// bar line always shows; the bell and the desktop notification (OSC 9 and OSC 777, which
/// terminals such as iTerm2, kitty, WezTerm, foot and Windows Terminal turn into one) as set
/// here. Each kind of signal can be switched off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    #[serde(default = "yes")]
    pub bell: bool,
    /// Desktop notifications through the terminal; off by default.
    #[serde(default)]
    pub desktop: bool,
    /// A run failed in any registry.
    #[serde(default = "yes")]
    pub run_failed: bool,
    /// A run that was pinned (watched) ended.
    #[serde(default = "yes")]
    pub watched_run_ended: bool,
    /// An image was pushed to (or imported into) a production registry.
    #[serde(default = "yes")]
    pub production_push: bool,
}

fn yes() -> bool {
    true
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            bell: true,
            desktop: false,
            run_failed: true,
            watched_run_ended: true,
            production_push: true,
        }
    }
}

/// Which Azure cloud: the three sovereign clouds by name, or every endpoint given by hand.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudConfig {
    #[serde(default = "default_cloud_name")]
    pub name: Spanned<CloudName>,
    /// Resource Manager endpoint, e.g. `https://management.azure.com`. Required for `Custom`.
    pub arm_endpoint: Option<String>,
    /// Entra authority host, e.g. `https://login.microsoftonline.com`. Required for `Custom`.
    pub authority_host: Option<String>,
    /// Login-server suffix of registries, e.g. `azurecr.io`. Required for `Custom`.
    pub acr_suffix: Option<String>,
    /// Audience of ARM tokens; defaults to the ARM endpoint.
    pub arm_audience: Option<String>,
}

fn default_cloud_name() -> Spanned<CloudName> {
    Spanned::new(0..0, CloudName::AzurePublic)
}

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig {
            name: default_cloud_name(),
            arm_endpoint: None,
            authority_host: None,
            acr_suffix: None,
            arm_audience: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CloudName {
    AzurePublic,
    AzureChina,
    AzureUSGovernment,
    Custom,
}

impl CloudName {
    pub fn as_str(self) -> &'static str {
        match self {
            CloudName::AzurePublic => "AzurePublic",
            CloudName::AzureChina => "AzureChina",
            CloudName::AzureUSGovernment => "AzureUSGovernment",
            CloudName::Custom => "Custom",
        }
    }
}

/// How acrdeck signs in. Secrets are never written in this file: they are named by reference
/// (an environment variable or a file only the operator can read).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub method: AuthMethod,
    /// Application (client) id for service principals, workload identity and user-assigned
    /// managed identities.
    pub client_id: Option<String>,
    /// Name of the environment variable that holds the client secret.
    pub client_secret_env: Option<String>,
    /// File that holds the client secret (must not be readable by group or others).
    pub client_secret_file: Option<PathBuf>,
    /// PEM or PKCS#12 file with the service principal's certificate and key.
    pub certificate_file: Option<PathBuf>,
    /// Environment variable holding the PKCS#12 file's password.
    pub certificate_password_env: Option<String>,
    /// File holding the PKCS#12 file's password (must not be readable by group or others).
    pub certificate_password_file: Option<PathBuf>,
    /// Admin user or repository-scoped token name, for `method = "registry-password"`.
    pub username: Option<String>,
    /// Environment variable holding that user's password.
    pub password_env: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    /// The operator ran `az login` on this machine.
    #[default]
    AzureCli,
    /// The jump box VM's managed identity.
    ManagedIdentity,
    /// Federated token file (AKS workload identity).
    WorkloadIdentity,
    /// Service principal with a secret.
    ClientSecret,
    /// Service principal with a certificate.
    ClientCertificate,
    /// Registry admin user or repository-scoped token (no Entra ID; data plane only).
    RegistryPassword,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::AzureCli => "azure-cli",
            AuthMethod::ManagedIdentity => "managed-identity",
            AuthMethod::WorkloadIdentity => "workload-identity",
            AuthMethod::ClientSecret => "client-secret",
            AuthMethod::ClientCertificate => "client-certificate",
            AuthMethod::RegistryPassword => "registry-password",
        }
    }
}

/// One stage of the promotion pipeline and its registry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    pub name: Spanned<String>,
    /// ARM resource id (`/subscriptions/.../registries/NAME`) or login server (`NAME.azurecr.io`).
    pub registry: Spanned<String>,
    #[serde(default)]
    pub policy: StagePolicy,
}

/// What a stage allows and requires.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePolicy {
    /// Require typing the target registry's name to confirm a change here. Default: on for the
    /// last stage.
    pub typed_confirmation: Option<bool>,
    /// Locks applied to a promoted or imported tag after it is verified: `["write", "delete"]`.
    /// Default: both for the last stage, none elsewhere.
    pub lock_after: Option<Vec<Spanned<LockKind>>>,
    /// Repositories that may be promoted into this stage (glob patterns). Empty: all.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// Whether a promotion may replace an existing tag that points at a different digest.
    #[serde(default)]
    pub allow_replace: bool,
    /// Whether this stage may receive promotions from a stage other than the one before it.
    #[serde(default)]
    pub allow_skip: bool,
    /// The two-person rule: how many operators other than the requester must approve a
    /// promotion request into this stage before it may run. 0 (the default): no request needed.
    #[serde(default)]
    pub approvals: u32,
    /// A task of the source stage's registry whose successful run must name the candidate's
    /// digest in its outputs (a validation gate), within `require_run_age`.
    pub require_run: Option<String>,
    /// How recent that run must be: `90m`, `24h`, `7d`. Default `7d`.
    pub require_run_age: Option<Spanned<String>>,
    /// How long a promotion request stays valid: `24h` by default.
    pub request_ttl: Option<Spanned<String>>,
    /// Where promotion requests and their approvals are kept (a stage's name or a login
    /// server). Default: the source stage's registry, next to the candidate.
    pub requests_registry: Option<String>,
}

/// `90m`, `24h`, `7d`, `2w` (or plain seconds: `3600s`).
pub fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write a number and a unit, like 24h or 7d"))?;
    let d = match unit.trim() {
        "s" => chrono::Duration::seconds(n),
        "m" => chrono::Duration::minutes(n),
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        "w" => chrono::Duration::weeks(n),
        other => return Err(format!("`{text}`: `{other}` is not a unit (s, m, h, d, w)")),
    };
    if n == 0 {
        return Err(format!("`{text}` is no time at all"));
    }
    Ok(d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockKind {
    Write,
    Delete,
}

/// An images.txt file and where its lines are imported to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesFileConfig {
    /// Path of the file; relative paths are relative to the config file.
    pub file: PathBuf,
    /// Stage name or login server of the target registry. Default: the first stage.
    pub registry: Option<Spanned<String>>,
    /// Lock tags after a verified import.
    #[serde(default)]
    pub lock_after_import: bool,
    /// Credentials for upstream registries that need them, keyed by registry host.
    #[serde(default)]
    pub credentials: BTreeMap<String, CredentialRef>,
}

/// Where an upstream credential is read from; the values themselves never appear in config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRef {
    /// Environment variable holding the user name (or give `username`).
    pub username_env: Option<String>,
    pub username: Option<String>,
    /// Environment variable holding the password or token.
    pub password_env: Option<String>,
    /// File holding the password or token (must be readable only by its owner).
    pub password_file: Option<PathBuf>,
}

/// How acrdeck reaches Azure from a private network.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Proxy URL for HTTPS; default: `HTTPS_PROXY` / `https_proxy` from the environment.
    pub proxy: Option<String>,
    /// Hosts that bypass the proxy; default: `NO_PROXY` from the environment.
    pub no_proxy: Option<String>,
    /// Extra PEM CA certificates to trust (a corporate TLS-inspecting proxy, the emulator's CA).
    pub ca_bundle: Option<PathBuf>,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    #[serde(default = "default_read_timeout")]
    pub read_timeout_secs: u64,
    /// The longest one request may take, its retries and their waits included.
    #[serde(default = "default_deadline")]
    pub deadline_secs: u64,
}

fn default_connect_timeout() -> u64 {
    10
}
fn default_read_timeout() -> u64 {
    30
}
fn default_deadline() -> u64 {
    60
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            proxy: None,
            no_proxy: None,
            ca_bundle: None,
            connect_timeout_secs: default_connect_timeout(),
            read_timeout_secs: default_read_timeout(),
            deadline_secs: default_deadline(),
        }
    }
}

/// How often panes re-read the registries, in seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshConfig {
    #[serde(default = "default_runs_active")]
    pub runs_active_secs: u64,
    #[serde(default = "default_runs_idle")]
    pub runs_idle_secs: u64,
    #[serde(default = "default_listings")]
    pub listings_secs: u64,
}

fn default_runs_active() -> u64 {
    3
}
fn default_runs_idle() -> u64 {
    30
}
fn default_listings() -> u64 {
    120
}

impl Default for RefreshConfig {
    fn default() -> Self {
        RefreshConfig {
            runs_active_secs: default_runs_active(),
            runs_idle_secs: default_runs_idle(),
            listings_secs: default_listings(),
        }
    }
}

/// Where a stage stands in the pipeline, for sorting registries: the configured stages in
/// their order, then the usual names (dev … production), then the rest; no stage last.
pub fn stage_rank(stage: Option<&str>, configured: &[String]) -> usize {
    let Some(s) = stage else { return usize::MAX };
    if let Some(i) = configured.iter().position(|c| c.eq_ignore_ascii_case(s)) {
        return i;
    }
    ["dev", "test", "staging", "uat", "preprod", "prod", "production"]
        .iter()
        .position(|c| c.eq_ignore_ascii_case(s))
        .map(|i| 100 + i)
        .unwrap_or(1000)
}

/// Whether a stage is production: the pipeline's last stage, or one named `prod` or
/// `production`. The one definition: confirmations (typed names, required notes) and the
/// promotion policies' defaults (typed confirmation, locks after a promotion) all ask here.
pub fn is_production_stage(stage: &str, pipeline: &[String]) -> bool {
    pipeline.last().is_some_and(|last| last.eq_ignore_ascii_case(stage))
        || stage.eq_ignore_ascii_case("prod")
        || stage.eq_ignore_ascii_case("production")
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// `default`, `monochrome`, or a path to a theme file.
    pub theme: Option<String>,
    /// Start read-only, as `--readonly` does.
    #[serde(default)]
    pub readonly: bool,
    /// The pane acrdeck opens on (`rollout`, `registries`, `runs`, …); by default the rollout
    /// view when more than one stage is configured, else the registries.
    pub home: Option<String>,
}

/// A loaded configuration together with where it came from, for messages and relative paths.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file it was read from; `None` when no file exists and defaults are used.
    pub source: Option<PathBuf>,
}

impl LoadedConfig {
    /// Resolves a path written in the config file relative to that file's folder.
    pub fn resolve_path(&self, path: &std::path::Path) -> PathBuf {
        match (&self.source, path.is_relative()) {
            (Some(src), true) => src
                .parent()
                .map(|dir| dir.join(path))
                .unwrap_or_else(|| path.to_path_buf()),
            _ => path.to_path_buf(),
        }
    }
}
