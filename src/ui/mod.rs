//! Pure rendering of [`State`]: nothing here does I/O or changes state, so every screen can be
//! snapshot-tested on ratatui's `TestBackend`.

mod chrome;
mod confirmation;
pub mod log_view;
mod overlays;
pub mod panes;
mod theme;
pub mod widgets;

pub use theme::Theme;

use crate::app::{Modal, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

/// The smallest terminal the dashboard lays itself out in.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Draws the whole screen for `state`.
pub fn draw(state: &State, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        draw_too_small(area, theme, frame);
        return;
    }
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::header(state, theme, frame, header);
    chrome::tabs(state, theme, frame, tabs);
    chrome::pane_body(state, theme, frame, body);
    chrome::footer(state, theme, frame, footer);
    match &state.modal {
        Modal::Help { scroll } => overlays::help(state, *scroll, theme, frame, area),
        Modal::ConfirmQuit => overlays::confirm_quit(state, theme, frame, area),
        Modal::Confirm(c) => confirmation::draw(c, theme, frame, area),
        // The command line and the filter are drawn where they are typed (footer, pane).
        Modal::None | Modal::Command(_) | Modal::Filter => {}
    }
    make_inert(frame);
}

/// The last guard between service text and the terminal: any cell still holding a character
/// that could act on the terminal or reorder the text (a pane that showed a string without
/// [`crate::text::printable`]) loses it. ratatui drops C0 and C1 controls itself;
/// bidirectional overrides it passes on.
///
/// A cell holds one grapheme: an override joins the character before it (`K` + RLO), so only
/// the unsafe characters are removed, keeping the cell one column wide; a cell left empty shows
/// U+FFFD.
fn make_inert(frame: &mut Frame) {
    for cell in frame.buffer_mut().content.iter_mut() {
        if crate::text::needs_replacing(cell.symbol()) {
            let kept = crate::text::without_unsafe(cell.symbol());
            cell.set_symbol(if kept.is_empty() { "\u{fffd}" } else { &kept });
        }
    }
}

fn draw_too_small(area: Rect, theme: &Theme, frame: &mut Frame) {
    let text = vec![
        Line::styled("acrdeck needs a larger terminal", theme.warning),
        Line::raw(""),
        Line::raw(format!(
            "At least {}x{} is needed; this one is {}x{}.",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        )),
        Line::raw("Enlarge the window or use a smaller font. q quits."),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
