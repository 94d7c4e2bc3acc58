//! The Runs pane: the chosen registry's task runs with its tasks beside them, and the run logs
//! open (each followed live; one shown at a time).

use crate::acr::Failure;
use crate::acr::RegistryRef;
use crate::acr::model::{Run, Task};
use crate::app::data::Loadable;
use crate::app::log_view::{LogStatus, LogView};
use crate::app::mutation::Mutation;
use crate::app::table::{Table, keep};
use crate::app::{Effect, Page, Pane, State};
use crate::keys::Command;
use crate::query::Query;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct RunsPane {
    pub table: Table,
    pub tasks: HashMap<String, Loadable<Vec<Task>>>,
    /// The keys go to the tasks list rather than the runs.
    pub tasks_focus: bool,
    pub tasks_cursor: usize,
    /// Run logs open, each followed live; `log_shown` is the one the pane shows.
    pub logs: Vec<LogView>,
    pub log_shown: Option<usize>,
}

impl RunsPane {
    pub fn task_list(&self, login_server: &str) -> &[Task] {
        self.tasks
            .get(login_server)
            .and_then(|l| l.value.as_deref())
            .unwrap_or(&[])
    }

    /// The log shown, if one is.
    pub fn log(&self) -> Option<&LogView> {
        self.logs.get(self.log_shown?)
    }

    pub fn log_mut(&mut self) -> Option<&mut LogView> {
        self.logs.get_mut(self.log_shown?)
    }
}

/// ctrl-r: reads the chosen registry's runs and tasks again, a read under way or not.
pub fn reload(state: &mut State) -> Vec<Effect> {
    let mut e = load_runs(state);
    e.extend(load_tasks(state));
    e
}

/// Reads the chosen registry's runs and tasks.
pub fn load(state: &mut State) -> Vec<Effect> {
    // The watch may be reading them already: that read stands.
    let reading = state
        .nav
        .registry
        .as_ref()
        .and_then(|ls| state.runs.get(ls))
        .is_some_and(|l| l.loading);
    let mut e = if reading { vec![] } else { load_runs(state) };
    e.extend(load_tasks(state));
    e
}

pub fn load_runs(state: &mut State) -> Vec<Effect> {
    match state.nav.registry.clone() {
        Some(ls) => crate::app::watch::load(state, &ls),
        None => vec![],
    }
}

fn load_tasks(state: &mut State) -> Vec<Effect> {
    let Some((registry, ls)) = state.current_registry_ref() else {
        return vec![];
    };
    let generation = state.panes.runs.tasks.entry(ls.clone()).or_default().begin();
    vec![Effect::LoadTasks {
        registry,
        login_server: ls,
        generation,
    }]
}

pub fn tasks_loaded(state: &mut State, login_server: String, page: Page, tasks: Vec<Task>, error: Option<Failure>) {
    let now = state.now;
    let pane = &mut state.panes.runs;
    let l = pane.tasks.entry(login_server).or_default();
    if !l.take_page(page.generation, tasks) || !page.last {
        return;
    }
    l.finish(page.generation, error, now);
    let n = l.value.as_ref().map_or(0, Vec::len);
    pane.tasks_cursor = pane.tasks_cursor.min(n.saturating_sub(1));
}

