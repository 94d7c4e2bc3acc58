use super::action::Refresh;
use super::data::LockedKind;
use super::data::{CacheRuleRow, RegistryRow, TagRow};
use super::mutation::{Confirm, LockTarget, Mutation};
use super::state::{Sort, TagColumn};
use super::{Action, Modal, Nav, Pane, State};
use crate::acr::RegistryRef;
use crate::acr::model::ChangeableAttributes;
use crate::keys::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::Duration;

/// Work that `update` asks the loop to do. Everything with a side effect goes through here, so
/// `update` itself stays a pure state transition that tests drive without a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the dashboard with this process exit code.
    Exit(i32),
    /// Find out who we are.
    SignIn,
    LoadRegistries,
    LoadUsage {
        registry: RegistryRef,
        login_server: String,
    },
    /// Repository names, then each repository's properties as they come.
    LoadRepositories {
        login_server: String,
    },
    /// Tags joined with their manifests.
    LoadTags {
        login_server: String,
        repository: String,
    },
    LoadRuns {
        registry: RegistryRef,
        login_server: String,
    },
    /// Send `Action::RefreshDue(refresh)` after this long (replacing an earlier timer for it).
    RefreshLater {
        after: Duration,
        refresh: Refresh,
    },
    LoadTasks {
        registry: RegistryRef,
        login_server: String,
    },
    /// Scan a registry for everything locked, reporting as it goes.
    LoadLocks {
        login_server: String,
    },
    /// Cache rules joined with their credential sets.
    LoadCacheRules {
        registry: RegistryRef,
        login_server: String,
    },
    /// Follow a run's log (alongside any others open).
    OpenLog {
        registry: RegistryRef,
        login_server: String,
        run_id: String,
    },
    CloseLog {
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
        items: Vec<super::imports::ApproveItem>,
        note: Option<String>,
    },
    /// Read the audit trail.
    LoadAudit,
    /// Read a repository's tags in every stage.
    LoadBoard {
        repository: String,
    },
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
    /// Make a confirmed change; the job is already registered in `State::jobs`.
    Mutate {
        job: super::JobId,
        mutation: super::mutation::Mutation,
    },
}

/// How often panes re-read, from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshRates {
    pub runs_active: Duration,
    pub runs_idle: Duration,
    pub listings: Duration,
}

impl Default for RefreshRates {
    fn default() -> Self {
        RefreshRates {
            runs_active: Duration::from_secs(3),
            runs_idle: Duration::from_secs(30),
            listings: Duration::from_secs(120),
        }
    }
}

/// What the dashboard does first: sign in and list the registries.
pub fn startup(state: &mut State) -> Vec<Effect> {
    state.data.registries.loading = true;
    vec![Effect::SignIn, Effect::LoadRegistries]
}

/// Applies one action to the state and returns the work it asks for.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let touched = touched_panes(&action);
    // A change ended: the Audit pane, when shown, reads its outcome.
    let audited = matches!(
        action,
        Action::ImportDone { .. } | Action::PromotionDone { .. } | Action::Mutated { .. }
    );
    let mut effects = apply(state, action);
    if audited && state.pane == Pane::Audit && !state.audit.loading {
        effects.extend(super::audit_view::load(state));
    }
    for pane in touched {
        state.touch(*pane);
    }
    // Rows are filtered and sorted here, once per change, not on every key or frame.
    state.sync_rows();
    for pane in Pane::TABLES {
        clamp_cursor(state, pane);
    }
    effects
}

