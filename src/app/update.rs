use super::{Action, Overlay, Pane, State};
use crate::keys::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

/// Work that `update` asks the loop to do. Everything with a side effect goes through here, so
/// `update` itself stays a pure state transition that tests drive without a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the dashboard with this process exit code.
    Exit(i32),
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
        Action::JobFinished(id) => {
            state.jobs.remove(&id);
            // The quit dialog was only there because of in-flight work.
            if state.jobs.is_empty() && state.overlay == Some(Overlay::ConfirmQuit) {
                state.overlay = None;
            }
            vec![]
        }
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
    match command {
        Command::Quit if state.jobs.is_empty() => return vec![Effect::Exit(0)],
        Command::Quit => state.overlay = Some(Overlay::ConfirmQuit),
        Command::ForceQuit => return vec![Effect::Exit(0)],
        Command::Help => state.overlay = Some(Overlay::Help),
        Command::NextPane => state.pane = Pane::ALL[(state.pane.index() + 1) % Pane::ALL.len()],
        Command::PrevPane => state.pane = Pane::ALL[(state.pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len()],
        Command::Pane(i) => {
            if let Some(p) = Pane::ALL.get(i) {
                state.pane = *p;
            }
        }
        // Row movement arrives with the tables of the dashboard issue; the shell has no rows.
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom
        | Command::Back => {}
    }
    vec![]
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

    #[test]
    fn quit_when_idle_exits_at_once() {
        let mut s = state();
        assert_eq!(update(&mut s, key('q')), vec![Effect::Exit(0)]);
    }

    #[test]
    fn quit_with_work_in_flight_asks_first() {
        let mut s = state();
        let job = s.start_job("import nginx:1.27 into prod");
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
        update(&mut s2, Action::JobFinished(j2));
        assert_eq!(s2.overlay, None);
        let _ = job;
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
        update(&mut s, Action::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
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
        update(&mut s, Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
        assert_eq!(s.overlay, None);
        // q closes help rather than quitting: a reflexive q must not end the session.
        update(&mut s, key('?'));
        assert!(update(&mut s, key('q')).is_empty());
        assert_eq!(s.overlay, None);
    }
}
