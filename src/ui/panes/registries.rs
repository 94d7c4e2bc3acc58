//! The Registries pane: every registry in stage order with its storage and health.

use crate::app::data::{RegistryRow, bytes};
use crate::app::{Pane, State};
use crate::ui::Theme;
use crate::ui::widgets::*;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

pub fn registries(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let l = &state.registries;
    let rows = state.registry_rows();
    let b = block(
        title(
            "Registries".into(),
            l,
            l.value.as_ref().map(|_| rows.len()),
            state,
            theme,
        ),
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let inner = banner(l, theme, frame, inner);
    if rows.is_empty() {
        let text = if l.loading {
            "Listing the registries…"
        } else {
            "No registries: the identity sees none in the configured subscriptions."
        };
        return empty(text, theme, frame, inner);
    }
    // The selected registry's failure, in full, and its replicas under the table.
    let lines = selected_row_lines(
        state.selected_row(Pane::Registries).and_then(|i| rows.get(i).copied()),
        theme,
    );
    let inner = if lines.is_empty() {
        inner
    } else {
        let height = (lines.len() as u16 + 1).min(inner.height / 3).max(1);
        let [table_area, detail] = Layout::vertical([Constraint::Min(1), Constraint::Length(height)]).areas(inner);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), detail);
        table_area
    };
    let wide = inner.width >= 110;
    let Some((inner, shown, selected)) = table_window(state, Pane::Registries, rows.len(), theme, frame, inner) else {
        return;
    };
    let built: Vec<Row> = shown
        .iter()
        .map(|&i| &rows[i])
        .map(|r| {
            let p = &r.registry.properties;
            let storage = r
                .storage
                .map(|(u, lim)| {
                    if lim > 0 {
                        format!("{} / {}", bytes(u), bytes(lim))
                    } else {
                        bytes(u)
                    }
                })
                .unwrap_or_else(|| "…".into());
            let public = p.public_network_access.clone().unwrap_or_else(|| "?".into());
            let not_ready = r.replicas_not_ready().len();
            let health = match (&r.health, not_ready) {
                (Some(_), _) => Cell::from(Span::styled("FAILING", theme.danger)),
                (None, 0) => Cell::from(Span::styled("ok", theme.ok)),
                (None, 1) => Cell::from(Span::styled("1 replica", theme.warning)),
                (None, n) => Cell::from(Span::styled(format!("{n} replicas"), theme.warning)),
            };
            let replicas = match &r.replicas {
                None => Span::styled("…", theme.muted),
                Some(Err(_)) => Span::styled("?", theme.warning),
                Some(Ok(list)) if list.is_empty() => Span::styled("-", theme.muted),
                Some(Ok(list)) if not_ready == 0 => Span::styled(format!("{} ready", list.len()), theme.ok),
                Some(Ok(list)) => Span::styled(
                    format!("{}/{} ready", list.len() - not_ready, list.len()),
                    theme.warning,
                ),
            };
            let mut cells = vec![
                Cell::from(Span::styled(r.registry.stage().unwrap_or("-").to_string(), theme.key)),
                Cell::from(r.registry.name.clone()),
                Cell::from(p.login_server.clone()),
                Cell::from(r.registry.sku.name.to_string()),
            ];
            if wide {
                cells.push(Cell::from(r.registry.location.clone()));
            }
            cells.extend([Cell::from(storage), Cell::from(public)]);
            if wide {
                cells.push(Cell::from(replicas));
            }
            cells.push(health);
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Min(12),
        Constraint::Min(16),
        Constraint::Length(8),
    ];
    let mut header = vec!["STAGE", "NAME", "LOGIN SERVER", "SKU"];
    if wide {
        widths.push(Constraint::Length(11));
        header.push("LOCATION");
    }
    widths.extend([Constraint::Length(21), Constraint::Length(8)]);
    header.extend(["STORAGE", "PUBLIC"]);
    // Narrow: HEALTH still counts a replica that is not ready; the selected registry's replicas
    // are listed under the table.
    if wide {
        widths.push(Constraint::Length(9));
        header.push("REPLICAS");
    }
    widths.push(Constraint::Length(9));
    header.push("HEALTH");
    let t = table(&header, widths, built, Some(selected), theme);
    frame.render_widget(t, inner);
}

/// Under the table: the selected registry's failure in full, and its replicas with their status.
fn selected_row_lines(selected_row: Option<&RegistryRow>, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = Vec::new();
    if let Some(r) = selected_row {
        if let Some(h) = &r.health {
            lines.push(Line::styled(format!("! {}: {h}", r.registry.name), theme.danger));
        }
        if let Some(Ok(replicas)) = &r.replicas
            && !replicas.is_empty()
        {
            let mut spans = vec![Span::styled(format!("{} replicas: ", r.registry.name), theme.muted)];
            for (i, p) in replicas.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::raw(" · "));
                }
                let state_text = p.state();
                let message = p.properties.status.as_ref().and_then(|s| s.message.clone());
                spans.push(Span::raw(format!("{} ", p.location)));
                spans.push(Span::styled(
                    state_text,
                    if p.ready() { theme.ok } else { theme.warning },
                ));
                if let Some(m) = message.filter(|_| !p.ready()) {
                    spans.push(Span::styled(format!(" ({m})"), theme.muted));
                }
            }
            lines.push(Line::from(spans));
        }
        if let Some(Err(e)) = &r.replicas {
            lines.push(Line::styled(
                format!("replicas of {} unreadable: {e}", r.registry.name),
                theme.warning,
            ));
        }
    }
    lines
}