/// The panes whose rows an action's data changes.
fn touched_panes(action: &Action) -> &'static [Pane] {
    match action {
        Action::RegistriesLoaded { .. } | Action::UsageLoaded { .. } => &[Pane::Registries],
        Action::CacheRestored(_) => &[Pane::Registries, Pane::Repositories, Pane::Tags, Pane::Runs],
        // Health marks are shown (and filtered on) in the Registries pane.
        Action::RepositoriesLoaded { .. } => &[Pane::Repositories, Pane::Registries],
        Action::RepositoryLoaded { .. } => &[Pane::Repositories],
        Action::TagsLoaded { .. } => &[Pane::Tags, Pane::Registries],
        Action::RunsLoaded { .. } => &[Pane::Runs],
        Action::LocksFound { .. } | Action::LocksDone { .. } => &[Pane::Locks],
        Action::CacheRulesLoaded { .. } => &[Pane::CacheRules],
        Action::ImportsPlanned { .. } | Action::ImportStep { .. } | Action::ImportDone { .. } => &[Pane::Imports],
        Action::BoardLoaded { .. } | Action::PromotionStep { .. } | Action::PromotionDone { .. } => &[Pane::Promotions],
        Action::AuditLoaded(_) => &[Pane::Audit],
        _ => &[],
    }
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => on_key(state, key),
        a @ (Action::ImportsPlanned { .. }
        | Action::ImportStep { .. }
        | Action::ImportDone { .. }
        | Action::ImportsChanged) => super::imports::apply(state, a),
        a @ Action::AuditLoaded(_) => super::audit_view::apply(state, a),
        a @ (Action::BoardLoaded { .. }
        | Action::PromotionsPlanned(_)
        | Action::PromotionStep { .. }
        | Action::PromotionDone { .. }) => super::promotions::apply(state, a),
        Action::Resize(cols, rows) => {
            state.size = (cols, rows);
            vec![]
        }
        Action::Signal(signal) => vec![Effect::Exit(signal.exit_code())],
        Action::Tick(now) => {
            state.now = now;
            vec![]
        }
        Action::CacheRestored(part) => {
            super::cached::restore(state, *part);
            vec![]
        }
        Action::SignedIn(result) => {
            match result {
                Ok(id) => {
                    state.identity = Some(super::Identity {
                        principal: id.principal,
                        tenant: id.tenant.unwrap_or_default(),
                    })
                }
                Err(e) => state.sign_in_error = Some(e),
            }
            vec![]
        }
        Action::RegistriesLoaded { registries, error } => {
            let had = !registries.is_empty();
            let rows: Vec<RegistryRow> = registries
                .into_iter()
                .map(|r| {
                    // Keep what we knew of a registry across refreshes.
                    let old = state
                        .data
                        .registries
                        .value
                        .iter()
                        .flatten()
                        .find(|o| o.registry.id == r.id);
                    RegistryRow {
                        storage: old.and_then(|o| o.storage),
                        health: old.and_then(|o| o.health.clone()),
                        registry: r,
                    }
                })
                .collect();
            let mut effects: Vec<Effect> = rows
                .iter()
                .filter_map(|r| {
                    let registry = RegistryRef::parse(&r.registry.id)?;
                    Some(Effect::LoadUsage {
                        registry,
                        login_server: r.registry.properties.login_server.clone(),
                    })
                })
                .collect();
            state.data.registries.settle(rows, error, state.now, had);
            effects.push(Effect::RefreshLater {
                after: state.refresh.listings,
                refresh: Refresh::Registries,
            });
            effects
        }
        Action::UsageLoaded { login_server, usage } => {
            if let Some(rows) = state.data.registries.value.as_mut()
                && let Some(row) = rows
                    .iter_mut()
                    .find(|r| r.registry.properties.login_server == login_server)
            {
                match usage {
                    Ok(u) => {
                        row.storage = Some(u);
                        row.health = None;
                    }
                    Err(e) => row.health = Some(e),
                }
            }
            vec![]
        }
        Action::RepositoriesLoaded {
            login_server,
            names,
            error,
        } => {
            let had = !names.is_empty();
            let now = state.now;
            mark_health(state, &login_server, error.as_deref());
            state
                .data
                .repositories
                .entry(login_server)
                .or_default()
                .settle(names, error, now, had);
            vec![]
        }
        Action::RepositoryLoaded {
            login_server,
            properties,
        } => {
            state
                .data
                .repository_props
                .insert((login_server, properties.image_name.clone()), properties);
            vec![]
        }
        Action::TagsLoaded {
            login_server,
            repository,
            tags,
            manifests,
            error,
        } => {
            let had = !tags.is_empty();
            let now = state.now;
            mark_health(state, &login_server, error.as_deref());
            let rows: Vec<TagRow> = tags
                .into_iter()
                .map(|t| {
                    let manifest = manifests.iter().find(|m| m.digest == t.digest).cloned();
                    TagRow::new(t, manifest)
                })
                .collect();
            let key = (login_server, repository);
            let l = state.data.tags.entry(key.clone()).or_default();
            l.settle(rows, error, now, had);
            // The search index follows the rows the pane holds (kept on a failed refresh too).
            let index = super::data::tag_index(l.value.as_deref().unwrap_or(&[]));
            state.data.tag_search.insert(key, index);
            vec![]
        }
        Action::RunsLoaded {
            login_server,
            runs,
            error,
        } => {
            let had = !runs.is_empty();
            let now = state.now;
            let active = runs.iter().any(|r| r.status().is_active());
            state
                .data
                .runs
                .entry(login_server.clone())
                .or_default()
                .settle(runs, error, now, had);
            // Fast while something runs, slow when idle.
            let after = if active {
                state.refresh.runs_active
            } else {
                state.refresh.runs_idle
            };
            vec![Effect::RefreshLater {
                after,
                refresh: Refresh::Runs { login_server },
            }]
        }
        Action::TasksLoaded {
            login_server,
            tasks,
            error,
        } => {
            let had = !tasks.is_empty();
            let now = state.now;
            let l = state.data.tasks.entry(login_server).or_default();
            l.settle(tasks, error, now, had);
            let n = l.value.as_ref().map_or(0, Vec::len);
            state.tasks_cursor = state.tasks_cursor.min(n.saturating_sub(1));
            vec![]
        }
        Action::LocksFound {
            login_server,
            items,
            scanned,
            total,
        } => {
            let l = state.data.locks.entry(login_server.clone()).or_default();
            l.value.get_or_insert_with(Vec::new).extend(items);
            state.data.lock_scan.insert(login_server, (scanned, total));
            vec![]
        }
        Action::LocksDone { login_server, error } => {
            let now = state.now;
            mark_health(state, &login_server, error.as_deref());
            let l = state.data.locks.entry(login_server).or_default();
            let items = l.value.take().unwrap_or_default();
            // What the scan found before an error still shows, marked partial.
            let had = !items.is_empty();
            l.settle(items, error, now, had);
            if let Some(v) = l.value.as_mut() {
                v.sort_by(|a, b| (&a.repository, a.kind, &a.reference).cmp(&(&b.repository, b.kind, &b.reference)));
            }
            vec![]
        }
        Action::CacheRulesLoaded {
            login_server,
            rules,
            credentials,
            error,
        } => {
            let had = !rules.is_empty();
            let now = state.now;
            let rows: Vec<CacheRuleRow> = rules
                .into_iter()
                .map(|rule| {
                    let credential = rule
                        .credential_set_name()
                        .and_then(|n| credentials.iter().find(|c| c.name.eq_ignore_ascii_case(n)))
                        .cloned();
                    CacheRuleRow { rule, credential }
                })
                .collect();
            state
                .data
                .cache_rules
                .entry(login_server)
                .or_default()
                .settle(rows, error, now, had);
            vec![]
        }
        Action::LogSaved(result) => {
            state.flash = Some(match result {
                Ok((path, size)) => (
                    format!("saved the whole log ({}) to {path}", super::data::bytes(size)),
                    false,
                ),
                Err(e) => (format!("could not save the log: {e}"), true),
            });
            vec![]
        }
        Action::Log {
            login_server,
            run_id,
            event,
        } => on_log(state, &login_server, &run_id, event),
        Action::Mutated { job, mutation, result } => {
            state.jobs.remove(&job);
            if state.jobs.is_empty() && matches!(state.modal, Modal::ConfirmQuit) {
                state.modal = Modal::None;
            }
            state.flash = Some(match &result {
                Ok(now) => (
                    format!("done: {} — registry now reports {now}", mutation.describe()),
                    false,
                ),
                Err(e) => (format!("failed: {e}"), true),
            });
            // Re-read what shows the change from the registry: the truth, not what we asked for.
            match mutation {
                Mutation::Locks { .. } => match state.pane {
                    Pane::Tags => load_tags(state),
                    Pane::Repositories => load_repositories(state),
                    Pane::Locks => load_locks(state),
                    _ => vec![],
                },
                Mutation::CancelRun { .. } | Mutation::ScheduleRun { .. } if state.pane == Pane::Runs => {
                    load_runs(state)
                }
                _ => vec![],
            }
        }
        Action::RefreshDue(Refresh::Registries) => {
            state.data.registries.loading = true;
            vec![Effect::LoadRegistries]
        }
        Action::RefreshDue(Refresh::Runs { login_server }) => {
            // Only the runs someone looks at are kept fresh.
            if state.pane == Pane::Runs && state.nav.registry.as_deref() == Some(login_server.as_str()) {
                load_runs(state)
            } else {
                vec![]
            }
        }
    }
}

fn on_log(state: &mut State, login_server: &str, run_id: &str, event: crate::acr::logs::LogEvent) -> Vec<Effect> {
    use super::log_view::LogStatus;
    use crate::acr::logs::LogEvent;
    // Events of a log closed meanwhile are dropped.
    let now = state.now;
    let Some(view) = state.logs.iter_mut().find(|v| v.is_for(login_server, run_id)) else {
        return vec![];
    };
    match event {
        LogEvent::Lines(lines) => view.push(lines, now),
        LogEvent::Waiting => view.status = LogStatus::Waiting,
        LogEvent::Retrying { error, .. } => view.status = LogStatus::Retrying(error),
        LogEvent::Failed(e) => view.status = LogStatus::Failed(e.to_string()),
        LogEvent::Complete(outcome) => {
            view.status = LogStatus::Complete(outcome);
            // The run list should say so too.
            return load_runs(state);
        }
    }
    vec![]
}

/// Marks a registry unhealthy when a call to it failed, healthy when one worked.
fn mark_health(state: &mut State, login_server: &str, error: Option<&str>) {
    if let Some(rows) = state.data.registries.value.as_mut()
        && let Some(row) = rows
            .iter_mut()
            .find(|r| r.registry.properties.login_server == login_server)
    {
        row.health = error.map(str::to_string);
    }
}

fn clamp_cursor(state: &mut State, pane: Pane) {
    let n = state.row_count(pane);
    let c = state.cursor.entry(pane).or_insert(0);
    if *c >= n {
        *c = n.saturating_sub(1);
    }
}

fn move_cursor(state: &mut State, delta: isize) {
    let pane = state.pane;
    let n = state.row_count(pane);
    if n == 0 {
        return;
    }
    let c = state.cursor.entry(pane).or_insert(0);
    *c = (*c as isize + delta).clamp(0, n as isize - 1) as usize;
}

/// Rows a page moves: the table's height.
fn page(state: &State) -> isize {
    (state.size.1 as isize - 7).max(1)
}

fn load_repositories(state: &mut State) -> Vec<Effect> {
    let Some(ls) = state.nav.registry.clone() else {
        return vec![];
    };
    state.data.repositories.entry(ls.clone()).or_default().loading = true;
    vec![Effect::LoadRepositories { login_server: ls }]
}

fn load_tags(state: &mut State) -> Vec<Effect> {
    let (Some(ls), Some(repo)) = (state.nav.registry.clone(), state.nav.repository.clone()) else {
        return vec![];
    };
    state.data.tags.entry((ls.clone(), repo.clone())).or_default().loading = true;
    vec![Effect::LoadTags {
        login_server: ls,
        repository: repo,
    }]
}

fn load_runs(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.current_registry() else {
        return vec![];
    };
    let Some(registry) = RegistryRef::parse(&row.registry.id) else {
        return vec![];
    };
    let ls = row.registry.properties.login_server.clone();
    state.data.runs.entry(ls.clone()).or_default().loading = true;
    vec![Effect::LoadRuns {
        registry,
        login_server: ls,
    }]
}

/// The chosen registry's ARM reference and login server.
fn current_registry_ref(state: &State) -> Option<(RegistryRef, String)> {
    let row = state.current_registry()?;
    Some((
        RegistryRef::parse(&row.registry.id)?,
        row.registry.properties.login_server.clone(),
    ))
}

