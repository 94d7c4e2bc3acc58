//! The log view: one run's log as it is written, with its ANSI colours, follow/pause, search
//! highlights, wrap, a gutter of line numbers or receive times, the open logs and the run's final
//! status. Only the lines that fit are turned into widgets, whatever the log's size.

use super::Theme;
use crate::app::State;
use crate::app::log_view::{Gutter, LogLine, LogStatus, LogView, plain};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// One log line with its ANSI colours as styles (or none, for the monochrome theme).
pub(crate) fn coloured(raw: &str, theme: &Theme) -> Vec<Span<'static>> {
    use ansi_to_tui::IntoText;
    if !raw.contains('\x1b') {
        return vec![Span::raw(raw.to_string())];
    }
    let text = raw
        .as_bytes()
        .into_text()
        .unwrap_or_else(|_| ratatui::text::Text::raw(plain(raw)));
    text.lines
        .into_iter()
        .flat_map(|l| l.spans)
        .map(|s| {
            if theme.name == "monochrome" {
                Span::raw(s.content.into_owned())
            } else {
                Span::styled(s.content.into_owned(), s.style)
            }
        })
        .collect()
}

/// A line with its search matches highlighted (the colours give way to the highlight).
fn highlighted(raw: &str, needle: &str, current: bool, theme: &Theme) -> Vec<Span<'static>> {
    let text = plain(raw);
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; highlight only when it did not.
    if needle.is_empty() || lower.len() != text.len() || !lower.contains(needle) {
        return coloured(raw, theme);
    }
    let hit = if current {
        theme.selected.add_modifier(Modifier::BOLD)
    } else {
        theme.warning.add_modifier(Modifier::REVERSED)
    };
    let mut spans = Vec::new();
    let mut at = 0;
    for (start, m) in lower.match_indices(needle) {
        if start > at {
            spans.push(Span::raw(text[at..start].to_string()));
        }
        spans.push(Span::styled(text[start..start + m.len()].to_string(), hit));
        at = start + m.len();
    }
    if at < text.len() {
        spans.push(Span::raw(text[at..].to_string()));
    }
    spans
}

fn gutter(view: &LogView, index: usize, line: &LogLine, theme: &Theme) -> Option<Span<'static>> {
    match view.gutter {
        Gutter::Nothing => None,
        Gutter::Numbers => Some(Span::styled(
            format!("{:>7} ", view.dropped + index as u64 + 1),
            theme.muted,
        )),
        Gutter::Times => Some(Span::styled(
            format!("{} ", line.received.format("%H:%M:%S")),
            theme.muted,
        )),
    }
}

/// The first line to draw so that, wrapped at `width`, the end of the log fills `height` rows.
fn first_when_wrapped(view: &LogView, width: usize, height: usize) -> usize {
    let mut rows = 0;
    let mut first = view.lines.len();
    for line in view.lines.iter().rev() {
        let w = plain(&line.text).chars().count().max(1);
        rows += w.div_ceil(width.max(1));
        if rows > height {
            break;
        }
        first -= 1;
    }
    first.min(view.lines.len().saturating_sub(1))
}

