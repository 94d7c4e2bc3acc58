use super::data::Data;
use crate::keys::Keymap;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// Everything the screen shows. Rendering is a pure function of this.
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
    /// What has been read from the registries.
    pub data: Data,
    /// Where the operator has drilled down to.
    pub nav: Nav,
    /// Selected row per pane.
    pub cursor: HashMap<Pane, usize>,
    /// The time rendering measures ages against; moved on by actions and ticks.
    pub now: DateTime<Utc>,
    /// Stage names in pipeline order, from the config.
    pub stage_order: Vec<String>,
    pub refresh: super::RefreshRates,
    /// Why sign-in failed, shown in the header.
    pub sign_in_error: Option<String>,
    /// Run logs open, each followed live; `log_shown` is the one the Runs pane shows.
    pub logs: Vec<super::log_view::LogView>,
    pub log_shown: Option<usize>,
    /// The Runs pane's keys go to its tasks list rather than its runs.
    pub tasks_focus: bool,
    pub tasks_cursor: usize,
    /// The Tags pane shows the selected tag's details instead of the table.
    pub tag_detail: bool,
    /// Sort column per table (only the Tags pane sorts for now).
    pub sort: HashMap<Pane, Sort>,
    /// Bumped whenever a pane's data changes, so its cached rows are worked out again.
    versions: HashMap<Pane, u64>,
    rows_cache: HashMap<Pane, CachedRows>,
    /// The last outcome worth telling (text, whether it is an error), shown in the footer.
    pub flash: Option<(String, bool)>,
    /// The `/` filter of each table pane.
    pub filters: HashMap<Pane, String>,
    /// The Imports pane: images.txt lines, their plan, selection, approval and outcomes.
    pub imports: super::imports::ImportsState,
    /// The Promotions pane: the stage board, selection, promotion dialog and outcomes.
    pub promotions: super::promotions::PromotionsState,
    /// The Audit pane.
    pub audit: super::audit_view::AuditView,
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
            data: Data::default(),
            nav: Nav::default(),
            cursor: HashMap::new(),
            now: Utc::now(),
            stage_order: Vec::new(),
            refresh: super::RefreshRates::default(),
            sign_in_error: None,
            logs: Vec::new(),
            log_shown: None,
            tasks_focus: false,
            tasks_cursor: 0,
            tag_detail: false,
            sort: HashMap::new(),
            versions: HashMap::new(),
            rows_cache: HashMap::new(),
            flash: None,
            filters: HashMap::new(),
            imports: Default::default(),
            promotions: Default::default(),
            audit: Default::default(),
            next_job: 1,
        }
    }

    pub fn selected(&self, pane: Pane) -> usize {
        self.cursor.get(&pane).copied().unwrap_or(0)
    }

    /// Rows of the registries pane, in stage order.
    pub fn registry_rows(&self) -> Vec<&super::data::RegistryRow> {
        let mut rows: Vec<&super::data::RegistryRow> = self.data.registries.value.iter().flatten().collect();
        rows.sort_by_key(|r| {
            (
                super::data::stage_rank(r.registry.stage(), &self.stage_order),
                r.registry.name.to_ascii_lowercase(),
            )
        });
        rows
    }

    /// The registry the operator chose, as a row.
    pub fn current_registry(&self) -> Option<&super::data::RegistryRow> {
        let ls = self.nav.registry.as_deref()?;
        self.data
            .registries
            .value
            .iter()
            .flatten()
            .find(|r| r.registry.properties.login_server == ls)
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

    /// The listed registry with this login server.
    pub fn registry_by_login(&self, login_server: &str) -> Option<&crate::acr::model::Registry> {
        self.data
            .registries
            .value
            .iter()
            .flatten()
            .map(|r| &r.registry)
            .find(|r| r.properties.login_server == login_server)
    }

    /// A registry's name for people: its resource name, else its login server.
    pub fn registry_name_of(&self, login_server: &str) -> String {
        self.registry_by_login(login_server)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| login_server.to_string())
    }

    /// How many rows the pane shows now (after its filter), for cursor movement.
    pub fn row_count(&self, pane: Pane) -> usize {
        self.visible(pane).len()
    }

    /// The log the Runs pane shows, if one is open there.
    pub fn log(&self) -> Option<&super::log_view::LogView> {
        self.logs.get(self.log_shown?)
    }

    pub fn log_mut(&mut self) -> Option<&mut super::log_view::LogView> {
        self.logs.get_mut(self.log_shown?)
    }

    /// The rows a pane shows, as indices into its list (registries: into `registry_rows()`),
    /// after its `/` filter and in its sort order. Worked out once per change (see
    /// [`State::sync_rows`]); a table of 100,000 tags is not filtered again on every key or frame.
    pub fn visible(&self, pane: Pane) -> Cow<'_, [usize]> {
        match self.rows_cache.get(&pane) {
            Some(c) if c.key == self.rows_key(pane) => Cow::Borrowed(&c.rows),
            _ => Cow::Owned(self.compute_visible(pane)),
        }
    }

    /// Says that a pane's data changed.
    pub fn touch(&mut self, pane: Pane) {
        *self.versions.entry(pane).or_default() += 1;
    }

    /// Brings the cached rows of every table up to date with its data, filter, sort and place.
    pub fn sync_rows(&mut self) {
        for pane in Pane::TABLES {
            let key = self.rows_key(pane);
            if self.rows_cache.get(&pane).is_some_and(|c| c.key == key) {
                continue;
            }
            let rows = self.compute_visible(pane);
            self.rows_cache.insert(pane, CachedRows { key, rows });
        }
    }

    fn rows_key(&self, pane: Pane) -> RowsKey {
        RowsKey {
            filter: self.filters.get(&pane).cloned().unwrap_or_default(),
            nav: self.nav.clone(),
            version: self.versions.get(&pane).copied().unwrap_or(0),
            sort: self.sort.get(&pane).copied(),
        }
    }

    /// Filters (and sorts) a pane's rows now. A filter that does not parse hides nothing; the
    /// pane says why.
    pub fn compute_visible(&self, pane: Pane) -> Vec<usize> {
        let query = self
            .filters
            .get(&pane)
            .and_then(|f| crate::query::Query::parse_at(f, self.now).ok())
            .unwrap_or_default();
        let reg = self.nav.registry.clone().unwrap_or_default();
        let keep = |n: usize, row: &dyn Fn(usize) -> (String, Vec<(&'static str, String)>)| -> Vec<usize> {
            (0..n)
                .filter(|&i| {
                    if query.is_empty() {
                        return true;
                    }
                    let (text, fields) = row(i);
                    query.matches(&text.to_lowercase(), |k| {
                        fields.iter().find(|(f, _)| *f == k).map(|(_, v)| v.to_lowercase())
                    })
                })
                .collect()
        };
        let yes = |b: bool| if b { "yes".to_string() } else { "no".to_string() };
        match pane {
            Pane::Registries => {
                let rows = self.registry_rows();
                keep(rows.len(), &|i| {
                    let r = &rows[i].registry;
                    let stage = r.stage().unwrap_or("").to_string();
                    let health = if rows[i].health.is_some() { "failing" } else { "ok" };
                    let text = format!(
                        "{stage} {} {} {} {} {health}",
                        r.name, r.properties.login_server, r.sku.name, r.location
                    );
                    (
                        text,
                        vec![
                            ("stage", stage),
                            ("name", r.name.clone()),
                            ("sku", r.sku.name.to_string()),
                            ("health", health.into()),
                        ],
                    )
                })
            }
            Pane::Repositories => {
                let names: &[String] = self
                    .data
                    .repositories
                    .get(&reg)
                    .and_then(|l| l.value.as_deref())
                    .unwrap_or(&[]);
                keep(names.len(), &|i| {
                    let locked = self
                        .data
                        .repository_props
                        .get(&(reg.clone(), names[i].clone()))
                        .map(|p| p.changeable_attributes.is_locked());
                    (
                        names[i].clone(),
                        vec![("locked", yes(locked.unwrap_or(false))), ("name", names[i].clone())],
                    )
                })
            }
            Pane::Tags => {
                let repo = self.nav.repository.clone().unwrap_or_default();
                let rows: &[super::data::TagRow] = self
                    .data
                    .tags
                    .get(&(reg.clone(), repo.clone()))
                    .and_then(|l| l.value.as_deref())
                    .unwrap_or(&[]);
                let mut shown: Vec<usize> = if query.is_empty() {
                    (0..rows.len()).collect()
                } else {
                    match self
                        .data
                        .tag_search
                        .get(&(reg.clone(), repo.clone()))
                        .filter(|ix| ix.len() == rows.len())
                    {
                        Some(index) => query.filter_indexed(index),
                        // Rows put in place without their index (tests): build it here.
                        None => query.filter_indexed(&super::data::tag_index(rows)),
                    }
                };
                if let Some(sort) = self.sort.get(&Pane::Tags) {
                    sort.apply(&mut shown, rows);
                }
                shown
            }
            Pane::Locks => {
                let items: &[super::data::LockedItem] = self
                    .data
                    .locks
                    .get(&reg)
                    .and_then(|l| l.value.as_deref())
                    .unwrap_or(&[]);
                keep(items.len(), &|i| {
                    let it = &items[i];
                    let marks = super::data::lock_marks(&it.attributes);
                    (
                        format!("{} {} {marks} {}", it.kind.as_str(), it.target(), it.tags.join(" ")),
                        vec![
                            ("kind", it.kind.as_str().to_string()),
                            ("repo", it.repository.clone()),
                            ("locked", "yes".into()),
                        ],
                    )
                })
            }
            Pane::CacheRules => {
                let rules: &[super::data::CacheRuleRow] = self
                    .data
                    .cache_rules
                    .get(&reg)
                    .and_then(|l| l.value.as_deref())
                    .unwrap_or(&[]);
                keep(rules.len(), &|i| {
                    let r = &rules[i];
                    let p = &r.rule.properties;
                    let cred = r.rule.credential_set_name().unwrap_or("").to_string();
                    let health = r
                        .credential
                        .as_ref()
                        .map(|c| c.health().to_string())
                        .unwrap_or_default();
                    let state = p.provisioning_state.as_ref().map(|s| s.to_string()).unwrap_or_default();
                    (
                        format!(
                            "{} {} {} {cred} {health} {state}",
                            r.rule.name, p.source_repository, p.target_repository
                        ),
                        vec![
                            ("name", r.rule.name.clone()),
                            ("source", p.source_repository.clone()),
                            ("target", p.target_repository.clone()),
                            ("credential", cred),
                            ("health", health),
                            ("state", state),
                        ],
                    )
                })
            }
            Pane::Runs => {
                let runs: &[crate::acr::model::Run] =
                    self.data.runs.get(&reg).and_then(|l| l.value.as_deref()).unwrap_or(&[]);
                keep(runs.len(), &|i| {
                    let r = &runs[i];
                    let task = r.properties.task.clone().unwrap_or_default();
                    let status = r.status().to_string();
                    let trigger = r.trigger().as_str().to_string();
                    let text = format!("{} {task} {status} {trigger}", r.run_id());
                    (
                        text,
                        vec![
                            ("id", r.run_id().to_string()),
                            ("task", task),
                            ("status", status),
                            ("trigger", trigger),
                        ],
                    )
                })
            }
            Pane::Promotions => {
                let rows: &[crate::promote::board::BoardRow] =
                    self.promotions.board.as_ref().map(|b| b.rows.as_slice()).unwrap_or(&[]);
                keep(rows.len(), &|i| {
                    let r = &rows[i];
                    let digests: Vec<&str> = r.cells.iter().filter_map(|c| c.digest.as_deref()).collect();
                    (
                        format!("{}:{} {}", r.repository, r.tag, digests.join(" ")),
                        vec![("tag", r.tag.clone()), ("repo", r.repository.clone())],
                    )
                })
            }
            Pane::Audit => {
                let entries = &self.audit.entries;
                keep(entries.len(), &|i| super::audit_view::search(&entries[i]))
            }
            Pane::Imports => {
                let rows = &self.imports.rows;
                keep(rows.len(), &|i| {
                    let r = &rows[i];
                    (
                        r.search_text(),
                        vec![
                            ("status", r.status_word().to_string()),
                            (
                                "file",
                                self.imports
                                    .files
                                    .get(r.file)
                                    .map(|f| f.label.clone())
                                    .unwrap_or_default(),
                            ),
                        ],
                    )
                })
            }
        }
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
}

/// A table's sort: by which column, which way. Without one, rows keep the service's order
/// (tags: newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: TagColumn,
    pub descending: bool,
}