fn load_tasks(state: &mut State) -> Vec<Effect> {
    let Some((registry, ls)) = current_registry_ref(state) else {
        return vec![];
    };
    state.data.tasks.entry(ls.clone()).or_default().loading = true;
    vec![Effect::LoadTasks {
        registry,
        login_server: ls,
    }]
}

fn load_locks(state: &mut State) -> Vec<Effect> {
    let Some(ls) = state.nav.registry.clone() else {
        return vec![];
    };
    // A new scan starts from nothing: rows of an old scan would claim locks that may be gone.
    let l = state.data.locks.entry(ls.clone()).or_default();
    l.loading = true;
    l.value = Some(Vec::new());
    l.error = None;
    l.partial = false;
    state.data.lock_scan.insert(ls.clone(), (0, 0));
    vec![Effect::LoadLocks { login_server: ls }]
}

fn load_cache_rules(state: &mut State) -> Vec<Effect> {
    let Some((registry, ls)) = current_registry_ref(state) else {
        return vec![];
    };
    state.data.cache_rules.entry(ls.clone()).or_default().loading = true;
    vec![Effect::LoadCacheRules {
        registry,
        login_server: ls,
    }]
}

/// The registry under the Registries cursor, used when a pane needs a registry and none was
/// opened yet.
fn registry_under_cursor(state: &State) -> Option<String> {
    state
        .registry_rows()
        .get(state.selected_row(Pane::Registries)?)
        .map(|r| r.registry.properties.login_server.clone())
}

/// Switches pane, loading what it shows if it has nothing yet.
fn show(state: &mut State, pane: Pane) -> Vec<Effect> {
    state.pane = pane;
    if state.nav.registry.is_none() && matches!(pane, Pane::Repositories | Pane::Runs | Pane::Locks | Pane::CacheRules)
    {
        state.nav.registry = registry_under_cursor(state);
    }
    let reg = state.nav.registry.clone().unwrap_or_default();
    match pane {
        Pane::Locks if state.data.locks.get(&reg).is_none_or(|l| l.needs_read()) => load_locks(state),
        Pane::CacheRules if state.data.cache_rules.get(&reg).is_none_or(|l| l.needs_read()) => load_cache_rules(state),
        Pane::Runs
            if state.data.runs.get(&reg).is_none_or(|l| l.needs_read())
                || state.data.tasks.get(&reg).is_none_or(|l| l.needs_read()) =>
        {
            let mut e = load_runs(state);
            e.extend(load_tasks(state));
            e
        }
        Pane::Repositories if state.data.repositories.get(&reg).is_none_or(|l| l.needs_read()) => {
            load_repositories(state)
        }
        Pane::Tags
            if state
                .data
                .tags
                .get(&(reg.clone(), state.nav.repository.clone().unwrap_or_default()))
                .is_none_or(|l| l.needs_read()) =>
        {
            load_tags(state)
        }
        Pane::Imports => super::imports::on_show(state),
        Pane::Promotions => super::promotions::show_board(state, None),
        Pane::Audit => super::audit_view::load(state),
        _ => vec![],
    }
}

fn open(state: &mut State) -> Vec<Effect> {
    match state.pane {
        Pane::Registries => {
            let Some(ls) = registry_under_cursor(state) else {
                return vec![];
            };
            if state.nav.registry.as_deref() != Some(ls.as_str()) {
                state.nav = Nav {
                    registry: Some(ls),
                    repository: None,
                };
                state.cursor.insert(Pane::Repositories, 0);
            }
            state.pane = Pane::Repositories;
            load_repositories(state)
        }
        Pane::Repositories => {
            let reg = state.nav.registry.clone().unwrap_or_default();
            let Some(repo) = state
                .data
                .repositories
                .get(&reg)
                .and_then(|l| l.value.as_ref())
                .and_then(|v| v.get(state.selected_row(Pane::Repositories)?))
                .cloned()
            else {
                return vec![];
            };
            if state.nav.repository.as_deref() != Some(repo.as_str()) {
                state.nav.repository = Some(repo);
                state.cursor.insert(Pane::Tags, 0);
            }
            state.pane = Pane::Tags;
            load_tags(state)
        }
        Pane::Tags => {
            if state.selected_row(Pane::Tags).is_some() {
                state.tag_detail = true;
            }
            vec![]
        }
        Pane::Runs if state.tasks_focus => {
            // Enter on a task shows its runs.
            if let Some(task) = selected_task(state) {
                state.filters.insert(Pane::Runs, format!("task:{}", task.name));
                state.tasks_focus = false;
            }
            vec![]
        }
        Pane::Runs => {
            let Some(row) = state.current_registry() else {
                return vec![];
            };
            let (Some(registry), name) = (RegistryRef::parse(&row.registry.id), row.registry.name.clone()) else {
                return vec![];
            };
            let ls = row.registry.properties.login_server.clone();
            let Some(run) = state
                .data
                .runs
                .get(&ls)
                .and_then(|l| l.value.as_ref())
                .and_then(|v| v.get(state.selected_row(Pane::Runs)?))
            else {
                return vec![];
            };
            let run_id = run.run_id().to_string();
            // A log already open is shown again as it stands; its follower never stopped.
            if let Some(i) = state.logs.iter().position(|v| v.is_for(&ls, &run_id)) {
                state.log_shown = Some(i);
                return vec![];
            }
            state
                .logs
                .push(super::log_view::LogView::new(ls.clone(), name, run_id.clone()));
            state.log_shown = Some(state.logs.len() - 1);
            vec![Effect::OpenLog {
                registry,
                login_server: ls,
                run_id,
            }]
        }
        _ => vec![],
    }
}

/// The task under the tasks list's cursor.
fn selected_task(state: &State) -> Option<&crate::acr::model::Task> {
    let ls = state.nav.registry.as_deref()?;
    state.data.tasks.get(ls)?.value.as_ref()?.get(state.tasks_cursor)
}

/// Whether a registry is production, by its stage (see [`crate::config::is_production_stage`]).
pub(super) fn is_production(state: &State, login_server: &str) -> bool {
    state
        .registry_by_login(login_server)
        .and_then(|r| r.stage())
        .is_some_and(|stage| crate::config::is_production_stage(stage, &state.stage_order))
}

fn ask(state: &mut State, options: Vec<Mutation>) -> Vec<Effect> {
    let Some(first) = options.first() else {
        return vec![];
    };
    if state.readonly {
        state.flash = Some((format!("read-only: will not {}", first.describe()), true));
        return vec![];
    }
    let production = is_production(state, first.login_server());
    state.modal = Modal::Confirm(Confirm::new(options, production));
    vec![]
}

/// The three ways to lock (or unlock) a target: write and delete, write only, delete only. The
/// direction follows what is there: anything locked offers unlocking.
fn lock_options(state: &State, repository: String, target: LockTarget, now: &ChangeableAttributes) -> Vec<Mutation> {
    let Some(ls) = state.nav.registry.clone() else {
        return vec![];
    };
    let registry_name = state.current_registry_name().unwrap_or_else(|| ls.clone());
    let lock = now.write_enabled && now.delete_enabled;
    [(true, true), (true, false), (false, true)]
        .into_iter()
        .map(|(write, delete)| Mutation::Locks {
            login_server: ls.clone(),
            registry_name: registry_name.clone(),
            repository: repository.clone(),
            target: target.clone(),
            write,
            delete,
            lock,
        })
        .collect()
}

/// The selected tag's row.
fn selected_tag(state: &State) -> Option<&TagRow> {
    let (ls, repo) = (state.nav.registry.clone()?, state.nav.repository.clone()?);
    state
        .data
        .tags
        .get(&(ls, repo))?
        .value
        .as_ref()?
        .get(state.selected_row(Pane::Tags)?)
}

