//! The Registries pane: every registry in stage order with its storage and health.

use crate::app::data::bytes;
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
    // The selected registry's failure, in full, under the table.
    let inner = match state
        .selected_row(Pane::Registries)
        .and_then(|i| rows.get(i))
        .and_then(|r| r.health.as_ref().map(|h| (r, h)))
    {
        Some((r, h)) => {
            let [table_area, detail] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
            let text = Line::styled(format!("! {}: {h}", r.registry.name), theme.danger);
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), detail);
            table_area
        }
        None => inner,
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
            let health = match &r.health {
                Some(_) => Cell::from(Span::styled("FAILING", theme.danger)),
                None => Cell::from(Span::styled("ok", theme.ok)),
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
            cells.extend([Cell::from(storage), Cell::from(public), health]);
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
    widths.extend([Constraint::Length(21), Constraint::Length(8), Constraint::Length(7)]);
    header.extend(["STORAGE", "PUBLIC", "HEALTH"]);
    let t = table(&header, widths, built, Some(selected), theme);
    frame.render_widget(t, inner);
}
