use super::data::{Loadable, RegistryRow};
use super::panes::Panes;
use super::table::Table;
use crate::acr::Failure;
use crate::keys::Keymap;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// Everything the screen shows. Rendering is a pure function of this. Only what is truly shared
/// lives here; each pane's own state is in [`Panes`].
#[derive(Debug, Clone)]
pub struct State {
    pub environment: Environment,
    /// Who acrdeck acts as, once sign-in has told us.
    pub identity: Option<Identity>,
    /// Read-only sessions hide mutating keys and the client refuses mutating calls.
    pub readonly: bool,
    pub pane: Pane,
    /// What takes the keys before the pane: help, a dialog, the command line, a filter.
    pub modal: super::modal::Modal,
    /// Background work in flight, so quitting can warn about it and the footer can show it.
    pub jobs: BTreeMap<JobId, Job>,
    pub keymap: Keymap,
    /// Terminal size in (columns, rows).
    pub size: (u16, u16),
    /// The registries of the environment: the one list every pane reads.
    pub registries: Loadable<Vec<RegistryRow>>,
    /// Where the operator has drilled down to.
    pub nav: Nav,
    /// The time rendering measures ages against; moved on by actions and ticks.
    pub now: DateTime<Utc>,
    /// Stage names in pipeline order, from the config.
    pub stage_order: Vec<String>,
    pub refresh: super::RefreshRates,
    /// Why sign-in failed, shown in the header.
    pub sign_in_error: Option<Failure>,
    /// The last outcome worth telling (text, whether it is an error), shown in the footer.
    pub flash: Option<(String, bool)>,
    /// Every registry's newest runs (login server → listing, newest first): shared by the Runs
    /// pane, the rollout view and the signals, and kept fresh for every registry.
    pub runs: HashMap<String, Loadable<Vec<crate::acr::model::Run>>>,
    /// Every registry's webhooks with their deliveries (login server → listing): shared by the
    /// Webhooks pane and the rollout view's feed; read when either is shown, not on a timer.
    pub webhooks: HashMap<String, Loadable<Vec<super::data::WebhookRow>>>,
    /// Every promotion request into a gated stage, judged: the Requests pane lists them, the
    /// Promotions board marks the candidates they name.
    pub requests: Loadable<super::data::Requests>,
    pub signals: super::signals::Signals,
    /// Warn about a token whose password expires within this long.
    pub token_warning: chrono::Duration,
    /// When this session began: runs that ended before it are history, not news.
    pub session_start: DateTime<Utc>,
    pub panes: Panes,
    next_job: u64,
}

/// The registry and repository the operator drilled into.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nav {
    /// Login server of the chosen registry.
    pub registry: Option<String>,
    pub repository: Option<String>,
}

impl State {
    pub fn new(environment: Environment, keymap: Keymap, readonly: bool) -> State {
        State {
            environment,
            identity: None,
            readonly,
            pane: Pane::Registries,
            modal: Default::default(),
            jobs: BTreeMap::new(),
            keymap,
            size: (80, 24),
            registries: Loadable::default(),
            nav: Nav::default(),
            now: Utc::now(),
            stage_order: Vec::new(),
            refresh: super::RefreshRates::default(),
            sign_in_error: None,
            flash: None,
            runs: HashMap::new(),
            webhooks: HashMap::new(),
            requests: Loadable::default(),
            signals: Default::default(),
            session_start: Utc::now(),
            token_warning: chrono::Duration::days(14),
            panes: Panes::default(),
            next_job: 1,
        }
    }

    pub fn table(&self, pane: Pane) -> &Table {
        self.panes.table(pane)
    }

    pub fn table_mut(&mut self, pane: Pane) -> &mut Table {
        self.panes.table_mut(pane)
    }

    /// The cursor of a pane, as a position among the rows it shows.
    pub fn selected(&self, pane: Pane) -> usize {
        self.table(pane).cursor
    }

    /// Rows of the registries pane, in stage order, then by name.
    pub fn registry_rows(&self) -> Vec<&RegistryRow> {
        let mut rows: Vec<&RegistryRow> = self.registries.value.iter().flatten().collect();
        rows.sort_by_key(|r| {
            (
                super::data::stage_rank(r.registry.stage(), &self.stage_order),
                r.registry.name.to_ascii_lowercase(),
            )
        });
        rows
    }

    /// A registry's newest runs as last read, newest first.
    pub fn runs_of(&self, login_server: &str) -> &[crate::acr::model::Run] {
        self.runs
            .get(login_server)
            .and_then(|l| l.value.as_deref())
            .unwrap_or(&[])
    }

    /// The registry the operator chose, as a row.
    pub fn current_registry(&self) -> Option<&RegistryRow> {
        let ls = self.nav.registry.as_deref()?;
        self.registries
            .value
            .iter()
            .flatten()
            .find(|r| r.registry.properties.login_server == ls)
    }

    /// The chosen registry's ARM reference and login server.
    pub fn current_registry_ref(&self) -> Option<(crate::acr::RegistryRef, String)> {
        let row = self.current_registry()?;
        Some((
            crate::acr::RegistryRef::parse(&row.registry.id)?,
            row.registry.properties.login_server.clone(),
        ))
    }