/// `x`: lock or unlock what the cursor is on: a tag, a repository, or a row of the Locks pane.
fn ask_lock(state: &mut State) -> Vec<Effect> {
    let options = match state.pane {
        Pane::Tags => {
            let Some(row) = selected_tag(state) else { return vec![] };
            let (repo, target, attrs) = (
                state.nav.repository.clone().unwrap_or_default(),
                LockTarget::Tag(row.tag.name.clone()),
                row.tag.changeable_attributes,
            );
            lock_options(state, repo, target, &attrs)
        }
        Pane::Repositories => {
            let ls = state.nav.registry.clone().unwrap_or_default();
            let Some(repo) = state
                .data
                .repositories
                .get(&ls)
                .and_then(|l| l.value.as_ref())
                .and_then(|v| v.get(state.selected_row(Pane::Repositories)?))
                .cloned()
            else {
                return vec![];
            };
            let Some(attrs) = state
                .data
                .repository_props
                .get(&(ls, repo.clone()))
                .map(|p| p.changeable_attributes)
            else {
                state.flash = Some((
                    format!("{repo}: its lock state has not been read yet; try again in a moment"),
                    true,
                ));
                return vec![];
            };
            lock_options(state, repo, LockTarget::Repository, &attrs)
        }
        Pane::Locks => {
            let ls = state.nav.registry.clone().unwrap_or_default();
            let Some(item) = state
                .data
                .locks
                .get(&ls)
                .and_then(|l| l.value.as_ref())
                .and_then(|v| v.get(state.selected_row(Pane::Locks)?))
                .cloned()
            else {
                return vec![];
            };
            let target = match item.kind {
                LockedKind::Repository => LockTarget::Repository,
                LockedKind::Tag => LockTarget::Tag(item.reference.clone()),
                LockedKind::Manifest => LockTarget::Manifest(item.reference.clone()),
            };
            lock_options(state, item.repository.clone(), target, &item.attributes)
        }
        _ => return vec![],
    };
    ask(state, options)
}

/// `X`: lock or unlock the selected tag's manifest (its digest, and so every tag on it).
fn ask_lock_digest(state: &mut State) -> Vec<Effect> {
    if state.pane != Pane::Tags {
        return vec![];
    }
    let Some(row) = selected_tag(state) else { return vec![] };
    let digest = row.tag.digest.clone();
    // The manifest's own switches when known; a tag's are a fair guess otherwise.
    let attrs = row
        .manifest
        .as_ref()
        .map(|m| m.changeable_attributes)
        .unwrap_or(row.tag.changeable_attributes);
    let repo = state.nav.repository.clone().unwrap_or_default();
    let options = lock_options(state, repo, LockTarget::Manifest(digest), &attrs);
    ask(state, options)
}

fn ask_cancel(state: &mut State) -> Vec<Effect> {
    if state.pane != Pane::Runs || state.log().is_some() || state.tasks_focus {
        return vec![];
    }
    let Some(row) = state.current_registry() else {
        return vec![];
    };
    let (Some(registry), registry_name, ls) = (
        RegistryRef::parse(&row.registry.id),
        row.registry.name.clone(),
        row.registry.properties.login_server.clone(),
    ) else {
        return vec![];
    };
    let Some(run) = state
        .data
        .runs
        .get(&ls)
        .and_then(|l| l.value.as_ref())
        .and_then(|v| v.get(state.selected_row(Pane::Runs)?))
    else {
        return vec![];
    };
    if !run.status().is_active() {
        state.flash = Some((
            format!("run {} has already ended ({})", run.run_id(), run.status()),
            true,
        ));
        return vec![];
    }
    let mutation = Mutation::CancelRun {
        registry,
        login_server: ls,
        registry_name,
        run_id: run.run_id().to_string(),
    };
    ask(state, vec![mutation])
}

/// Schedules a run of the task under the cursor: the tasks list's, or the selected run's task.
fn ask_schedule(state: &mut State) -> Vec<Effect> {
    if state.pane != Pane::Runs || state.log().is_some() {
        return vec![];
    }
    let Some(row) = state.current_registry() else {
        return vec![];
    };
    let (Some(registry), registry_name, ls) = (
        RegistryRef::parse(&row.registry.id),
        row.registry.name.clone(),
        row.registry.properties.login_server.clone(),
    ) else {
        return vec![];
    };
    let task = if state.tasks_focus {
        selected_task(state).map(|t| t.name.clone())
    } else {
        state
            .data
            .runs
            .get(&ls)
            .and_then(|l| l.value.as_ref())
            .and_then(|v| v.get(state.selected_row(Pane::Runs)?))
            .and_then(|r| r.properties.task.clone())
    };
    let Some(task) = task else {
        state.flash = Some((
            "no task here: choose a task in the tasks list (h) or a run of a task".into(),
            true,
        ));
        return vec![];
    };
    ask(
        state,
        vec![Mutation::ScheduleRun {
            registry,
            login_server: ls,
            registry_name,
            task,
        }],
    )
}

/// Keys while a confirmation is open: Enter confirms (once the name is typed where needed),
/// Esc cancels, anything else types.
fn on_confirm_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Modal::Confirm(confirm) = &mut state.modal else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => {
            state.modal = Modal::None;
            state.flash = Some(("cancelled: nothing was changed".into(), false));
        }
        KeyCode::Enter if confirm.ready() => {
            let mutation = confirm.mutation().clone();
            state.modal = Modal::None;
            let job = state.start_job(mutation.describe());
            state.flash = Some((format!("working: {}…", mutation.describe()), false));
            return vec![Effect::Mutate { job, mutation }];
        }
        // Tab picks among the variants (write and delete, write only, delete only).
        KeyCode::Tab => confirm.chosen = (confirm.chosen + 1) % confirm.options.len().max(1),
        KeyCode::BackTab => {
            let n = confirm.options.len().max(1);
            confirm.chosen = (confirm.chosen + n - 1) % n;
        }
        KeyCode::Backspace if confirm.production => {
            confirm.typed.pop();
        }
        KeyCode::Char(c) if confirm.production && !key.modifiers.contains(KeyModifiers::CONTROL) => {
            confirm.typed.push(c)
        }
        _ => {}
    }
    vec![]
}

/// Typing a filter: it applies as it is typed; enter keeps it, esc clears it.
fn on_filter_key(state: &mut State, key: KeyEvent) {
    let pane = state.pane;
    let text = state.filters.entry(pane).or_default();
    match key.code {
        KeyCode::Enter => state.modal = Modal::None,
        KeyCode::Esc => {
            text.clear();
            state.modal = Modal::None;
        }
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
        _ => {}
    }
    // The cursor stays on a row that is still shown.
    state.cursor.insert(pane, 0);
}

/// Rows of the log text in the Runs pane: the screen less header, tabs, footer, frame and the
/// status line.
fn log_height(state: &State) -> usize {
    (state.size.1 as usize).saturating_sub(6).max(1)
}

