use super::JobId;
use crate::acr::model::{
    CacheRule, CredentialSet, ManifestProperties, Registry, RepositoryProperties, Run, TagProperties, Task,
};
use crate::acr::{Failure, Identity};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

/// Everything that can happen to the dashboard.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key press from the terminal.
    Key(KeyEvent),
    /// The terminal was resized to (columns, rows).
    Resize(u16, u16),
    /// The process was asked to stop (SIGTERM, SIGINT, SIGHUP): leave at once, restoring the
    /// terminal on the way out.
    Signal(ExitSignal),
    /// Time passed (ages and running durations move on).
    Tick(DateTime<Utc>),
    /// A listing kept by an earlier session, shown until a fresh read replaces it.
    CacheRestored(Box<crate::cache::Part>),
    /// Sign-in finished: who we are, or why not.
    SignedIn(Result<Identity, Failure>),
    /// A registries listing ended: what came, and why it stopped early if it did.
    RegistriesLoaded {
        page: Page,
        registries: Vec<Registry>,
        error: Option<Failure>,
    },
    /// A registry's storage usage: (used, limit), or the error reading it.
    UsageLoaded {
        login_server: String,
        usage: Result<(u64, u64), Failure>,
    },
    /// A page of a registry's repository names; the last page says how the listing ended.
    RepositoriesLoaded {
        login_server: String,
        page: Page,
        names: Vec<String>,
        error: Option<Failure>,
    },
    /// Some repositories' details, as they came; `error` is the first that failed among them.
    RepositoryDetails {
        login_server: String,
        details: Vec<RepositoryProperties>,
        error: Option<Failure>,
    },
    /// A page of a repository's tags or of its manifests (the two are read side by side and
    /// joined by digest as they come); the last page says how the listing ended.
    TagsLoaded {
        login_server: String,
        repository: String,
        page: Page,
        tags: Vec<TagProperties>,
        manifests: Vec<ManifestProperties>,
        error: Option<Failure>,
    },
    /// The cheap check of a tags listing: its newest page and the repository's tag count.
    TagsChecked {
        login_server: String,
        repository: String,
        generation: u64,
        newest: Result<Vec<TagProperties>, Failure>,
        count: Option<u64>,
    },
    /// Manifests read one by one for tags the check found on digests not seen before, and the
    /// first that could not be read.
    TagManifests {
        login_server: String,
        repository: String,
        manifests: Vec<ManifestProperties>,
        error: Option<Failure>,
    },
    RunsLoaded {
        login_server: String,
        page: Page,
        runs: Vec<Run>,
        error: Option<Failure>,
    },
    TasksLoaded {
        login_server: String,
        page: Page,
        tasks: Vec<Task>,
        error: Option<Failure>,
    },
    /// A lock scan found these in the repositories scanned so far.
    LocksFound {
        login_server: String,
        /// The scan's generation: findings of a scan that was started again are dropped.
        generation: u64,
        items: Vec<super::data::LockedItem>,
        scanned: usize,
        total: usize,
    },
    /// A lock scan ended, completely or not.
    LocksDone {
        login_server: String,
        generation: u64,
        error: Option<Failure>,
    },
    CacheRulesLoaded {
        login_server: String,
        page: Page,
        rules: Vec<CacheRule>,
        credentials: Vec<CredentialSet>,
        error: Option<Failure>,
    },
    /// A registry's geo-replicas, or why they could not be read.
    ReplicasLoaded {
        login_server: String,
        replicas: Result<Vec<crate::acr::model::Replication>, Failure>,
    },
    /// A registry's webhooks with their hosts and deliveries.
    WebhooksLoaded {
        login_server: String,
        page: Page,
        webhooks: Vec<super::data::WebhookRow>,
        error: Option<Failure>,
    },
    /// A registry's tokens with their scope maps' permissions.
    TokensLoaded {
        login_server: String,
        page: Page,
        tokens: Vec<super::data::TokenRow>,
        error: Option<Failure>,
    },
    /// Every promotion request into a gated stage, judged, or why they could not be read.
    RequestsLoaded {
        generation: u64,
        result: Result<super::data::Requests, Failure>,
    },
    /// A step of the two-person rule ended: what the registry holds now, or why not.
    GateDone { job: JobId, result: Result<String, String> },
    /// A log was saved to this file (with its size in bytes), or why not.
    LogSaved(Result<(String, u64), Failure>),
    /// Time to re-read what a pane shows.
    RefreshDue(Refresh),
    /// A change ended: what the registry reports now (read back), or why it failed.
    Mutated {
        job: JobId,
        mutation: super::mutation::Mutation,
        result: Result<String, Failure>,
    },
    /// A plan of the configured images files, or why there is none.
    ImportsPlanned {
        files: Vec<super::panes::imports::PlannedFile>,
        error: Option<Failure>,
    },
    /// An approved import moved on.
    ImportStep {
        key: super::panes::imports::LineKey,
        step: crate::imports::execute::Step,
    },
    /// An approved import ended, verified or not; and whether its audit record failed.
    ImportDone {
        key: super::panes::imports::LineKey,
        outcome: crate::imports::execute::Outcome,
        audit_error: Option<Failure>,
    },
    /// The audit trail as read: its records, the lines that were not records, its path.
    AuditLoaded(Result<(Vec<crate::audit::Record>, usize, String), Failure>),
    /// A watched images file changed on disk.
    ImportsChanged,
    /// The stage board of a repository, with the stages it was read from, or why not.
    BoardLoaded {
        repository: String,
        result: Result<(crate::promote::board::Board, Vec<crate::promote::ResolvedStage>), Failure>,
    },
    /// The plan of the promotions asked for, or why there is none.
    PromotionsPlanned(Result<Vec<crate::promote::promotion::Promotion>, Failure>),
    PromotionStep {
        repository: String,
        tag: String,
        step: crate::imports::execute::Step,
    },
    PromotionDone {
        repository: String,
        tag: String,
        outcome: crate::imports::execute::Outcome,
        audit_error: Option<Failure>,
    },
    /// News from the follower of a run's log.
    /// Whether a manifest is in a registry: (login server, repository, digest), and the answer.
    ManifestPresence {
        key: (String, String, String),
        present: Result<bool, crate::acr::Failure>,
    },
    Log {
        viewer: LogViewer,
        login_server: String,
        run_id: String,
        event: crate::acr::logs::LogEvent,
        /// Released when the action has been handled.
        credit: Credit,
    },
}