    /// The chosen registry's name, or its login server while the listing has not named it.
    pub fn current_registry_name(&self) -> Option<String> {
        let ls = self.nav.registry.as_ref()?;
        Some(
            self.current_registry()
                .map(|r| r.registry.name.clone())
                .unwrap_or_else(|| ls.clone()),
        )
    }

    /// The registry under the Registries cursor, by login server: the one a pane uses when it
    /// needs a registry and none was opened yet.
    pub fn registry_under_cursor(&self) -> Option<String> {
        self.registry_rows()
            .get(self.selected_row(Pane::Registries)?)
            .map(|r| r.registry.properties.login_server.clone())
    }

    /// The listed registry with this login server.
    pub fn registry_by_login(&self, login_server: &str) -> Option<&crate::acr::model::Registry> {
        self.registries
            .value
            .iter()
            .flatten()
            .map(|r| &r.registry)
            .find(|r| r.properties.login_server == login_server)
    }

    pub fn registry_row_mut(&mut self, login_server: &str) -> Option<&mut RegistryRow> {
        self.registries
            .value
            .as_mut()?
            .iter_mut()
            .find(|r| r.registry.properties.login_server == login_server)
    }

    /// Marks a registry unhealthy when a call to it failed, healthy when one worked.
    pub fn mark_health(&mut self, login_server: &str, error: Option<&Failure>) {
        if let Some(row) = self.registry_row_mut(login_server) {
            row.health = error.cloned();
        }
    }

    /// A registry's name for people: its resource name, else its login server.
    pub fn registry_name_of(&self, login_server: &str) -> String {
        self.registry_by_login(login_server)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| login_server.to_string())
    }

    /// Whether a registry is production, by its stage (see
    /// [`crate::config::is_production_stage`]).
    pub fn is_production(&self, login_server: &str) -> bool {
        self.registry_by_login(login_server)
            .and_then(|r| r.stage())
            .is_some_and(|stage| crate::config::is_production_stage(stage, &self.stage_order))
    }

    /// How many rows the pane shows now (after its filter), for cursor movement.
    pub fn row_count(&self, pane: Pane) -> usize {
        self.visible(pane).len()
    }

    /// The rows a pane shows, as indices into its list (registries: into `registry_rows()`),
    /// after its `/` filter and in its sort order. Worked out once per change (see
    /// [`State::sync_rows`]).
    pub fn visible(&self, pane: Pane) -> Cow<'_, [usize]> {
        let table = self.table(pane);
        match table.shown(&table.key(&self.nav)) {
            Some(rows) => Cow::Borrowed(rows),
            None => Cow::Owned(self.compute_visible(pane)),
        }
    }

    /// Says that a pane's data changed.
    pub fn touch(&mut self, pane: Pane) {
        self.table_mut(pane).touch();
    }

    /// Brings the rows shown of every table up to date with its data, filter, sort and place,
    /// and keeps each cursor on a row that is shown.
    pub fn sync_rows(&mut self) {
        for pane in Pane::TABLES {
            let key = self.table(pane).key(&self.nav);
            if !self.table(pane).is_current(&key) {
                let rows = self.compute_visible(pane);
                self.table_mut(pane).set_shown(key, rows);
            }
            let n = self.row_count(pane);
            self.table_mut(pane).clamp(n);
        }
    }

    /// Filters (and sorts) a pane's rows now. A filter that does not parse hides nothing; the
    /// pane says why.
    pub fn compute_visible(&self, pane: Pane) -> Vec<usize> {
        let query = crate::query::Query::parse_at(&self.table(pane).filter, self.now).unwrap_or_default();
        super::panes::filter(self, pane, &query)
    }

    /// The selected row as an index into the pane's list, through its filter.
    pub fn selected_row(&self, pane: Pane) -> Option<usize> {
        self.visible(pane).get(self.selected(pane)).copied()
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
    Rollout,
    Webhooks,
    Tokens,
    Requests,
}

impl Pane {
    /// The panes that are tables with a cursor and a `/` filter.
    pub const TABLES: [Pane; 13] = [
        Pane::Registries,
        Pane::Repositories,
        Pane::Tags,
        Pane::Locks,
        Pane::CacheRules,
        Pane::Runs,
        Pane::Imports,
        Pane::Promotions,
        Pane::Audit,
        Pane::Rollout,
        Pane::Webhooks,
        Pane::Tokens,
        Pane::Requests,
    ];

    /// In tab order; the number keys 1-9 and 0 choose the first ten, `:webhooks`, `:tokens` and
    /// `:requests` the others.
    pub const ALL: [Pane; 13] = [
        Pane::Registries,
        Pane::Repositories,
        Pane::Tags,
        Pane::Locks,
        Pane::CacheRules,
        Pane::Runs,
        Pane::Imports,
        Pane::Promotions,
        Pane::Audit,
        Pane::Rollout,
        Pane::Webhooks,
        Pane::Tokens,
        Pane::Requests,
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
            Pane::Rollout => "Rollout",
            Pane::Webhooks => "Webhooks",
            Pane::Tokens => "Tokens",
            Pane::Requests => "Requests",
        }
    }

    /// A shorter title for narrow terminals.
    pub fn short_title(self) -> &'static str {
        match self {
            Pane::Repositories => "Repos",
            Pane::CacheRules => "Cache",
            Pane::Promotions => "Promo",
            Pane::Webhooks => "Hooks",
            Pane::Requests => "Reqs",
            other => other.title(),
        }
    }
}
