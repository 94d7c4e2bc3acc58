//! Where a key goes: the modal takes it first when one is open; then the shown pane's own keys;
//! then the keys every pane shares (moving, switching panes, filtering, quitting).

use super::panes::{imports, promotions, repositories, runs, tags};
use super::{Effect, Modal, Pane, State, command, navigate};
use crate::keys::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return vec![];
    }
    let command = state.keymap.command_for(&key);
    if command == Some(Command::ForceQuit) {
        return vec![Effect::Exit(0)];
    }
    match &mut state.modal {
        Modal::None => {}
        Modal::Confirm(_) => return super::confirmation::on_key(state, key),
        Modal::Command(_) => return command::on_key(state, key),
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
    if runs::searching(state) {
        runs::on_search_key(state, key);
        return vec![];
    }
    let Some(command) = command else {
        return vec![];
    };
    if let Some(effects) = on_pane_command(state, command) {
        return effects;
    }
    on_shared_command(state, command)
}

/// The shown pane's own keys. `None`: not a key of this pane.
fn on_pane_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    match (state.pane, command) {
        (Pane::Runs, _) => runs::on_command(state, command),
        (Pane::Rollout, _) => super::panes::rollout::on_command(state, command),
        (Pane::Webhooks, _) => super::panes::webhooks::on_command(state, command),
        (Pane::Requests, _) => super::panes::requests::on_command(state, command),
        (Pane::Tags, Command::Sort | Command::SortReverse) => {
            tags::sort(state, command == Command::SortReverse);
            Some(vec![])
        }
        (Pane::Tags, Command::Lock) => Some(tags::ask_lock(state)),
        (Pane::Tags, Command::LockDigest) => Some(tags::ask_lock_digest(state)),
        (Pane::Repositories, Command::Lock) => Some(repositories::ask_lock(state)),
        (Pane::Locks, Command::Lock) => Some(super::panes::locks::ask_lock(state)),
        (Pane::Imports, Command::Select | Command::SelectAll | Command::Approve) => {
            Some(imports::on_command(state, command))
        }
        (
            Pane::Promotions,
            Command::Select | Command::SelectAll | Command::Promote | Command::Left | Command::Right,
        ) => Some(promotions::on_command(state, command)),
        _ => None,
    }
}

/// The keys every pane shares.
fn on_shared_command(state: &mut State, command: Command) -> Vec<Effect> {
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
        Command::NextPane => navigate::show(state, Pane::ALL[(state.pane.index() + 1) % Pane::ALL.len()]),
        Command::PrevPane => navigate::show(
            state,
            Pane::ALL[(state.pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len()],
        ),
        Command::Pane(i) => match Pane::ALL.get(i) {
            Some(p) => navigate::show(state, *p),
            None => vec![],
        },
        Command::Up => move_cursor(state, -1),
        Command::Down => move_cursor(state, 1),
        Command::PageUp => move_cursor(state, -page(state)),
        Command::PageDown => move_cursor(state, page(state)),
        Command::Top => move_cursor(state, isize::MIN / 2),
        Command::Bottom => move_cursor(state, isize::MAX / 2),
        Command::Back => navigate::back(state),
        Command::Open => navigate::open(state),
        Command::Refresh => navigate::refresh(state),
        Command::Filter => {
            if Pane::TABLES.contains(&state.pane) && !(state.pane == Pane::Tags && state.panes.tags.detail) {
                state.modal = Modal::Filter;
            }
            vec![]
        }
        // Keys of other panes (and log keys where no log is shown) do nothing here.
        _ => vec![],
    }
}

/// Typing a filter: it applies as it is typed; enter keeps it, esc clears it.
fn on_filter_key(state: &mut State, key: KeyEvent) {
    let pane = state.pane;
    let table = state.table_mut(pane);
    match key.code {
        KeyCode::Enter => state.modal = Modal::None,
        KeyCode::Esc => {
            table.filter.clear();
            state.modal = Modal::None;
        }
        KeyCode::Backspace => {
            table.filter.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => table.filter.push(c),
        _ => {}
    }
    // The cursor stays on a row that is still shown.
    state.table_mut(pane).cursor = 0;
}

/// Moves the shown pane's cursor; with a tag's detail open, the detail follows the cursor.
fn move_cursor(state: &mut State, delta: isize) -> Vec<Effect> {
    let pane = state.pane;
    let n = state.row_count(pane);
    if n > 0 {
        let c = &mut state.table_mut(pane).cursor;
        *c = (*c as isize + delta).clamp(0, n as isize - 1) as usize;
    }
    vec![]
}

/// Rows a page moves: the table's height.
fn page(state: &State) -> isize {
    (state.size.1 as isize - 7).max(1)
}
