//! Things drawn over the panes: the help overlay and the quit confirmation.

use super::{Theme, centered};
use crate::app::{Pane, State};
use crate::keys::{COMMANDS, Command};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// The effective key bindings (defaults with the config's overrides), in two columns when the
/// terminal is wide enough.
pub fn help(state: &State, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    let keys_of = |command| {
        let keys = state.keymap.keys_for(command);
        if keys.is_empty() {
            "unbound".to_string()
        } else {
            keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
        }
    };
    // The pane jumps read best as one row.
    let mut rows: Vec<(String, &str)> = Vec::new();
    for info in COMMANDS {
        match info.command {
            Command::Pane(0) => {
                let keys: Vec<String> = (0..Pane::ALL.len().min(10))
                    .map(|i| keys_of(Command::Pane(i)))
                    .collect();
                rows.push((keys.join(" "), "panes: Registries … Audit, Rollout"));
            }
            Command::Pane(_) => {}
            command => rows.push((keys_of(command), info.help)),
        }
    }
    let key_w = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let lines: Vec<Line> = rows
        .iter()
        .map(|(k, h)| {
            Line::from(vec![
                Span::styled(format!(" {k:<key_w$}  "), theme.key),
                Span::styled(h.to_string(), theme.text),
            ])
        })
        .collect();
    let half = lines.len().div_ceil(2);
    let two_columns = area.width >= 140 && area.height < lines.len() as u16 + 2;
    let (width, height) = if two_columns {
        (area.width.min(180), half as u16 + 2)
    } else {
        (area.width.min(96), lines.len() as u16 + 2)
    };
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    // What does not fit scrolls (j/k, page keys); the frame says where the view is.
    let shown = rect.height.saturating_sub(2) as usize;
    let total = if two_columns { half } else { lines.len() };
    let max_scroll = total.saturating_sub(shown);
    let scroll = (scroll as usize).min(max_scroll);
    let bottom = if max_scroll > 0 {
        format!(
            " lines {}-{} of {total} · j/k scroll · ? or esc closes ",
            scroll + 1,
            (scroll + shown).min(total)
        )
    } else {
        " ? or esc closes ".to_string()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys (effective bindings) ", theme.tab_active))
        .title_bottom(Line::styled(bottom, theme.muted));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let scroll = (scroll as u16, 0);
    if two_columns {
        let [left, right] = ratatui::layout::Layout::horizontal([
            ratatui::layout::Constraint::Percentage(50),
            ratatui::layout::Constraint::Percentage(50),
        ])
        .areas(inner);
        let right_lines = lines[half..].to_vec();
        frame.render_widget(Paragraph::new(lines[..half].to_vec()).scroll(scroll), left);
        frame.render_widget(Paragraph::new(right_lines).scroll(scroll), right);
    } else {
        frame.render_widget(Paragraph::new(lines).scroll(scroll), inner);
    }
}

/// Asks before quitting while background work is in flight, naming that work.
pub fn confirm_quit(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = vec![Line::styled(
        format!(
            "{} job{} still running:",
            state.jobs.len(),
            if state.jobs.len() == 1 { " is" } else { "s are" }
        ),
        theme.warning,
    )];
    for job in state.jobs.values().take(6) {
        lines.push(Line::raw(format!("  • {}", job.what)));
    }
    if state.jobs.len() > 6 {
        lines.push(Line::styled(
            format!("  … and {} more", state.jobs.len() - 6),
            theme.muted,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw("Quitting stops following them here; operations already"));
    lines.push(Line::raw("sent to Azure go on there."));
    lines.push(Line::from(vec![
        Span::styled(" y ", theme.key),
        Span::raw("quit now   "),
        Span::styled(" n ", theme.key),
        Span::raw("or "),
        Span::styled("esc ", theme.key),
        Span::raw("stay"),
    ]));
    let rect = centered(area, 64, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warning)
        .title(Span::styled(" Quit acrdeck? ", theme.warning));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), rect);
}
