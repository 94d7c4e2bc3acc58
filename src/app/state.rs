use crate::keys::Keymap;
use std::collections::BTreeMap;

/// Everything the screen shows. Rendering is a pure function of this.
#[derive(Debug, Clone)]
pub struct State {
    pub environment: Environment,
    /// Who acrdeck acts as, once sign-in has told us.
    pub identity: Option<Identity>,
    /// Read-only sessions hide mutating keys and the client refuses mutating calls.
    pub readonly: bool,
    pub pane: Pane,
    pub overlay: Option<Overlay>,
    /// Background work in flight, so quitting can warn about it and the footer can show it.
    pub jobs: BTreeMap<JobId, Job>,
    pub keymap: Keymap,
    /// Terminal size in (columns, rows).
    pub size: (u16, u16),
    next_job: u64,
}

impl State {
    pub fn new(environment: Environment, keymap: Keymap, readonly: bool) -> State {
        State {
            environment,
            identity: None,
            readonly,
            pane: Pane::Registries,
            overlay: None,
            jobs: BTreeMap::new(),
            keymap,
            size: (80, 24),
            next_job: 1,
        }
    }

    /// Registers a job that is about to be started, returning its id.
    pub fn start_job(&mut self, what: impl Into<String>) -> JobId {
        let id = JobId(self.next_job);
        self.next_job += 1;
        self.jobs.insert(id, Job { what: what.into() });
        id
    }
}

/// What acrdeck is connected to, as shown in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// Short name: `demo`, or the config file's stem.
    pub name: String,
    /// Cloud and tenant, or the demo's description.
    pub detail: String,
}

/// The operator identity read from the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// User principal name for people, application id for service principals.
    pub principal: String,
    pub tenant: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// What the job does, in words for the quit dialog ("import nginx:1.27 into prod").
    pub what: String,
}

/// Something drawn over the panes that takes the keys while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    ConfirmQuit,
}

/// The panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Registries,
    Repositories,
    Tags,
    Locks,
    CacheRules,
    Runs,
    Imports,
    Promotions,
    Audit,
}

impl Pane {
    pub const ALL: [Pane; 9] = [
        Pane::Registries,
        Pane::Repositories,
        Pane::Tags,
        Pane::Locks,
        Pane::CacheRules,
        Pane::Runs,
        Pane::Imports,
        Pane::Promotions,
        Pane::Audit,
    ];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Registries => "Registries",
            Pane::Repositories => "Repositories",
            Pane::Tags => "Tags",
            Pane::Locks => "Locks",
            Pane::CacheRules => "Cache rules",
            Pane::Runs => "Runs",
            Pane::Imports => "Imports",
            Pane::Promotions => "Promotions",
            Pane::Audit => "Audit",
        }
    }

    /// A shorter title for narrow terminals.
    pub fn short_title(self) -> &'static str {
        match self {
            Pane::Repositories => "Repos",
            Pane::CacheRules => "Cache",
            Pane::Promotions => "Promote",
            other => other.title(),
        }
    }
}