/// A place in a log follower's queue, held by the action that carries the log's lines until the
/// action is handled and dropped: the follower waits for a place before it sends more, so a log
/// read faster than the screen takes it never piles up in the loop's queue.
#[derive(Clone, Default)]
pub struct Credit {
    /// Held for its drop, which gives the place back.
    _place: Option<std::sync::Arc<tokio::sync::OwnedSemaphorePermit>>,
}

impl Credit {
    pub fn new(permit: tokio::sync::OwnedSemaphorePermit) -> Credit {
        Credit {
            _place: Some(std::sync::Arc::new(permit)),
        }
    }
}

impl std::fmt::Debug for Credit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credit")
    }
}

/// Where a page of a listing belongs: which read (pages of a read that was superseded are
/// dropped), and whether it is the read's last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub generation: u64,
    pub last: bool,
}

impl Page {
    /// A listing delivered whole, in one action, by the read numbered `generation`.
    pub fn whole(generation: u64) -> Page {
        Page { generation, last: true }
    }
}

/// What a timed refresh re-reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Refresh {
    Registries,
    Runs {
        login_server: String,
    },
    /// The cheap check of a repository's tags shown in the Tags pane.
    Tags {
        login_server: String,
        repository: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitSignal {
    Terminate,
    Interrupt,
    Hangup,
}

impl ExitSignal {
    /// The conventional shell exit status for death by this signal (128 + signal number).
    pub fn exit_code(self) -> i32 {
        match self {
            ExitSignal::Hangup => 129,
            ExitSignal::Interrupt => 130,
            ExitSignal::Terminate => 143,
        }
    }
}

/// Who follows a run's log: the Runs pane's log view or a rollout tile. Each has its own
/// follower, so closing one never stops the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogViewer {
    Runs,
    Tile,
}
