//! The emulated Azure: one tenant and subscription, a service principal, the ACR registries with
//! their ARM-side resources (cache rules, credential sets, tasks, runs, webhooks), an upstream
//! registry standing in for the public ones, and the long-running operations in flight.

use super::model::{Attrs, Store};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

pub struct World {
    pub tenant: String,
    pub subscription: String,
    pub principal: Principal,
    /// A second operator, when the world has one.
    pub approver: Option<Principal>,
    pub registries: Vec<Registry>,
    pub upstream: Upstream,
    pub operations: HashMap<String, Operation>,
    /// Items per page of ARM listings (small in the demo so that paging is exercised).
    pub arm_page_size: usize,
    /// Seconds an importImage operation takes.
    pub import_seconds: f64,
}

impl World {
    /// The operator with this application id and secret: the principal or the approver.
    pub fn principal_signing_in(&self, client_id: &str, secret: &str) -> Option<&Principal> {
        std::iter::once(&self.principal)
            .chain(self.approver.as_ref())
            .find(|p| p.client_id == client_id && p.client_secret == secret)
    }

    /// The operator with this application id and a certificate registered, signing in with
    /// `assertion` for the token endpoint `audience`.
    pub fn principal_asserting(
        &self,
        client_id: &str,
        assertion: &str,
        audience: &str,
        now: i64,
    ) -> Result<&Principal, super::assertion::Refusal> {
        let principal = std::iter::once(&self.principal)
            .chain(self.approver.as_ref())
            .find(|p| p.client_id == client_id);
        let registered = principal.map(|p| p.certificates.as_slice()).unwrap_or(&[]);
        super::assertion::verify(assertion, client_id, audience, registered, now)?;
        principal.ok_or_else(|| super::assertion::Refusal {
            error: "unauthorized_client",
            code: 700016,
            description: format!("Application with identifier '{client_id}' was not found in the directory."),
        })
    }

    /// The operator with this application id, whatever the secret.
    pub fn principal_named(&self, client_id: &str) -> Option<&Principal> {
        std::iter::once(&self.principal)
            .chain(self.approver.as_ref())
            .find(|p| p.client_id == client_id)
    }
}

/// The service principal the emulator's token service signs in.
#[derive(Debug, Clone)]
pub struct Principal {
    pub client_id: String,
    pub client_secret: String,
    pub object_id: String,
    pub display_name: String,
    /// Certificates registered on the application, for sign-in with a client assertion.
    pub certificates: Vec<super::assertion::Registered>,
}

/// Public registries (docker.io, quay.io, ...) served by one emulated registry whose
/// repositories are named `<host>/<path>`.
#[derive(Default)]
pub struct Upstream {
    pub hosts: Vec<UpstreamHost>,
    pub store: Store,
    pub login_server: String,
}

#[derive(Debug, Clone)]
pub struct UpstreamHost {
    pub host: String,
    /// Imports from here need `credentials` in the request (docker.io's pull limits).
    pub credentials: Option<(String, String)>,
}

impl Upstream {
    /// Maps `registryUri` + image to the upstream repository, accepting docker.io's aliases.
    pub fn repository_for(&self, registry_uri: &str, repo: &str) -> Option<(String, &UpstreamHost)> {
        let host = match registry_uri.trim_end_matches('/') {
            "registry.hub.docker.com" | "index.docker.io" | "registry-1.docker.io" => "docker.io",
            other => other,
        };
        let entry = self.hosts.iter().find(|h| h.host.eq_ignore_ascii_case(host))?;
        // docker.io's official images live under library/.
        let path = if entry.host == "docker.io" && !repo.contains('/') {
            format!("library/{repo}")
        } else {
            repo.to_string()
        };
        Some((format!("{}/{path}", entry.host), entry))
    }
}

pub struct Registry {
    pub name: String,
    pub resource_group: String,
    pub location: String,
    pub sku: String,
    pub tags: BTreeMap<String, String>,
    pub created: DateTime<Utc>,
    pub login_server: String,
    pub admin_user_enabled: bool,
    pub admin_password: String,
    pub public_network_access: bool,
    pub store: Store,
    pub cache_rules: BTreeMap<String, CacheRule>,
    pub credential_sets: BTreeMap<String, CredentialSet>,
    pub tasks: BTreeMap<String, Task>,
    /// Oldest first; listings reverse it.
    pub runs: Vec<Run>,
    pub webhooks: BTreeMap<String, Webhook>,
    pub scope_maps: BTreeMap<String, ScopeMap>,
    pub tokens: BTreeMap<String, RepoToken>,
    /// Geo-replicas, by name (Premium registries).
    pub replications: BTreeMap<String, Replication>,
    pub uploads: HashMap<String, Vec<u8>>,
    pub next_run: u32,
}

