//! The Webhooks pane: every registry's webhooks, failing ones marked, and the deliveries of the
//! selected one.

use crate::acr::model::Delivery;
use crate::app::data::age;
use crate::app::panes::webhooks::{rows, selected};
use crate::app::{Pane, State};
use crate::keys::Command;
use crate::text::fit;
use crate::ui::Theme;
use crate::ui::widgets::{block, column_widths, empty, every_registry_frame, table, table_window, title};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

/// Deliveries listed under the table at most.
const DELIVERIES_SHOWN: usize = 8;

pub fn webhooks(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let overall = crate::app::panes::webhooks::overall(state);
    let rows = rows(state);
    let failing = rows.iter().filter(|(.., w)| w.failing()).count();
    let mut t = title(
        "Webhooks · every registry".into(),
        &overall,
        Some(rows.len()),
        state,
        theme,
    );
    if failing > 0 {
        t.spans
            .push(Span::styled(format!("· {failing} FAILING "), theme.danger));
    }
    let km = &state.keymap;
    let hint = format!(
        " {} pings the selected webhook (asks first) · {} filters (delivery:failing stage:prod) · {} reads all ",
        km.label(Command::Ping),
        km.label(Command::Filter),
        km.label(Command::Refresh)
    );
    let Some(inner) = every_registry_frame(state, theme, frame, area, t, hint, &overall, ("webhooks", rows.len()))
    else {
        return;
    };
    let chosen = selected(state);
    let events_height = chosen.map_or(0, |(.., w)| w.deliveries.len().clamp(1, DELIVERIES_SHOWN) as u16 + 3);
    let [top, bottom] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length(events_height.min(inner.height / 2)),
    ])
    .areas(inner);
    if let Some((inner, shown, sel)) = table_window(state, Pane::Webhooks, rows.len(), theme, frame, top) {
        let widths = vec![
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Fill(2),
            Constraint::Length(8),
            Constraint::Fill(1),
            Constraint::Length(10),
            // Its name and where it delivers are what an operator looks for: the widest.
            Constraint::Fill(2),
            Constraint::Length(24),
        ];
        let cols = column_widths(inner, &widths);
        let built: Vec<Row> = shown
            .iter()
            .map(|&i| {
                let (_, registry, stage, w) = rows[i];
                let p = &w.webhook.properties;
                let enabled = p.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("enabled"));
                let last = match w.deliveries.first() {
                    None => Span::styled("none yet", theme.muted),
                    Some(d) => Span::styled(
                        delivery_text(d, state),
                        if d.delivered() { theme.ok } else { theme.danger },
                    ),
                };
                let host = match (&w.host, &w.problem) {
                    (Some(h), _) => Span::raw(fit(h, cols[6])),
                    (None, Some(_)) => Span::styled("unreadable", theme.warning),
                    (None, None) => Span::styled("-", theme.muted),
                };
                Row::new(vec![
                    Cell::from(Span::styled(stage.unwrap_or("-").to_string(), theme.key)),
                    Cell::from(fit(registry, cols[1])),
                    Cell::from(fit(&w.webhook.name, cols[2])),
                    Cell::from(Span::styled(
                        p.status.clone().unwrap_or_else(|| "-".into()),
                        if enabled { theme.text } else { theme.warning },
                    )),
                    Cell::from(fit(&p.actions.join(","), cols[4])),
                    Cell::from(fit(if p.scope.is_empty() { "*" } else { &p.scope }, cols[5])),
                    Cell::from(host),
                    Cell::from(last),
                ])
            })
            .collect();
        let header = [
            "STAGE",
            "REGISTRY",
            "WEBHOOK",
            "STATUS",
            "ACTIONS",
            "SCOPE",
            "DELIVERS TO",
            "LAST DELIVERY",
        ];
        frame.render_widget(table(&header, widths, built, Some(sel), theme), inner);
    }
    if let Some((_, registry, w)) = chosen
        && bottom.height > 2
    {
        deliveries(state, theme, frame, bottom, registry, w);
    }
}

/// `✗ 503 push 3m ago`: the receiver's answer first, as the thing to read.
fn delivery_text(d: &Delivery, state: &State) -> String {
    let answer = match d.status {
        Some(s) if d.delivered() => format!("✓ {s}"),
        Some(s) => format!("✗ {s}"),
        None => "✗ no answer".into(),
    };
    format!("{answer} {} {} ago", d.action, age(d.at, state.now))
}

fn deliveries(
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    registry: &str,
    w: &crate::app::data::WebhookRow,
) {
    let mut t = Line::from(Span::styled(
        format!(" Deliveries of {registry}/{} ({}) ", w.webhook.name, w.deliveries.len()),
        theme.tab_active,
    ));
    if let Some(p) = &w.problem {
        t.spans.push(Span::styled(format!("· {p} "), theme.danger));
    }
    let b = block(t, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if w.deliveries.is_empty() {
        return empty(
            "No deliveries yet: a push, a delete or a ping makes one.",
            theme,
            frame,
            inner,
        );
    }
    let built: Vec<Row> = w
        .deliveries
        .iter()
        .take(inner.height.saturating_sub(1) as usize)
        .map(|d| {
            let target = match (&d.repository, &d.tag, &d.digest) {
                (Some(r), Some(t), _) => format!("{r}:{t}"),
                (Some(r), None, Some(dg)) => format!("{r}@{}", crate::app::mutation::short_digest(dg)),
                (Some(r), None, None) => r.clone(),
                _ => "-".into(),
            };
            let (answer, style) = match d.status {
                Some(s) if d.delivered() => (format!("{s} delivered"), theme.ok),
                Some(s) => (format!("{s} REFUSED"), theme.danger),
                None => ("NO ANSWER".to_string(), theme.danger),
            };
            Row::new(vec![
                Cell::from(
                    d.at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::from(format!("{} ago", age(d.at, state.now))),
                Cell::from(d.action.clone()),
                Cell::from(target),
                Cell::from(Span::styled(answer, style)),
                Cell::from(Span::styled(d.id.clone(), theme.muted)),
            ])
        })
        .collect();
    let widths = vec![
        Constraint::Length(19),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Min(16),
        Constraint::Length(13),
        Constraint::Min(8),
    ];
    let header = ["TIME (UTC)", "AGE", "ACTION", "TARGET", "ANSWER", "EVENT"];
    frame.render_widget(table(&header, widths, built, None, theme), inner);
}
