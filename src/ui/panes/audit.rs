//! The Audit pane: who changed what, when, with which digests, newest first.

use crate::app::{Pane, State};
use crate::audit::Entry;
use crate::text::short_hex;
use crate::ui::Theme;
use crate::ui::widgets::{block, empty, table, table_window};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

fn outcome_style(word: &str, theme: &Theme) -> ratatui::style::Style {
    match word {
        "imported" | "done" => theme.ok,
        "failed" => theme.danger,
        "no outcome" => theme.warning,
        _ => theme.muted,
    }
}

/// The whole story of an entry, for the line under the table.
fn detail(e: &Entry) -> String {
    let Some(r) = e.latest() else { return String::new() };
    let mut parts = vec![format!("{} {}", r.action, r.target)];
    if let Some(s) = &r.source {
        parts.push(format!("from {s}"));
    }
    if let Some(n) = &r.note {
        parts.push(format!("note: {n}"));
    }
    if let Some(m) = &r.mode {
        parts.push(format!("mode {m}"));
    }
    if let Some(d) = &r.detail {
        parts.push(d.clone());
    }
    if let Some(err) = &r.error {
        parts.push(format!("error: {err}"));
    }
    if e.outcome.is_none() {
        parts.push("no outcome recorded: still running, or acrdeck stopped before it ended".into());
    }
    if !r.request_ids.is_empty() {
        parts.push(format!("request ids {}", r.request_ids.join(", ")));
    }
    parts.push(format!("host {}", r.host));
    parts.join(" · ")
}

pub fn audit(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let a = &state.panes.audit;
    let mut title = vec![Span::styled(" Audit ", theme.tab_active)];
    if let Some(p) = &a.path {
        title.push(Span::styled(format!("· {p} "), theme.muted));
    }
    title.push(Span::styled(format!("· {} changes ", a.entries.len()), theme.text));
    if a.unreadable_lines > 0 {
        title.push(Span::styled(
            format!("· {} unreadable line(s) ", a.unreadable_lines),
            theme.danger,
        ));
    }
    title.extend(crate::ui::widgets::freshness(
        a.loading,
        a.read_at,
        ("reading", "read"),
        state,
        theme,
    ));
    let b = block(Line::from(title), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let errors = a
        .error
        .iter()
        .map(|e| Line::styled(format!("! {e}"), theme.danger))
        .collect();
    let inner = crate::ui::widgets::error_lines(errors, frame, inner);
    if a.entries.is_empty() {
        let text = if a.loading || a.read_at.is_none() {
            "Reading the audit trail…"
        } else {
            "No changes recorded yet: approvals, promotions, locks and run changes appear here."
        };
        return empty(text, theme, frame, inner);
    }
    let [table_area, detail_area] = Layout::vertical([Constraint::Min(1), Constraint::Length(3)]).areas(inner);
    let Some((table_area, shown, selected)) =
        table_window(state, Pane::Audit, a.entries.len(), theme, frame, table_area)
    else {
        return;
    };
    let built: Vec<Row> = shown
        .iter()
        .filter_map(|&i| a.entries.get(i))
        .filter_map(|e| {
            let r = e.latest()?;
            let time = e
                .time()
                .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default();
            let word = e.outcome_word().to_string();
            let digest = r
                .target_digest
                .as_deref()
                .or(r.source_digest.as_deref())
                .map(short_hex)
                .unwrap_or_default();
            Some(Row::new(vec![
                Cell::from(time),
                Cell::from(r.action.clone()),
                Cell::from(Span::styled(word.to_uppercase(), outcome_style(&word, theme))),
                Cell::from(r.operator.principal.clone()),
                Cell::from(r.target.clone()),
                Cell::from(digest),
                Cell::from(r.note.clone().or_else(|| r.error.clone()).unwrap_or_default()),
            ]))
        })
        .collect();
    frame.render_widget(
        table(
            &[
                "TIME",
                "ACTION",
                "OUTCOME",
                "OPERATOR",
                "TARGET",
                "DIGEST",
                "NOTE / ERROR",
            ],
            vec![
                Constraint::Length(19),
                Constraint::Length(12),
                Constraint::Length(10),
                Constraint::Length(22),
                Constraint::Percentage(35),
                Constraint::Length(12),
                Constraint::Min(10),
            ],
            built,
            Some(selected),
            theme,
        ),
        table_area,
    );
    if let Some(e) = state.selected_row(Pane::Audit).and_then(|i| a.entries.get(i)) {
        frame.render_widget(
            Paragraph::new(Line::styled(detail(e), theme.text)).wrap(Wrap { trim: true }),
            detail_area,
        );
    }
}