/// What a repository-scoped token may do: ACR's actions, `repositories/<repo>/content/read`
/// and the like (`content/write`, `content/delete`, `metadata/read`, `metadata/write`).
#[derive(Debug, Clone)]
pub struct ScopeMap {
    pub name: String,
    pub actions: Vec<String>,
    pub created: DateTime<Utc>,
}

impl ScopeMap {
    /// The registry token actions (`pull`, `push`, `delete`, `metadata_read`,
    /// `metadata_write`) this map allows on `repository`.
    pub fn allows(&self, repository: &str) -> Vec<&'static str> {
        const ACTIONS: [(&str, &str); 5] = [
            ("/content/read", "pull"),
            ("/content/write", "push"),
            ("/content/delete", "delete"),
            ("/metadata/read", "metadata_read"),
            ("/metadata/write", "metadata_write"),
        ];
        let mut out = Vec::new();
        for a in &self.actions {
            let Some(rest) = a.strip_prefix("repositories/") else {
                continue;
            };
            for (suffix, action) in ACTIONS {
                if let Some(repo) = rest.strip_suffix(suffix)
                    && (repo == repository || repo == "*")
                    && !out.contains(&action)
                {
                    out.push(action);
                }
            }
        }
        out
    }
}

/// A repository-scoped token: a name and password the token endpoint takes as basic
/// credentials, limited to its scope map.
#[derive(Debug, Clone)]
pub struct RepoToken {
    pub name: String,
    pub scope_map: String,
    pub password: String,
    pub created: DateTime<Utc>,
    /// When its password stops working; none: it does not expire.
    pub expiry: Option<DateTime<Utc>>,
    pub enabled: bool,
}

impl Registry {
    pub fn resource_id(&self, subscription: &str) -> String {
        format!(
            "/subscriptions/{subscription}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/{}",
            self.resource_group, self.name
        )
    }

    /// Run ids are short: a registry prefix and a sequence number (`cf1`, `cf2`, ...).
    pub fn new_run_id(&mut self) -> String {
        self.next_run += 1;
        let prefix: String = self.name.chars().take(2).collect::<String>().to_lowercase();
        format!("{prefix}{}", self.next_run)
    }

    pub fn run_mut(&mut self, id: &str) -> Option<&mut Run> {
        self.runs.iter_mut().find(|r| r.id == id)
    }
}