/// Typing a log search: Enter finds the first match, Esc drops the search.
fn on_log_search_key(state: &mut State, key: KeyEvent) {
    let height = log_height(state);
    let Some(view) = state.log_mut() else { return };
    match key.code {
        KeyCode::Enter => {
            view.search_editing = false;
            view.current_match = None;
            let found = view.find(true, height);
            if !found && !view.search.is_empty() {
                let text = format!("`{}` is not in the lines held", view.search);
                state.flash = Some((text, true));
            }
        }
        KeyCode::Esc => {
            view.search.clear();
            view.search_editing = false;
            view.current_match = None;
        }
        KeyCode::Backspace => {
            view.search.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => view.search.push(c),
        _ => {}
    }
}

/// Keys while a run's log is shown: scrolling, following, search, wrap, gutter, save, copy,
/// switching between open logs, closing. `None`: not a log key; the pane handles it.
fn on_log_key(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let height = log_height(state);
    let shown = state.log_shown?;
    let view = state.logs.get_mut(shown)?;
    match command {
        Command::Up => view.scroll(-1, height),
        Command::Down => view.scroll(1, height),
        Command::PageUp => view.scroll(-(height as isize), height),
        Command::PageDown => view.scroll(height as isize, height),
        Command::Top => view.scroll(isize::MIN / 2, height),
        Command::Bottom | Command::Follow => {
            view.follow = true;
            view.current_match = None;
        }
        Command::Filter => {
            view.search_editing = true;
            view.search.clear();
        }
        Command::NextMatch | Command::PrevMatch => {
            if !view.find(command == Command::NextMatch, height) {
                let text = if view.search.is_empty() {
                    "no search yet: / searches the log".to_string()
                } else {
                    format!("`{}` is not in the lines held", view.search)
                };
                state.flash = Some((text, true));
            }
        }
        Command::Wrap => view.wrap = !view.wrap,
        Command::Gutter => view.gutter = view.gutter.next(),
        Command::Copy => {
            let text = view.selection(height);
            let what = if view.current_match.is_some() && !view.search.is_empty() {
                "the found line".to_string()
            } else {
                format!("{} lines on screen", text.lines().count())
            };
            state.flash = Some((format!("copied {what} to the terminal's clipboard (OSC 52)"), false));
            return Some(vec![Effect::Copy(text)]);
        }
        Command::SaveLog => {
            let (ls, run_id, registry_name) = (
                view.login_server.clone(),
                view.run_id.clone(),
                view.registry_name.clone(),
            );
            let registry = state
                .data
                .registries
                .value
                .iter()
                .flatten()
                .find(|r| r.registry.properties.login_server == ls)
                .and_then(|r| RegistryRef::parse(&r.registry.id))?;
            state.flash = Some((format!("saving the whole log of run {run_id}…"), false));
            return Some(vec![Effect::SaveLog {
                registry,
                registry_name,
                run_id,
            }]);
        }
        Command::NextLog | Command::PrevLog => {
            let n = state.logs.len();
            let step = if command == Command::NextLog { 1 } else { n - 1 };
            state.log_shown = Some((shown + step) % n);
        }
        Command::CloseLog => {
            let view = state.logs.remove(shown);
            state.log_shown = None;
            return Some(vec![Effect::CloseLog {
                login_server: view.login_server,
                run_id: view.run_id,
            }]);
        }
        // Back to the runs; the log stays open and followed (Enter on its run shows it again).
        Command::Back => state.log_shown = None,
        _ => return None,
    }
    Some(vec![])
}

fn back(state: &mut State) -> Vec<Effect> {
    if state.pane == Pane::Tags && state.tag_detail {
        state.tag_detail = false;
        return vec![];
    }
    if state.pane == Pane::Runs && state.tasks_focus {
        state.tasks_focus = false;
        return vec![];
    }
    // Esc first clears a filter, then goes back.
    if let Some(f) = state.filters.get_mut(&state.pane).filter(|f| !f.is_empty()) {
        f.clear();
        return vec![];
    }
    state.pane = match state.pane {
        Pane::Tags => Pane::Repositories,
        Pane::Repositories | Pane::Runs | Pane::Locks | Pane::CacheRules => Pane::Registries,
        other => other,
    };
    vec![]
}

fn refresh(state: &mut State) -> Vec<Effect> {
    match state.pane {
        Pane::Registries => {
            state.data.registries.loading = true;
            vec![Effect::LoadRegistries]
        }
        Pane::Repositories => load_repositories(state),
        Pane::Tags => load_tags(state),
        Pane::Runs => {
            let mut e = load_runs(state);
            e.extend(load_tasks(state));
            e
        }
        Pane::Locks => load_locks(state),
        Pane::CacheRules => load_cache_rules(state),
        Pane::Imports => super::imports::plan(state),
        Pane::Promotions => super::promotions::load(state),
        Pane::Audit => super::audit_view::load(state),
    }
}

/// `s` cycles the Tags table's sort column (and back to the service's order); `S` flips it.
fn sort(state: &mut State, reverse: bool) {
    if state.pane != Pane::Tags {
        return;
    }
    let now = state.sort.get(&Pane::Tags).copied();
    let next = match (now, reverse) {
        (Some(s), true) => Some(Sort {
            descending: !s.descending,
            ..s
        }),
        (None, true) => Some(Sort {
            column: TagColumn::Created,
            descending: false,
        }),
        (None, false) => Some(Sort {
            column: TagColumn::Tag,
            descending: false,
        }),
        (Some(s), false) => s.column.next().map(|column| Sort {
            column,
            descending: false,
        }),
    };
    match next {
        Some(s) => state.sort.insert(Pane::Tags, s),
        None => state.sort.remove(&Pane::Tags),
    };
}

/// Names a registry can be called by on the command line: its name and its stage.
fn registry_names(state: &State) -> Vec<String> {
    let mut names = Vec::new();
    for r in state.registry_rows() {
        names.push(r.registry.name.clone());
        if let Some(stage) = r.registry.stage() {
            names.push(stage.to_string());
        }
    }
    names
}

/// The login server of the registry a command-line word names (name, stage or login server).
fn find_registry(state: &State, word: &str) -> Option<String> {
    let rows = state.registry_rows();
    let by = |f: &dyn Fn(&RegistryRow) -> bool| {
        rows.iter()
            .find(|r| f(r))
            .map(|r| r.registry.properties.login_server.clone())
    };
    by(&|r| r.registry.name.eq_ignore_ascii_case(word))
        .or_else(|| by(&|r| r.registry.properties.login_server.eq_ignore_ascii_case(word)))
        .or_else(|| by(&|r| r.registry.stage().is_some_and(|s| s.eq_ignore_ascii_case(word))))
}

fn on_command_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(line) = state.modal.command_line_mut() else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => state.modal = Modal::None,
        KeyCode::Backspace => {
            line.text.pop();
            line.hint = None;
        }
        KeyCode::Tab => {
            let text = line.text.clone();
            let regs = registry_names(state);
            let (completed, offered) = super::command::complete(&text, &regs, |reg| {
                let ls = match reg {
                    Some(word) => find_registry(state, word),
                    None => state.nav.registry.clone(),
                };
                ls.and_then(|ls| state.data.repositories.get(&ls)?.value.clone())
                    .unwrap_or_default()
            });
            if let Some(line) = state.modal.command_line_mut() {
                line.text = completed;
                line.error = false;
                line.hint = (!offered.is_empty()).then(|| offered.join("  "));
            }
        }
        KeyCode::Enter => {
            let text = line.text.clone();
            return run_command(state, &text);
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            line.text.push(c);
            line.hint = None;
        }
        _ => {}
    }
    vec![]
}

