//! The work `update` asks for, as plain data: the runner carries it out and answers with
//! actions.

use super::Refresh;
use crate::acr::RegistryRef;
use std::time::Duration;

/// Work that `update` asks the loop to do. Everything with a side effect goes through here, so
/// `update` itself stays a pure state transition that tests drive without a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the dashboard with this process exit code.
    Exit(i32),
    /// Find out who we are.
    SignIn,
    LoadRegistries {
        /// The read's number, carried by its result.
        generation: u64,
    },
    LoadUsage {
        registry: RegistryRef,
        login_server: String,
    },
    /// Repository names, page by page.
    LoadRepositories {
        login_server: String,
        /// The read's number, carried by its pages.
        generation: u64,
    },
    /// The details (tag count, last update, locks) of the repositories named: those on screen.
    /// A newer one replaces it, so details of rows scrolled away are no longer read.
    LoadRepositoryDetails { login_server: String, names: Vec<String> },
    /// Tags joined with their manifests.
    LoadTags {
        login_server: String,
        repository: String,
        /// The read's number, carried by its pages.
        generation: u64,
    },
    /// Reads the newest page of a repository's tags and its tag count, to bring a listing up
    /// to date without reading it whole.
    CheckTags {
        login_server: String,
        repository: String,
        /// The listing's read the check applies to.
        generation: u64,
    },
    /// Reads these manifests of a repository, one by one.
    LoadTagManifests {
        login_server: String,
        repository: String,
        digests: Vec<String>,
    },
    /// Ring the terminal bell and/or raise a desktop notification (title, text) through the
    /// terminal (OSC 9 and OSC 777).
    Notify {
        bell: bool,
        desktop: Option<(String, String)>,
    },
    /// Whether a manifest (by digest) is in a registry.
    CheckManifest {
        login_server: String,
        repository: String,
        digest: String,
    },
    LoadRuns {
        registry: RegistryRef,
        login_server: String,
        generation: u64,
    },
    /// Send `Action::RefreshDue(refresh)` after this long (replacing an earlier timer for it).
    RefreshLater { after: Duration, refresh: Refresh },
    LoadTasks {
        registry: RegistryRef,
        login_server: String,
        generation: u64,
    },
    /// Scan a registry for everything locked, reporting as it goes.
    LoadLocks { login_server: String, generation: u64 },
    /// Cache rules joined with their credential sets.
    LoadCacheRules {
        registry: RegistryRef,
        login_server: String,
        generation: u64,
    },
    /// A registry's webhooks, each with its callback's host and its deliveries.
    LoadWebhooks {
        registry: RegistryRef,
        login_server: String,
        generation: u64,
    },
    /// A registry's tokens with their scope maps (never their passwords).
    LoadTokens {
        registry: RegistryRef,
        login_server: String,
        generation: u64,
    },
    /// Follow a run's log (alongside any others open).
    OpenLog {
        viewer: super::LogViewer,
        registry: RegistryRef,
        login_server: String,
        run_id: String,
    },
    CloseLog {
        viewer: super::LogViewer,
        login_server: String,
        run_id: String,
    },
    /// Download a run's whole log to a file (the ring may hold only its end).
    SaveLog {
        registry: RegistryRef,
        registry_name: String,
        run_id: String,
    },
    /// Put text on the clipboard of the operator's terminal (OSC 52, works over SSH).
    Copy(String),
    /// Read the configured images files and plan them against their registries (and watch the
    /// files for changes from then on).
    PlanImports,
    /// Run approved imports (skipped lines are only recorded), with the operator's note.
    RunImports {
        items: Vec<super::panes::imports::ApproveItem>,
        note: Option<String>,
    },
    /// Read the audit trail.
    LoadAudit,
    /// Read a repository's tags in every stage.
    LoadBoard { repository: String },
    /// Plan promoting these (repository, tag) rows from stage `source` to stage `target`.
    PlanPromotions {
        items: Vec<(String, String)>,
        source: usize,
        target: usize,
    },
    /// Run approved promotions, with the operator's note.
    RunPromotions {
        promotions: Vec<crate::promote::promotion::Promotion>,
        stages: Vec<crate::promote::ResolvedStage>,
        note: String,
    },
    /// Read every promotion request into a gated stage, judged.
    LoadRequests { generation: u64 },
    /// A confirmed step of the two-person rule; the job is already registered.
    Gate {
        job: super::JobId,
        step: super::gate::GateStep,
        note: String,
        /// The stages the step's indices refer to.
        stages: Vec<crate::promote::ResolvedStage>,
    },
    /// Make a confirmed change; the job is already registered in `State::jobs`.
    Mutate {
        job: super::JobId,
        mutation: super::mutation::Mutation,
    },
}