/// The Tags table's sortable columns, in the order `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagColumn {
    Tag,
    Created,
    Updated,
    Size,
}

impl TagColumn {
    pub fn next(self) -> Option<TagColumn> {
        match self {
            TagColumn::Tag => Some(TagColumn::Created),
            TagColumn::Created => Some(TagColumn::Updated),
            TagColumn::Updated => Some(TagColumn::Size),
            TagColumn::Size => None,
        }
    }

    pub fn header(self) -> &'static str {
        match self {
            TagColumn::Tag => "TAG",
            TagColumn::Created => "CREATED",
            TagColumn::Updated => "UPDATED",
            TagColumn::Size => "SIZE",
        }
    }
}

impl Sort {
    /// Sorts row indices (stable: equal keys keep the service's order).
    pub fn apply(&self, shown: &mut [usize], rows: &[super::data::TagRow]) {
        let size = |i: usize| rows[i].manifest.as_ref().map(|m| m.image_size).unwrap_or(0);
        let column = self.column;
        let cmp = |a: &usize, b: &usize| match column {
            TagColumn::Tag => rows[*a].tag.name.cmp(&rows[*b].tag.name),
            TagColumn::Created => rows[*a].tag.created_time.cmp(&rows[*b].tag.created_time),
            TagColumn::Updated => rows[*a].tag.last_update_time.cmp(&rows[*b].tag.last_update_time),
            TagColumn::Size => size(*a).cmp(&size(*b)),
        };
        if self.descending {
            shown.sort_by(|a, b| cmp(b, a));
        } else {
            shown.sort_by(cmp);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RowsKey {
    filter: String,
    nav: Nav,
    version: u64,
    sort: Option<Sort>,
}

#[derive(Debug, Clone)]
struct CachedRows {
    key: RowsKey,
    rows: Vec<usize>,
}

impl Pane {
    /// The panes that are tables with a cursor and a `/` filter.
    pub const TABLES: [Pane; 9] = [
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