/// Carries out a command line; on a mistake the line stays open and says what is wrong.
fn run_command(state: &mut State, text: &str) -> Vec<Effect> {
    use super::command::{Goto, parse};
    let fail = |state: &mut State, why: String| {
        if let Some(line) = state.modal.command_line_mut() {
            line.hint = Some(why);
            line.error = true;
        }
        vec![]
    };
    let goto = match parse(text, |w| find_registry(state, w).is_some()) {
        Ok(g) => g,
        Err(e) => return fail(state, e),
    };
    let choose = |state: &mut State, word: &Option<String>| -> Result<(), String> {
        let Some(word) = word else { return Ok(()) };
        let ls = find_registry(state, word).ok_or_else(|| {
            format!(
                "no registry is called `{word}`; known: {}",
                registry_names(state).join(", ")
            )
        })?;
        if state.nav.registry.as_deref() != Some(ls.as_str()) {
            state.nav = Nav {
                registry: Some(ls),
                repository: None,
            };
            state.log_shown = None;
            state.tag_detail = false;
            for p in [
                Pane::Repositories,
                Pane::Tags,
                Pane::Locks,
                Pane::CacheRules,
                Pane::Runs,
            ] {
                state.cursor.insert(p, 0);
            }
        }
        Ok(())
    };
    let effects = match goto {
        Goto::Quit => {
            if state.jobs.is_empty() {
                return vec![Effect::Exit(0)];
            }
            state.modal = Modal::ConfirmQuit;
            return vec![];
        }
        Goto::Help => {
            state.modal = Modal::Help { scroll: 0 };
            return vec![];
        }
        Goto::Board { repository } => super::promotions::show_board(state, repository),
        Goto::Pane { pane, registry } => {
            if let Err(e) = choose(state, &registry) {
                return fail(state, e);
            }
            if pane == Pane::Repositories && state.nav.registry.is_none() {
                return fail(state, "choose a registry: :registry NAME".into());
            }
            show(state, pane)
        }
        Goto::Tags { registry, repository } => {
            if let Err(e) = choose(state, &registry) {
                return fail(state, e);
            }
            if state.nav.registry.is_none() {
                return fail(state, "choose a registry first: :tags REGISTRY/REPOSITORY".into());
            }
            if state.nav.repository.as_deref() != Some(repository.as_str()) {
                state.nav.repository = Some(repository);
                state.cursor.insert(Pane::Tags, 0);
                state.tag_detail = false;
            }
            state.pane = Pane::Tags;
            load_tags(state)
        }
    };
    // The command line closes unless the command opened something else in its place.
    if matches!(state.modal, Modal::Command(_)) {
        state.modal = Modal::None;
    }
    effects
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return vec![];
    }
    let command = state.keymap.command_for(&key);
    if command == Some(Command::ForceQuit) {
        return vec![Effect::Exit(0)];
    }
    match &mut state.modal {
        Modal::None => {}
        Modal::Confirm(_) => return on_confirm_key(state, key),
        Modal::Approve(_) => return super::imports::on_dialog_key(state, key),
        Modal::Promote(_) => return super::promotions::on_dialog_key(state, key),
        Modal::Command(_) => return on_command_key(state, key),
        Modal::Filter => {
            on_filter_key(state, key);
            return vec![];
        }
        Modal::ConfirmQuit => {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => return vec![Effect::Exit(0)],
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => state.modal = Modal::None,
                _ => {}
            }
            return vec![];
        }
        Modal::Help { scroll } => {
            match command {
                Some(Command::Help | Command::Back | Command::Quit) => state.modal = Modal::None,
                Some(Command::Down) => *scroll = scroll.saturating_add(1),
                Some(Command::Up) => *scroll = scroll.saturating_sub(1),
                Some(Command::PageDown) => *scroll = scroll.saturating_add(10),
                Some(Command::PageUp) => *scroll = scroll.saturating_sub(10),
                Some(Command::Top) => *scroll = 0,
                _ => {}
            }
            return vec![];
        }
    }
    if state.pane == Pane::Runs && state.log().is_some_and(|v| v.search_editing) {
        on_log_search_key(state, key);
        return vec![];
    }
    let Some(command) = command else {
        return vec![];
    };
    if state.pane == Pane::Runs
        && state.log().is_some()
        && let Some(effects) = on_log_key(state, command)
    {
        return effects;
    }
    // The tasks list beside the runs takes the movement keys while it has the focus.
    if state.pane == Pane::Runs && state.tasks_focus {
        let n = state
            .nav
            .registry
            .as_ref()
            .and_then(|ls| state.data.tasks.get(ls)?.value.as_ref().map(Vec::len))
            .unwrap_or(0);
        let c = state.tasks_cursor as isize;
        let to = match command {
            Command::Up => Some(c - 1),
            Command::Down => Some(c + 1),
            Command::Top => Some(0),
            Command::Bottom => Some(n as isize - 1),
            _ => None,
        };
        if let Some(to) = to {
            state.tasks_cursor = to.clamp(0, (n as isize - 1).max(0)) as usize;
            return vec![];
        }
    }
    // With the tag detail open, movement goes to the next tag and the detail follows it.
    match command {
        Command::Quit if state.jobs.is_empty() => vec![Effect::Exit(0)],
        Command::Quit => {
            state.modal = Modal::ConfirmQuit;
            vec![]
        }
        Command::ForceQuit => vec![Effect::Exit(0)],
        Command::Help => {
            state.modal = Modal::Help { scroll: 0 };
            vec![]
        }
        Command::CommandLine => {
            state.modal = Modal::Command(super::command::CommandLine::default());
            vec![]
        }
        Command::NextPane => show(state, Pane::ALL[(state.pane.index() + 1) % Pane::ALL.len()]),
        Command::PrevPane => show(
            state,
            Pane::ALL[(state.pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len()],
        ),
        Command::Pane(i) => match Pane::ALL.get(i) {
            Some(p) => show(state, *p),
            None => vec![],
        },
        Command::Up => {
            move_cursor(state, -1);
            vec![]
        }
        Command::Down => {
            move_cursor(state, 1);
            vec![]
        }
        Command::PageUp => {
            move_cursor(state, -page(state));
            vec![]
        }
        Command::PageDown => {
            move_cursor(state, page(state));
            vec![]
        }
        Command::Top => {
            move_cursor(state, isize::MIN / 2);
            vec![]
        }
        Command::Bottom => {
            move_cursor(state, isize::MAX / 2);
            vec![]
        }
        Command::Left | Command::Right if state.pane == Pane::Promotions => {
            super::promotions::on_command(state, command)
        }
        Command::Left => {
            if state.pane == Pane::Runs {
                state.tasks_focus = true;
            }
            vec![]
        }
        Command::Right => {
            state.tasks_focus = false;
            vec![]
        }
        Command::Back => back(state),
        Command::Open => open(state),
        Command::Refresh => refresh(state),
        Command::Sort => {
            sort(state, false);
            vec![]
        }
        Command::SortReverse => {
            sort(state, true);
            vec![]
        }
        Command::Lock => ask_lock(state),
        Command::LockDigest => ask_lock_digest(state),
        Command::Filter => {
            if Pane::TABLES.contains(&state.pane) && !state.tag_detail {
                state.modal = Modal::Filter;
            }
            vec![]
        }
        Command::CancelRun => ask_cancel(state),
        Command::ScheduleRun => ask_schedule(state),
        Command::Select | Command::SelectAll | Command::Approve if state.pane == Pane::Imports => {
            super::imports::on_command(state, command)
        }
        Command::Select | Command::SelectAll | Command::Promote if state.pane == Pane::Promotions => {
            super::promotions::on_command(state, command)
        }
        Command::Select | Command::SelectAll | Command::Approve | Command::Promote => vec![],
        // Log keys do nothing where no log is shown.
        Command::Follow
        | Command::NextMatch
        | Command::PrevMatch
        | Command::Wrap
        | Command::Gutter
        | Command::Copy
        | Command::SaveLog
        | Command::CloseLog => vec![],
        Command::NextLog | Command::PrevLog => {
            // From the runs table, ] shows the open logs again.
            if state.pane == Pane::Runs && !state.logs.is_empty() {
                state.log_shown = Some(0);
            }
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Environment, ExitSignal};
    use crate::keys::Keymap;
    use crossterm::event::KeyModifiers;

    fn state() -> State {
        State::new(
            Environment {
                name: "demo".into(),
                detail: "test".into(),
            },
            Keymap::default(),
            false,
        )
    }

    fn key(c: char) -> Action {
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn special(code: KeyCode) -> Action {
        Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn registry(name: &str, stage: &str) -> crate::acr::model::Registry {
        serde_json::from_value(serde_json::json!({
            "id": format!("/subscriptions/s/resourceGroups/rg-{stage}/providers/Microsoft.ContainerRegistry/registries/{name}"),
            "name": name, "location": "westeurope", "tags": {"stage": stage},
            "sku": {"name": "Premium"}, "properties": {"loginServer": format!("{name}.azurecr.io")}
        }))
        .unwrap()
    }

    #[test]
    fn quit_when_idle_exits_at_once() {
        let mut s = state();
        assert_eq!(update(&mut s, key('q')), vec![Effect::Exit(0)]);
    }

    #[test]
    fn quit_with_work_in_flight_asks_first() {
        let mut s = state();
        s.start_job("import nginx:1.27 into prod");
        assert!(update(&mut s, key('q')).is_empty());
        assert!(matches!(s.modal, Modal::ConfirmQuit));
        assert!(update(&mut s, key('n')).is_empty());
        assert!(s.modal.is_none());
        update(&mut s, key('q'));
        assert_eq!(update(&mut s, key('y')), vec![Effect::Exit(0)]);
        // When the work finishes while the dialog is open, the dialog goes away by itself.
        let mut s2 = state();
        let j2 = s2.start_job("x");
        update(&mut s2, key('q'));
        let m = Mutation::Locks {
            login_server: "r".into(),
            registry_name: "r".into(),
            repository: "a".into(),
            target: LockTarget::Tag("1".into()),
            write: true,
            delete: true,
            lock: true,
        };
        update(
            &mut s2,
            Action::Mutated {
                job: j2,
                mutation: m,
                result: Ok("locked".into()),
            },
        );
        assert!(s2.modal.is_none());
    }

    #[test]
    fn signals_exit_with_the_shell_convention() {
        let mut s = state();
        assert_eq!(
            update(&mut s, Action::Signal(ExitSignal::Terminate)),
            vec![Effect::Exit(143)]
        );
    }

    #[test]
    fn panes_cycle_and_jump() {
        let mut s = state();
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        );
        assert_eq!(s.pane, Pane::Audit);
        update(&mut s, special(KeyCode::Tab));
        assert_eq!(s.pane, Pane::Registries);
        update(&mut s, key('6'));
        assert_eq!(s.pane, Pane::Runs);
    }

    #[test]
    fn help_takes_the_keys_while_open() {
        let mut s = state();
        update(&mut s, key('?'));
        assert!(matches!(s.modal, Modal::Help { .. }));
        update(&mut s, key('6'));
        assert_eq!(
            s.pane,
            Pane::Registries,
            "keys under the overlay do not reach the panes"
        );
        update(&mut s, special(KeyCode::Esc));
        assert!(s.modal.is_none());
        // q closes help rather than quitting: a reflexive q must not end the session.
        update(&mut s, key('?'));
        assert!(update(&mut s, key('q')).is_empty());
        assert!(s.modal.is_none());
    }

    #[test]
    fn startup_signs_in_and_lists_registries_then_reads_usage() {
        let mut s = state();
        assert_eq!(startup(&mut s), vec![Effect::SignIn, Effect::LoadRegistries]);
        assert!(s.data.registries.loading);
        let effects = update(
            &mut s,
            Action::RegistriesLoaded {
                registries: vec![registry("acrprod", "prod"), registry("acrdev", "dev")],
                error: None,
            },
        );
        assert!(!s.data.registries.loading);
        assert_eq!(
            effects.iter().filter(|e| matches!(e, Effect::LoadUsage { .. })).count(),
            2
        );
        assert!(effects.contains(&Effect::RefreshLater {
            after: s.refresh.listings,
            refresh: Refresh::Registries
        }));
        let rows: Vec<&str> = s.registry_rows().iter().map(|r| r.registry.name.as_str()).collect();
        assert_eq!(rows, ["acrdev", "acrprod"], "stage order, not listing order");
    }

    #[test]
    fn enter_drills_down_and_esc_goes_back() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                registries: vec![registry("acrdev", "dev"), registry("acrprod", "prod")],
                error: None,
            },
        );
        update(&mut s, key('j'));
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::LoadRepositories {
                login_server: "acrprod.azurecr.io".into()
            }]
        );
        assert_eq!(
            (s.pane, s.nav.registry.as_deref()),
            (Pane::Repositories, Some("acrprod.azurecr.io"))
        );
        update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: "acrprod.azurecr.io".into(),
                names: vec!["apps/api".into(), "apps/web".into()],
                error: None,
            },
        );
        update(&mut s, key('j'));
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::LoadTags {
                login_server: "acrprod.azurecr.io".into(),
                repository: "apps/web".into()
            }]
        );
        assert_eq!(s.pane, Pane::Tags);
        update(&mut s, special(KeyCode::Esc));
        assert_eq!(s.pane, Pane::Repositories);
        update(&mut s, special(KeyCode::Esc));
        assert_eq!(s.pane, Pane::Registries);
    }

    #[test]
    fn runs_refresh_fast_while_active_and_only_when_watched() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                registries: vec![registry("acrdev", "dev")],
                error: None,
            },
        );
        let effects = update(&mut s, key('6'));
        assert!(matches!(
            effects.as_slice(),
            [Effect::LoadRuns { .. }, Effect::LoadTasks { .. }]
        ));
        let run: crate::acr::model::Run =
            serde_json::from_value(serde_json::json!({"name": "cf1", "properties": {"status": "Running"}})).unwrap();
        let effects = update(
            &mut s,
            Action::RunsLoaded {
                login_server: "acrdev.azurecr.io".into(),
                runs: vec![run],
                error: None,
            },
        );
        assert_eq!(
            effects,
            vec![Effect::RefreshLater {
                after: s.refresh.runs_active,
                refresh: Refresh::Runs {
                    login_server: "acrdev.azurecr.io".into()
                }
            }]
        );
        update(&mut s, key('1'));
        assert!(
            update(
                &mut s,
                Action::RefreshDue(Refresh::Runs {
                    login_server: "acrdev.azurecr.io".into()
                })
            )
            .is_empty(),
            "no refresh for a pane nobody watches"
        );
    }

    #[test]
    fn a_failed_listing_marks_the_registry_unhealthy() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                registries: vec![registry("acrdev", "dev")],
                error: None,
            },
        );
        update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: "acrdev.azurecr.io".into(),
                names: vec![],
                error: Some("403 Forbidden".into()),
            },
        );
        assert_eq!(s.registry_rows()[0].health.as_deref(), Some("403 Forbidden"));
    }

    fn tags_state(stage: &str) -> State {
        let mut s = state();
        s.stage_order = vec!["dev".into(), "prod".into()];
        update(
            &mut s,
            Action::RegistriesLoaded {
                registries: vec![registry("acrx", stage)],
                error: None,
            },
        );
        update(&mut s, special(KeyCode::Enter));
        update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: "acrx.azurecr.io".into(),
                names: vec!["apps/web".into()],
                error: None,
            },
        );
        update(&mut s, special(KeyCode::Enter));
        let tag: crate::acr::model::TagProperties =
            serde_json::from_value(serde_json::json!({"name": "1.0", "digest": "sha256:a"})).unwrap();
        update(
            &mut s,
            Action::TagsLoaded {
                login_server: "acrx.azurecr.io".into(),
                repository: "apps/web".into(),
                tags: vec![tag],
                manifests: vec![],
                error: None,
            },
        );
        s
    }

    #[test]
    fn locking_asks_first_and_production_needs_the_name_typed() {
        let mut s = tags_state("prod");
        assert!(update(&mut s, key('x')).is_empty());
        let c = s.modal.confirm().cloned().expect("a confirmation");
        assert!(c.production);
        assert!(
            c.mutation()
                .request()
                .starts_with("PATCH https://acrx.azurecr.io/acr/v1/apps/web/_tags/1.0")
        );
        assert!(
            update(&mut s, special(KeyCode::Enter)).is_empty(),
            "not before the name is typed"
        );
        for ch in "acrx".chars() {
            update(&mut s, key(ch));
        }
        let effects = update(&mut s, special(KeyCode::Enter));
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::Mutate {
                    mutation: Mutation::Locks {
                        lock: true,
                        write: true,
                        delete: true,
                        ..
                    },
                    ..
                }]
            ),
            "{effects:?}"
        );
        assert_eq!(s.jobs.len(), 1, "work in flight while it runs");
        // The outcome re-reads the tags from the registry.
        let Effect::Mutate { job, mutation } = effects[0].clone() else {
            unreachable!()
        };
        let after = update(
            &mut s,
            Action::Mutated {
                job,
                mutation,
                result: Ok("write and delete disabled".into()),
            },
        );
        assert!(matches!(after.as_slice(), [Effect::LoadTags { .. }]));
        assert!(s.jobs.is_empty());
    }

    #[test]
    fn esc_cancels_and_dev_needs_no_typing() {
        let mut s = tags_state("dev");
        update(&mut s, key('x'));
        assert!(!s.modal.confirm().unwrap().production);
        update(&mut s, special(KeyCode::Esc));
        assert!(s.modal.confirm().is_none());
        update(&mut s, key('x'));
        assert!(matches!(
            update(&mut s, special(KeyCode::Enter)).as_slice(),
            [Effect::Mutate { .. }]
        ));
    }

    #[test]
    fn read_only_sessions_never_ask() {
        let mut s = tags_state("dev");
        s.readonly = true;
        assert!(update(&mut s, key('x')).is_empty());
        assert!(s.modal.confirm().is_none());
        assert!(s.flash.as_ref().is_some_and(|(t, err)| *err && t.contains("read-only")));
    }

    #[test]
    fn a_filter_narrows_the_rows_and_enter_opens_the_row_shown() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                registries: vec![registry("acrdev", "dev"), registry("acrprod", "prod")],
                error: None,
            },
        );
        update(&mut s, key('/'));
        for c in "stage:prod".chars() {
            update(&mut s, key(c));
        }
        update(&mut s, special(KeyCode::Enter));
        assert!(!matches!(s.modal, Modal::Filter));
        assert_eq!(s.visible(Pane::Registries), vec![1]);
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::LoadRepositories {
                login_server: "acrprod.azurecr.io".into()
            }],
            "the row shown, not the first row"
        );
        // Esc clears a filter before it goes back.
        update(&mut s, key('1'));
        update(&mut s, special(KeyCode::Esc));
        assert_eq!(s.visible(Pane::Registries), vec![0, 1]);
        assert_eq!(s.pane, Pane::Registries);
    }

    #[test]
    fn a_lock_scan_is_partial_until_it_ends_and_an_error_keeps_it_partial() {
        let mut s = tags_state("prod");
        let effects = update(&mut s, key('4'));
        assert_eq!(
            effects,
            vec![Effect::LoadLocks {
                login_server: "acrx.azurecr.io".into()
            }]
        );
        let item = |r: &str| super::super::data::LockedItem {
            kind: LockedKind::Tag,
            repository: r.into(),
            reference: "1.0".into(),
            attributes: ChangeableAttributes {
                write_enabled: false,
                ..Default::default()
            },
            tags: vec![],
        };
        update(
            &mut s,
            Action::LocksFound {
                login_server: "acrx.azurecr.io".into(),
                items: vec![item("b")],
                scanned: 1,
                total: 2,
            },
        );
        let l = &s.data.locks["acrx.azurecr.io"];
        assert!(l.loading, "still scanning");
        assert_eq!(s.row_count(Pane::Locks), 1, "shown as found");
        update(
            &mut s,
            Action::LocksFound {
                login_server: "acrx.azurecr.io".into(),
                items: vec![item("a")],
                scanned: 2,
                total: 2,
            },
        );
        update(
            &mut s,
            Action::LocksDone {
                login_server: "acrx.azurecr.io".into(),
                error: Some("HTTP 503".into()),
            },
        );
        let l = &s.data.locks["acrx.azurecr.io"];
        assert!(!l.loading && l.partial);
        let order: Vec<&str> = l
            .value
            .as_ref()
            .unwrap()
            .iter()
            .map(|i| i.repository.as_str())
            .collect();
        assert_eq!(order, ["a", "b"], "sorted once complete");
        // x on a lock row offers to unlock it.
        update(&mut s, key('x'));
        assert!(matches!(
            s.modal.confirm().map(|c| c.mutation()),
            Some(Mutation::Locks { lock: false, .. })
        ));
    }

    #[test]
    fn tab_in_the_dialog_chooses_write_or_delete_only() {
        let mut s = tags_state("dev");
        update(&mut s, key('x'));
        update(&mut s, special(KeyCode::Tab));
        update(&mut s, special(KeyCode::Tab));
        let effects = update(&mut s, special(KeyCode::Enter));
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::Mutate {
                    mutation: Mutation::Locks {
                        write: false,
                        delete: true,
                        lock: true,
                        ..
                    },
                    ..
                }]
            ),
            "{effects:?}"
        );
        // X locks the manifest behind the tag.
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('X'), KeyModifiers::SHIFT)),
        );
        assert!(matches!(
            s.modal.confirm().map(|c| c.mutation()),
            Some(Mutation::Locks {
                target: LockTarget::Manifest(d),
                ..
            }) if d == "sha256:a"
        ));
    }

    #[test]
    fn the_command_line_goes_to_a_registry_by_stage_and_to_tags_by_path() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                registries: vec![registry("acrdev", "dev"), registry("acrprod", "prod")],
                error: None,
            },
        );
        update(&mut s, key(':'));
        for c in "tags prod/apps/web".chars() {
            update(&mut s, key(c));
        }
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::LoadTags {
                login_server: "acrprod.azurecr.io".into(),
                repository: "apps/web".into()
            }]
        );
        assert_eq!(s.pane, Pane::Tags);
        assert!(s.modal.command_line().is_none());
        update(&mut s, key(':'));
        for c in "registry nowhere".chars() {
            update(&mut s, key(c));
        }
        assert!(update(&mut s, special(KeyCode::Enter)).is_empty());
        let line = s.modal.command_line().cloned().expect("stays open on a mistake");
        assert!(
            line.error
                && line
                    .hint
                    .unwrap_or_default()
                    .contains("no registry is called `nowhere`")
        );
        update(&mut s, special(KeyCode::Esc));
        update(&mut s, key(':'));
        for c in "runs dev".chars() {
            update(&mut s, key(c));
        }
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(s.nav.registry.as_deref(), Some("acrdev.azurecr.io"));
        assert!(matches!(
            effects.as_slice(),
            [Effect::LoadRuns { .. }, Effect::LoadTasks { .. }]
        ));
    }

    #[test]
    fn sorting_cycles_columns_and_filters_are_worked_out_once_per_change() {
        let mut s = tags_state("dev");
        let tag = |n: &str, d: &str| -> crate::acr::model::TagProperties {
            serde_json::from_value(
                serde_json::json!({"name": n, "digest": d, "createdTime": format!("2026-01-0{d}T00:00:00Z")}),
            )
            .unwrap()
        };
        update(
            &mut s,
            Action::TagsLoaded {
                login_server: "acrx.azurecr.io".into(),
                repository: "apps/web".into(),
                tags: vec![tag("b", "3"), tag("c", "1"), tag("a", "2")],
                manifests: vec![],
                error: None,
            },
        );
        assert_eq!(s.visible(Pane::Tags).as_ref(), [0, 1, 2], "as listed");
        update(&mut s, key('s'));
        assert_eq!(s.visible(Pane::Tags).as_ref(), [2, 0, 1], "by name");
        update(&mut s, key('s'));
        assert_eq!(s.visible(Pane::Tags).as_ref(), [1, 2, 0], "by created");
        update(&mut s, key('S'));
        assert_eq!(s.visible(Pane::Tags).as_ref(), [0, 2, 1], "reversed");
        assert!(
            matches!(s.visible(Pane::Tags), std::borrow::Cow::Borrowed(_)),
            "served from the cache after an update"
        );
        s.filters.insert(Pane::Tags, "c".into());
        assert_eq!(s.visible(Pane::Tags).as_ref(), [1], "a stale cache is never used");
    }

    #[test]
    fn several_logs_stay_open_and_esc_keeps_following() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                registries: vec![registry("acrdev", "dev")],
                error: None,
            },
        );
        update(&mut s, key('6'));
        let run = |id: &str| -> crate::acr::model::Run {
            serde_json::from_value(serde_json::json!({"name": id, "properties": {"status": "Running", "task": "t"}}))
                .unwrap()
        };
        update(
            &mut s,
            Action::RunsLoaded {
                login_server: "acrdev.azurecr.io".into(),
                runs: vec![run("cf2"), run("cf1")],
                error: None,
            },
        );
        assert!(matches!(
            update(&mut s, special(KeyCode::Enter)).as_slice(),
            [Effect::OpenLog { .. }]
        ));
        update(&mut s, special(KeyCode::Esc));
        assert!(
            s.log().is_none() && s.logs.len() == 1,
            "back to the runs, log still open"
        );
        update(&mut s, key('j'));
        assert!(matches!(
            update(&mut s, special(KeyCode::Enter)).as_slice(),
            [Effect::OpenLog { .. }]
        ));
        assert_eq!(s.logs.len(), 2);
        update(&mut s, key(']'));
        assert_eq!(s.log().map(|v| v.run_id.as_str()), Some("cf2"));
        update(
            &mut s,
            Action::Log {
                login_server: "acrdev.azurecr.io".into(),
                run_id: "cf1".into(),
                event: crate::acr::logs::LogEvent::Lines(vec!["while hidden".into()]),
            },
        );
        assert_eq!(s.logs[1].lines.len(), 1, "a log not shown still receives its lines");
        let effects = update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)),
        );
        assert_eq!(
            effects,
            vec![Effect::CloseLog {
                login_server: "acrdev.azurecr.io".into(),
                run_id: "cf2".into()
            }]
        );
        assert_eq!(s.logs.len(), 1);
    }
}