pub fn log_view(view: &LogView, state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mode = if view.follow {
        Span::styled(" · following", theme.ok)
    } else {
        Span::styled(" · paused (F or end follows)", theme.warning)
    };
    let mut spans = vec![
        Span::styled(
            format!(" Log · {} · run {}", view.registry_name, view.run_id),
            theme.tab_active,
        ),
        mode,
        Span::styled(
            format!(" · {} lines", view.lines.len() as u64 + view.dropped),
            theme.muted,
        ),
    ];
    if view.dropped > 0 {
        spans.push(Span::styled(
            format!(" · first {} not held (ctrl-o saves all)", view.dropped),
            theme.warning,
        ));
    }
    if view.wrap {
        spans.push(Span::styled(" · wrap", theme.muted));
    }
    spans.push(Span::raw(" "));
    let block = with_log_tabs(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focus)
            .title(Line::from(spans)),
        state,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let search_shown = view.search_editing || !view.search.is_empty();
    let [body, search_line, status] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(u16::from(search_shown)),
        Constraint::Length(1),
    ])
    .areas(inner);
    let height = body.height as usize;
    let gutter_width = match view.gutter {
        Gutter::Nothing => 0,
        Gutter::Numbers => 8,
        Gutter::Times => 9,
    };
    let text_width = (body.width as usize).saturating_sub(gutter_width);
    let first = if view.follow && view.wrap {
        first_when_wrapped(view, text_width, height)
    } else {
        view.first_visible(height)
    };
    let needle = view.search.to_lowercase();
    let lines: Vec<Line> = view
        .lines
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, l)| {
            let mut spans: Vec<Span> = gutter(view, i, l, theme).into_iter().collect();
            if needle.is_empty() {
                spans.extend(coloured(&l.text, theme));
            } else {
                spans.extend(highlighted(&l.text, &needle, view.current_match == Some(i), theme));
            }
            Line::from(spans)
        })
        .collect();
    let mut paragraph = Paragraph::new(lines);
    if view.wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, body);
    if search_shown {
        frame.render_widget(Paragraph::new(search_text(view, theme)), search_line);
    }
    frame.render_widget(Paragraph::new(status_line(view, theme)), status);
}

/// Every open log on the frame's top right, the shown one marked; ] and [ move between them.
fn with_log_tabs<'a>(block: Block<'a>, state: &State, theme: &Theme) -> Block<'a> {
    let logs = &state.panes.runs.logs;
    if logs.len() < 2 {
        return block;
    }
    let mut tabs = vec![Span::styled(" logs:", theme.muted)];
    for (i, v) in logs.iter().enumerate() {
        let live = !matches!(v.status, LogStatus::Complete(_) | LogStatus::Failed(_));
        let label = format!(" {}{}", v.run_id, if live { "●" } else { "" });
        tabs.push(Span::styled(
            label,
            if Some(i) == state.panes.runs.log_shown {
                theme.tab_active
            } else {
                theme.muted
            },
        ));
    }
    tabs.push(Span::styled("  ([ ]) ", theme.muted));
    block.title_top(Line::from(tabs).right_aligned())
}

/// The search as typed, or where the current match is and how to move between matches.
fn search_text(view: &LogView, theme: &Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled("/", theme.key),
        Span::styled(view.search.clone(), theme.text),
    ];
    if view.search_editing {
        spans.push(Span::styled("▏", theme.key));
        spans.push(Span::styled("   enter finds · esc clears", theme.muted));
    } else {
        let at = view
            .current_match
            .map(|m| format!("   line {}", view.dropped + m as u64 + 1))
            .unwrap_or_default();
        spans.push(Span::styled(format!("{at}   n next · N previous"), theme.muted));
    }
    Line::from(spans)
}

/// How the follower stands: opening, waiting, streaming, reconnecting, or how the run ended.
fn status_line(view: &LogView, theme: &Theme) -> Line<'static> {
    match &view.status {
        LogStatus::Opening => Line::styled("opening the log…", theme.muted),
        LogStatus::Waiting => Line::styled("waiting for the run to write its first line…", theme.muted),
        LogStatus::Streaming => Line::styled("● streaming", theme.warning),
        LogStatus::Retrying(e) => Line::styled(format!("reconnecting: {e}"), theme.warning),
        LogStatus::Complete(outcome) => {
            let style = if outcome.eq_ignore_ascii_case("Succeeded") {
                theme.ok
            } else {
                theme.danger
            };
            Line::styled(format!("Run {} ended: {outcome}", view.run_id), style)
        }
        LogStatus::Failed(e) => Line::styled(format!("! {e}"), theme.danger),
    }
}
