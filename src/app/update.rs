use super::action::Refresh;
use super::data::{RegistryRow, TagRow};
use super::mutation::{Confirm, Mutation};
use super::{Action, Nav, Overlay, Pane, State};
use crate::acr::RegistryRef;
use crate::keys::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
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
    /// Follow a run's log (replacing the one followed before).
    OpenLog {
        registry: RegistryRef,
        login_server: String,
        run_id: String,
    },
    CloseLog,
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
    match action {
        Action::Key(key) => on_key(state, key),
        Action::Resize(cols, rows) => {
            state.size = (cols, rows);
            vec![]
        }
        Action::Signal(signal) => vec![Effect::Exit(signal.exit_code())],
        Action::Tick(now) => {
            state.now = now;
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
            clamp_cursor(state, Pane::Registries);
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
            clamp_cursor(state, Pane::Repositories);
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
            state
                .data
                .tags
                .entry((login_server, repository))
                .or_default()
                .settle(rows, error, now, had);
            clamp_cursor(state, Pane::Tags);
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
            clamp_cursor(state, Pane::Runs);
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
        Action::Log {
            login_server,
            run_id,
            event,
        } => on_log(state, &login_server, &run_id, event),
        Action::Mutated { job, mutation, result } => {
            state.jobs.remove(&job);
            if state.jobs.is_empty() && state.overlay == Some(Overlay::ConfirmQuit) {
                state.overlay = None;
            }
            state.flash = Some(match &result {
                Ok(now) => (
                    format!("done: {} — registry now reports {now}", mutation.describe()),
                    false,
                ),
                Err(e) => (format!("failed: {e}"), true),
            });
            // Re-read the pane from the registry: the truth, not what we asked for.
            match mutation {
                Mutation::TagLocks { .. } if state.pane == Pane::Tags => load_tags(state),
                Mutation::CancelRun { .. } if state.pane == Pane::Runs => load_runs(state),
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
    use super::data::LogStatus;
    use crate::acr::logs::LogEvent;
    // Events of a log closed meanwhile are dropped.
    let Some(view) = state
        .log
        .as_mut()
        .filter(|v| v.login_server == login_server && v.run_id == run_id)
    else {
        return vec![];
    };
    match event {
        LogEvent::Lines(lines) => view.push(lines),
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
    if state.nav.registry.is_none() && matches!(pane, Pane::Repositories | Pane::Runs) {
        state.nav.registry = registry_under_cursor(state);
    }
    let reg = state.nav.registry.clone().unwrap_or_default();
    match pane {
        Pane::Repositories if state.data.repositories.get(&reg).is_none_or(|l| l.is_empty_and_idle()) => {
            load_repositories(state)
        }
        Pane::Tags
            if state
                .data
                .tags
                .get(&(reg.clone(), state.nav.repository.clone().unwrap_or_default()))
                .is_none_or(|l| l.is_empty_and_idle()) =>
        {
            load_tags(state)
        }
        Pane::Runs if state.data.runs.get(&reg).is_none_or(|l| l.is_empty_and_idle()) => load_runs(state),
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
            state.log = Some(super::data::LogView::new(ls.clone(), name, run_id.clone()));
            vec![Effect::OpenLog {
                registry,
                login_server: ls,
                run_id,
            }]
        }
        _ => vec![],
    }
}

/// Whether a registry is production: its stage is the pipeline's last, or named prod.
fn is_production(state: &State, login_server: &str) -> bool {
    let stage = state
        .data
        .registries
        .value
        .iter()
        .flatten()
        .find(|r| r.registry.properties.login_server == login_server)
        .and_then(|r| r.registry.stage().map(str::to_ascii_lowercase));
    match stage {
        Some(s) => {
            state
                .stage_order
                .last()
                .is_some_and(|last| last.eq_ignore_ascii_case(&s))
                || s == "prod"
                || s == "production"
        }
        None => false,
    }
}

fn ask(state: &mut State, mutation: Mutation, login_server: &str) -> Vec<Effect> {
    if state.readonly {
        state.flash = Some((format!("read-only: will not {}", mutation.describe()), true));
        return vec![];
    }
    let production = is_production(state, login_server);
    state.confirm = Some(Confirm {
        mutation,
        production,
        typed: String::new(),
    });
    vec![]
}

fn ask_lock(state: &mut State) -> Vec<Effect> {
    if state.pane != Pane::Tags {
        return vec![];
    }
    let (Some(ls), Some(repo)) = (state.nav.registry.clone(), state.nav.repository.clone()) else {
        return vec![];
    };
    let Some(row) = state
        .data
        .tags
        .get(&(ls.clone(), repo.clone()))
        .and_then(|l| l.value.as_ref())
        .and_then(|v| v.get(state.selected_row(Pane::Tags)?))
    else {
        return vec![];
    };
    let a = &row.tag.changeable_attributes;
    let lock = a.write_enabled || a.delete_enabled;
    let registry_name = state
        .current_registry()
        .map(|r| r.registry.name.clone())
        .unwrap_or_else(|| ls.clone());
    let mutation = Mutation::TagLocks {
        login_server: ls.clone(),
        registry_name,
        repository: repo,
        tag: row.tag.name.clone(),
        lock,
    };
    ask(state, mutation, &ls)
}

fn ask_cancel(state: &mut State) -> Vec<Effect> {
    if state.pane != Pane::Runs || state.log.is_some() {
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
        login_server: ls.clone(),
        registry_name,
        run_id: run.run_id().to_string(),
    };
    ask(state, mutation, &ls)
}

/// Keys while a confirmation is open: Enter confirms (once the name is typed where needed),
/// Esc cancels, anything else types.
fn on_confirm_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(confirm) = state.confirm.as_mut() else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => {
            state.confirm = None;
            state.flash = Some(("cancelled: nothing was changed".into(), false));
        }
        KeyCode::Enter if confirm.ready() => {
            let mutation = confirm.mutation.clone();
            state.confirm = None;
            let job = state.start_job(mutation.describe());
            state.flash = Some((format!("working: {}…", mutation.describe()), false));
            return vec![Effect::Mutate { job, mutation }];
        }
        KeyCode::Backspace if confirm.production => {
            confirm.typed.pop();
        }
        KeyCode::Char(c) if confirm.production && !key.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) => {
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
        KeyCode::Enter => state.filter_editing = false,
        KeyCode::Esc => {
            text.clear();
            state.filter_editing = false;
        }
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) => text.push(c),
        _ => {}
    }
    // The cursor stays on a row that is still shown.
    state.cursor.insert(pane, 0);
}

