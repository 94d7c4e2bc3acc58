//! The Tokens pane: every registry's tokens with what they may do and when they expire.

use crate::app::data::{Expiry, age};
use crate::app::panes::tokens::{expiring, rows};
use crate::app::{Pane, State};
use crate::keys::Command;
use crate::ui::Theme;
use crate::ui::widgets::{every_registry_frame, table, table_window, title};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

pub fn tokens(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let overall = state.panes.tokens.overall();
    let rows = rows(state);
    let mut t = title(
        "Tokens · every registry".into(),
        &overall,
        Some(rows.len()),
        state,
        theme,
    );
    let (expired, soon) = expiring(state);
    if expired > 0 {
        t.spans
            .push(Span::styled(format!("· {expired} EXPIRED "), theme.danger));
    }
    if soon > 0 {
        t.spans.push(Span::styled(
            format!("· {soon} expiring within {} days ", state.token_warning.num_days()),
            theme.warning,
        ));
    }
    let km = &state.keymap;
    let hint = format!(
        " {} filters (expiry:soon expiry:expired stage:prod) · {} reads all ",
        km.label(Command::Filter),
        km.label(Command::Refresh)
    );
    let Some(inner) = every_registry_frame(state, theme, frame, area, t, hint, &overall, ("tokens", rows.len())) else {
        return;
    };
    let chosen = state.selected_row(Pane::Tokens).and_then(|i| rows.get(i));
    let detail_height = chosen.map_or(0, |(.., t)| t.permissions.len().clamp(1, 6) as u16 + 1);
    let [top, bottom] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length(detail_height.min(inner.height / 3)),
    ])
    .areas(inner);
    if let Some((inner, shown, sel)) = table_window(state, Pane::Tokens, rows.len(), theme, frame, top) {
        let built: Vec<Row> = shown
            .iter()
            .map(|&i| {
                let (registry, stage, t) = rows[i];
                let status = t.token.properties.status.clone().unwrap_or_else(|| "-".into());
                let enabled = status.eq_ignore_ascii_case("enabled");
                let expiry = t.token.expiry();
                let (when, style) = match t.expiry(state.now, state.token_warning) {
                    Expiry::Never => ("never".to_string(), theme.muted),
                    Expiry::Expired => (format!("EXPIRED {} ago", age(expiry, state.now)), theme.danger),
                    Expiry::Soon => (format!("in {} ⚠", until(expiry, state)), theme.warning),
                    Expiry::Later => (format!("in {}", until(expiry, state)), theme.text),
                };
                let repos: Vec<&str> = t.permissions.iter().map(|p| p.repository.as_str()).collect();
                Row::new(vec![
                    Cell::from(Span::styled(stage.unwrap_or("-").to_string(), theme.key)),
                    Cell::from(registry.to_string()),
                    Cell::from(t.token.name.clone()),
                    Cell::from(Span::styled(status, if enabled { theme.text } else { theme.warning })),
                    Cell::from(t.scope_map.clone().unwrap_or_else(|| "-".into())),
                    Cell::from(repos.join(", ")),
                    Cell::from(
                        expiry
                            .map(|e| e.format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_else(|| "-".into()),
                    ),
                    Cell::from(Span::styled(when, style)),
                ])
            })
            .collect();
        let widths = vec![
            Constraint::Length(8),
            Constraint::Min(10),
            Constraint::Min(10),
            Constraint::Length(8),
            Constraint::Min(10),
            Constraint::Min(14),
            Constraint::Length(16),
            Constraint::Length(14),
        ];
        let header = [
            "STAGE",
            "REGISTRY",
            "TOKEN",
            "STATUS",
            "SCOPE MAP",
            "REPOSITORIES",
            "EXPIRES (UTC)",
            "",
        ];
        frame.render_widget(table(&header, widths, built, Some(sel), theme), inner);
    }
    if let Some((registry, _, t)) = chosen
        && bottom.height > 0
    {
        let mut lines = vec![Line::styled(format!("{registry}/{} may:", t.token.name), theme.key)];
        if t.permissions.is_empty() {
            lines.push(Line::styled(
                "  nothing its scope map names (or the map is unreadable)",
                theme.muted,
            ));
        }
        lines.extend(
            t.permissions
                .iter()
                .map(|p| Line::from(format!("  {}: {}", p.repository, p.actions.join(", ")))),
        );
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), bottom);
    }
}

/// `3d 4h`, `5h`: how long until an expiry.
fn until(expiry: Option<chrono::DateTime<chrono::Utc>>, state: &State) -> String {
    let Some(e) = expiry else { return "-".into() };
    let mins = (e - state.now).num_minutes().max(0);
    match (mins / 1440, (mins % 1440) / 60) {
        (0, 0) => format!("{mins}m"),
        (0, h) => format!("{h}h"),
        (d, 0) => format!("{d}d"),
        (d, h) => format!("{d}d {h}h"),
    }
}
