//! Snapshots of every screen of the shell, in the default and the monochrome theme. The Debug
//! form of ratatui's buffer carries the styles too, so a theme change shows up in review.

use acrdeck::app::{Action, Environment, Identity, Pane, State, update};
use acrdeck::keys::Keymap;
use acrdeck::ui::{self, Theme};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{Terminal, backend::TestBackend};

fn state() -> State {
    State::new(
        Environment {
            name: "demo".into(),
            detail: "embedded emulator".into(),
        },
        Keymap::default(),
        false,
    )
}

fn render(state: &State, theme: &Theme, cols: u16, rows: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("test terminal");
    terminal.draw(|f| ui::draw(state, theme, f)).expect("draw");
    format!("{:?}", terminal.backend().buffer())
}

fn themes() -> [(&'static str, Theme); 2] {
    [("default", Theme::default_theme()), ("monochrome", Theme::monochrome())]
}

fn press(state: &mut State, c: char) {
    update(state, Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
}

#[test]
fn shell_at_minimum_size() {
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("shell_80x24_{name}"), render(&state(), &theme, 80, 24));
    }
}

#[test]
fn shell_wide_readonly_signed_in_on_runs() {
    let mut s = state();
    s.readonly = true;
    s.identity = Some(Identity {
        principal: "ops@contoso.com".into(),
        tenant: "contoso.onmicrosoft.com".into(),
    });
    s.pane = Pane::Runs;
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("shell_120x30_readonly_{name}"), render(&s, &theme, 120, 30));
    }
}

#[test]
fn help_overlay() {
    let mut s = state();
    press(&mut s, '?');
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("help_80x24_{name}"), render(&s, &theme, 80, 24));
    }
}

#[test]
fn quit_confirmation_names_the_work_in_flight() {
    let mut s = state();
    s.start_job("import ingress-nginx/controller:v1.11.1 into dev");
    s.start_job("follow log of run cf12 on prod");
    press(&mut s, 'q');
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("confirm_quit_80x24_{name}"), render(&s, &theme, 80, 24));
    }
}

#[test]
fn too_small_terminal() {
    for (name, theme) in themes() {
        insta::assert_snapshot!(format!("too_small_60x15_{name}"), render(&state(), &theme, 60, 15));
    }
}