/// Keys while a run's log is open: scrolling, following, closing.
fn on_log_key(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let height = (state.size.1 as usize).saturating_sub(6).max(1);
    let view = state.log.as_mut()?;
    match command {
        Command::Up => view.scroll(-1, height),
        Command::Down => view.scroll(1, height),
        Command::PageUp => view.scroll(-(height as isize), height),
        Command::PageDown => view.scroll(height as isize, height),
        Command::Top => view.scroll(isize::MIN / 2, height),
        Command::Bottom | Command::Follow => view.follow = true,
        Command::Back => {
            state.log = None;
            return Some(vec![Effect::CloseLog]);
        }
        _ => return None,
    }
    Some(vec![])
}

fn back(state: &mut State) -> Vec<Effect> {
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
        Pane::Runs => load_runs(state),
        _ => vec![],
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return vec![];
    }
    let command = state.keymap.command_for(&key);
    if command == Some(Command::ForceQuit) {
        return vec![Effect::Exit(0)];
    }
    if state.confirm.is_some() {
        return on_confirm_key(state, key);
    }
    if state.filter_editing {
        on_filter_key(state, key);
        return vec![];
    }
    match state.overlay {
        Some(Overlay::ConfirmQuit) => {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => return vec![Effect::Exit(0)],
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => state.overlay = None,
                _ => {}
            }
            return vec![];
        }
        Some(Overlay::Help) => {
            if matches!(command, Some(Command::Help | Command::Back | Command::Quit)) {
                state.overlay = None;
            }
            return vec![];
        }
        None => {}
    }
    let Some(command) = command else {
        return vec![];
    };
    if state.pane == Pane::Runs
        && state.log.is_some()
        && let Some(effects) = on_log_key(state, command)
    {
        return effects;
    }
    match command {
        Command::Quit if state.jobs.is_empty() => vec![Effect::Exit(0)],
        Command::Quit => {
            state.overlay = Some(Overlay::ConfirmQuit);
            vec![]
        }
        Command::ForceQuit => vec![Effect::Exit(0)],
        Command::Help => {
            state.overlay = Some(Overlay::Help);
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
        Command::Back => back(state),
        Command::Open => open(state),
        Command::Refresh => refresh(state),
        Command::Follow => vec![],
        Command::Lock => ask_lock(state),
        Command::Filter => {
            if matches!(
                state.pane,
                Pane::Registries | Pane::Repositories | Pane::Tags | Pane::Runs
            ) && state.log.is_none()
            {
                state.filter_editing = true;
            }
            vec![]
        }
        Command::CancelRun => ask_cancel(state),
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
        assert_eq!(s.overlay, Some(Overlay::ConfirmQuit));
        assert!(update(&mut s, key('n')).is_empty());
        assert_eq!(s.overlay, None);
        update(&mut s, key('q'));
        assert_eq!(update(&mut s, key('y')), vec![Effect::Exit(0)]);
        // When the work finishes while the dialog is open, the dialog goes away by itself.
        let mut s2 = state();
        let j2 = s2.start_job("x");
        update(&mut s2, key('q'));
        let m = Mutation::TagLocks {
            login_server: "r".into(),
            registry_name: "r".into(),
            repository: "a".into(),
            tag: "1".into(),
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
        assert_eq!(s2.overlay, None);
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
        assert_eq!(s.overlay, Some(Overlay::Help));
        update(&mut s, key('6'));
        assert_eq!(
            s.pane,
            Pane::Registries,
            "keys under the overlay do not reach the panes"
        );
        update(&mut s, special(KeyCode::Esc));
        assert_eq!(s.overlay, None);
        // q closes help rather than quitting: a reflexive q must not end the session.
        update(&mut s, key('?'));
        assert!(update(&mut s, key('q')).is_empty());
        assert_eq!(s.overlay, None);
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
        assert!(matches!(effects.as_slice(), [Effect::LoadRuns { .. }]));
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
        let c = s.confirm.clone().expect("a confirmation");
        assert!(c.production);
        assert!(
            c.mutation
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
                    mutation: Mutation::TagLocks { lock: true, .. },
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
        assert!(!s.confirm.as_ref().unwrap().production);
        update(&mut s, special(KeyCode::Esc));
        assert!(s.confirm.is_none());
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
        assert!(s.confirm.is_none());
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
        assert!(!s.filter_editing);
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
}