/// News from the follower of a run's log; events of a log closed meanwhile are dropped.
pub fn on_log(state: &mut State, login_server: &str, run_id: &str, event: crate::acr::logs::LogEvent) -> Vec<Effect> {
    use crate::acr::logs::LogEvent;
    let now = state.now;
    let Some(view) = state
        .panes
        .runs
        .logs
        .iter_mut()
        .find(|v| v.is_for(login_server, run_id))
    else {
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

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let reg = state.nav.registry.clone().unwrap_or_default();
    let runs = state.runs_of(&reg);
    keep(query, runs.len(), &|i| {
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

fn selected_run(state: &State) -> Option<&Run> {
    let ls = state.nav.registry.as_deref()?;
    state.runs_of(ls).get(state.selected_row(Pane::Runs)?)
}

/// The task under the tasks list's cursor.
fn selected_task(state: &State) -> Option<&Task> {
    let ls = state.nav.registry.as_deref()?;
    state.panes.runs.task_list(ls).get(state.panes.runs.tasks_cursor)
}

/// Enter: on a task, its runs (a `task:` filter); on a run, its log, followed live.
pub fn open(state: &mut State) -> Vec<Effect> {
    if state.panes.runs.tasks_focus {
        if let Some(task) = selected_task(state) {
            let filter = format!("task:{}", task.name);
            let pane = &mut state.panes.runs;
            pane.table.filter = filter;
            pane.tasks_focus = false;
        }
        return vec![];
    }
    let Some(row) = state.current_registry() else {
        return vec![];
    };
    let (Some(registry), name) = (RegistryRef::parse(&row.registry.id), row.registry.name.clone()) else {
        return vec![];
    };
    let ls = row.registry.properties.login_server.clone();
    let Some(run_id) = selected_run(state).map(|r| r.run_id().to_string()) else {
        return vec![];
    };
    let pane = &mut state.panes.runs;
    // A log already open is shown again as it stands; its follower never stopped.
    if let Some(i) = pane.logs.iter().position(|v| v.is_for(&ls, &run_id)) {
        pane.log_shown = Some(i);
        return vec![];
    }
    pane.logs.push(LogView::new(ls.clone(), name, run_id.clone()));
    pane.log_shown = Some(pane.logs.len() - 1);
    vec![Effect::OpenLog {
        viewer: crate::app::LogViewer::Runs,
        registry,
        login_server: ls,
        run_id,
    }]
}

/// Opens the log of run `run_id` of the chosen registry (a run named elsewhere: a validation
/// run of a promotion request), whether or not its row is listed yet.
pub fn open_log(state: &mut State, run_id: &str) -> Vec<Effect> {
    let Some(row) = state.current_registry() else {
        return vec![];
    };
    let (Some(registry), name) = (RegistryRef::parse(&row.registry.id), row.registry.name.clone()) else {
        return vec![];
    };
    let ls = row.registry.properties.login_server.clone();
    let pane = &mut state.panes.runs;
    pane.tasks_focus = false;
    if let Some(i) = pane.logs.iter().position(|v| v.is_for(&ls, run_id)) {
        pane.log_shown = Some(i);
        return vec![];
    }
    pane.logs.push(LogView::new(ls.clone(), name, run_id.to_string()));
    pane.log_shown = Some(pane.logs.len() - 1);
    vec![Effect::OpenLog {
        viewer: crate::app::LogViewer::Runs,
        registry,
        login_server: ls,
        run_id: run_id.to_string(),
    }]
}

/// The chosen registry's ARM reference, name and login server, for a change to it.
fn registry_for_change(state: &State) -> Option<(RegistryRef, String, String)> {
    let row = state.current_registry()?;
    Some((
        RegistryRef::parse(&row.registry.id)?,
        row.registry.name.clone(),
        row.registry.properties.login_server.clone(),
    ))
}

/// ctrl-x: cancel the selected run, if it still runs.
pub fn ask_cancel(state: &mut State) -> Vec<Effect> {
    if state.panes.runs.log().is_some() || state.panes.runs.tasks_focus {
        return vec![];
    }
    let Some((registry, registry_name, login_server)) = registry_for_change(state) else {
        return vec![];
    };
    let Some(run) = selected_run(state) else {
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
        login_server,
        registry_name,
        run_id: run.run_id().to_string(),
    };
    crate::app::mutation::ask(state, vec![mutation])
}

/// ctrl-e: schedule a run of the task under the cursor: the tasks list's, or the selected run's.
pub fn ask_schedule(state: &mut State) -> Vec<Effect> {
    if state.panes.runs.log().is_some() {
        return vec![];
    }
    let Some((registry, registry_name, login_server)) = registry_for_change(state) else {
        return vec![];
    };
    let task = if state.panes.runs.tasks_focus {
        selected_task(state).map(|t| t.name.clone())
    } else {
        selected_run(state).and_then(|r| r.properties.task.clone())
    };
    let Some(task) = task else {
        state.flash = Some((
            "no task here: choose a task in the tasks list (h) or a run of a task".into(),
            true,
        ));
        return vec![];
    };
    let mutation = Mutation::ScheduleRun {
        registry,
        login_server,
        registry_name,
        task,
    };
    crate::app::mutation::ask(state, vec![mutation])
}

/// The keys of this pane before the shared ones: the log shown takes them first, then the tasks
/// list while it has the focus. `None`: not this pane's key.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    if state.panes.runs.log().is_some()
        && let Some(effects) = on_log_key(state, command)
    {
        return Some(effects);
    }
    let pane = &mut state.panes.runs;
    if pane.tasks_focus {
        let ls = state.nav.registry.as_deref().unwrap_or_default();
        let n = pane.task_list(ls).len() as isize;
        let c = pane.tasks_cursor as isize;
        let to = match command {
            Command::Up => Some(c - 1),
            Command::Down => Some(c + 1),
            Command::Top => Some(0),
            Command::Bottom => Some(n - 1),
            _ => None,
        };
        if let Some(to) = to {
            pane.tasks_cursor = to.clamp(0, (n - 1).max(0)) as usize;
            return Some(vec![]);
        }
    }
    match command {
        Command::Left => pane.tasks_focus = true,
        Command::Right => pane.tasks_focus = false,
        Command::CancelRun => return Some(ask_cancel(state)),
        Command::ScheduleRun => return Some(ask_schedule(state)),
        // From the runs table, ] shows the open logs again.
        Command::NextLog | Command::PrevLog if !pane.logs.is_empty() => pane.log_shown = Some(0),
        _ => return None,
    }
    Some(vec![])
}

/// Esc inside the pane: out of the tasks list first.
pub fn back(state: &mut State) -> bool {
    let pane = &mut state.panes.runs;
    std::mem::replace(&mut pane.tasks_focus, false)
}

/// Rows of the log text: the screen less header, tabs, footer, frame and the status line.
fn log_height(state: &State) -> usize {
    (state.size.1 as usize).saturating_sub(6).max(1)
}

/// Whether the log shown is taking a search as it is typed.
pub fn searching(state: &State) -> bool {
    state.pane == Pane::Runs && state.panes.runs.log().is_some_and(|v| v.search_editing)
}

/// Typing a log search: Enter finds the first match, Esc drops the search.
pub fn on_search_key(state: &mut State, key: KeyEvent) {
    let height = log_height(state);
    let Some(view) = state.panes.runs.log_mut() else { return };
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
/// switching between open logs, closing. `None`: not a log key.
fn on_log_key(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let height = log_height(state);
    let pane = &mut state.panes.runs;
    let shown = pane.log_shown?;
    let view = pane.logs.get_mut(shown)?;
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
            let registry = state.registry_by_login(&ls).and_then(|r| RegistryRef::parse(&r.id))?;
            state.flash = Some((format!("saving the whole log of run {run_id}…"), false));
            return Some(vec![Effect::SaveLog {
                registry,
                registry_name,
                run_id,
            }]);
        }
        Command::NextLog | Command::PrevLog => {
            let n = pane.logs.len();
            let step = if command == Command::NextLog { 1 } else { n - 1 };
            pane.log_shown = Some((shown + step) % n);
        }
        Command::CloseLog => {
            let view = pane.logs.remove(shown);
            pane.log_shown = None;
            return Some(vec![Effect::CloseLog {
                viewer: crate::app::LogViewer::Runs,
                login_server: view.login_server,
                run_id: view.run_id,
            }]);
        }
        // Back to the runs; the log stays open and followed (Enter on its run shows it again).
        Command::Back => pane.log_shown = None,
        _ => return None,
    }
    Some(vec![])
}