#[derive(Debug, Clone)]
pub struct CacheRule {
    pub name: String,
    pub source: String,
    pub target: String,
    pub credential_set: Option<String>,
    pub created: DateTime<Utc>,
    pub provisioning: String,
    /// When a Creating/Updating/Deleting state moves on.
    pub settle_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct CredentialSet {
    pub name: String,
    pub login_server: String,
    pub healthy: bool,
    pub created: DateTime<Utc>,
    /// Key Vault secret URIs of the user name and password, when set through ARM.
    pub secrets: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub name: String,
    pub kind: TaskKind,
    pub os: String,
    pub arch: String,
    pub created: DateTime<Utc>,
    pub enabled: bool,
    /// Every N minutes (a timer trigger), if set.
    pub timer_minutes: Option<u32>,
    pub last_timer: DateTime<Utc>,
    /// Repository whose pushes trigger this task (a base image trigger), if any.
    pub base_image_repo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskKind {
    /// Builds `image` (`repo:{{.Run.ID}}` style) from a Dockerfile.
    Build { image: String, base: String },
    /// Imports `source` (an upstream `host/repo:tag`) into `target` unless its
    /// BACKGROUND_COLOR is Red: the gated import of the seed documents.
    GatedImport { source: String, target: String },
    /// Tests the newest image of `repository` (or, in the world file, the image a run names):
    /// a successful run names the image's digest in its outputs, as a validation step whose
    /// success gates a promotion does. It pushes nothing.
    Validate { repository: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Queued,
    Started,
    Running,
    Succeeded,
    Failed,
    Canceled,
    Error,
    Timeout,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "Queued",
            RunStatus::Started => "Started",
            RunStatus::Running => "Running",
            RunStatus::Succeeded => "Succeeded",
            RunStatus::Failed => "Failed",
            RunStatus::Canceled => "Canceled",
            RunStatus::Error => "Error",
            RunStatus::Timeout => "Timeout",
        }
    }

    pub fn parse(s: &str) -> Option<RunStatus> {
        [
            RunStatus::Queued,
            RunStatus::Started,
            RunStatus::Running,
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Canceled,
            RunStatus::Error,
            RunStatus::Timeout,
        ]
        .into_iter()
        .find(|st| st.as_str().eq_ignore_ascii_case(s))
    }

    pub fn is_terminal(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Started | RunStatus::Running)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Manual,
    Commit,
    BaseImage,
    Timer,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub task: Option<String>,
    pub status: RunStatus,
    pub trigger: Trigger,
    pub os: String,
    pub arch: String,
    pub created: DateTime<Utc>,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    /// (registry, repository, tag, digest): the digest is the one the run pushes, fixed when
    /// the run is made, so the listing reports what this run pushed even after the tag moves.
    pub output_images: Vec<(String, String, String, Option<String>)>,
    /// The log blob as written so far (CRLF lines) and its completion marker.
    pub log: Vec<u8>,
    pub log_complete: bool,
    /// When each line of the log was appended (wall clock), for latency measurements.
    pub appended: Vec<DateTime<Utc>>,
    /// Lines still to be written, each with the time it is due.
    pub script: std::collections::VecDeque<(DateTime<Utc>, String)>,
    /// The status the run ends with once its script is written.
    pub outcome: RunStatus,
    /// Work to do when the run succeeds (a gated import's copy), as an action for the clock.
    pub on_success: Option<RunEffect>,
    pub archive_enabled: bool,
}

#[derive(Debug, Clone)]
pub enum RunEffect {
    /// Copy upstream `repo@digest` to `target_repo:tag` in the run's registry.
    ImportFromUpstream {
        upstream_repo: String,
        digest: String,
        target_repo: String,
        tag: String,
    },
    /// Push the image built from `seed` (created at `created`, so its digest is the one the
    /// run's log already printed) as `repo:tag`.
    PushBuilt {
        repo: String,
        tag: String,
        seed: String,
        created: DateTime<Utc>,
    },
}

/// A geo-replica of a registry: where it is and the health the service reports for it.
#[derive(Debug, Clone)]
pub struct Replication {
    pub name: String,
    pub location: String,
    /// `Ready`, `Syncing`, `Failed`, … as the service's `status.displayStatus`.
    pub status: String,
    pub message: String,
    pub since: DateTime<Utc>,
    pub region_endpoint_enabled: bool,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub name: String,
    pub actions: Vec<String>,
    pub scope: String,
    pub enabled: bool,
    pub service_uri: String,
    pub custom_headers: std::collections::BTreeMap<String, String>,
    /// The HTTP status its receiver answers each delivery with (200 when it works).
    pub response_status: u16,
    pub events: Vec<WebhookEvent>,
}

#[derive(Debug, Clone)]
pub struct WebhookEvent {
    pub id: String,
    pub timestamp: DateTime<Utc>,
    pub action: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: String,
    pub media_type: String,
    pub size: u64,
    /// What the receiver answered the delivery with.
    pub status: u16,
}

/// A long-running ARM operation (importImage, cache rule changes).
#[derive(Debug, Clone)]
pub struct Operation {
    pub done_at: DateTime<Utc>,
    /// `None` while running or on success; the ARM error (status, code, message) on failure.
    pub error: Option<(u16, String, String)>,
    pub applied: bool,
    pub kind: OperationKind,
}

#[derive(Debug, Clone)]
pub enum OperationKind {
    Import(ImportPlan),
    CacheRule,
}

/// A validated importImage request, applied when the operation completes.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub target_registry: usize,
    pub source: ImportSource,
    pub source_repo: String,
    pub digest: String,
    pub target_tags: Vec<(String, String)>,
    pub untagged_repos: Vec<String>,
    pub force: bool,
}

#[derive(Debug, Clone)]
pub enum ImportSource {
    Registry(usize),
    Upstream,
}

/// A tag's lock state as configured in a world file.
pub fn attrs_from_locks(locks: &[String]) -> Attrs {
    let mut a = Attrs::default();
    for l in locks {
        match l.as_str() {
            "write" => a.write_enabled = false,
            "delete" => a.delete_enabled = false,
            "read" => a.read_enabled = false,
            "list" => a.list_enabled = false,
            _ => {}
        }
    }
    a
}
