//! The Cache rules pane: a registry's cache rules with their credential sets.

use crate::acr::model::{HealthStatus, ProvisioningState};
use crate::app::data::Loadable;
use crate::app::{Pane, State};
use crate::ui::Theme;
use crate::ui::widgets::{table, table_window, unchosen};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

pub fn cache_rules(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(ls) = state.nav.registry.clone() else {
        return unchosen(
            "Cache rules",
            "Choose a registry: Enter on the Registries pane.",
            theme,
            frame,
            area,
        );
    };
    let name = state.current_registry_name().unwrap_or_else(|| ls.clone());
    let default = Loadable::default();
    let l = state.panes.cache_rules.listings.get(&ls).unwrap_or(&default);
    let Some(inner) = crate::ui::widgets::framed(
        format!("Cache rules · {name}"),
        l,
        "cache rules",
        state,
        theme,
        frame,
        area,
    ) else {
        return;
    };
    let rules = l.value.as_deref().unwrap_or(&[]);
    let Some((inner, shown, selected)) = table_window(state, Pane::CacheRules, rules.len(), theme, frame, inner) else {
        return;
    };
    let built: Vec<Row> = shown
        .iter()
        .map(|&i| &rules[i])
        .map(|r| {
            let p = &r.rule.properties;
            let (cred, health) = match (r.rule.credential_set_name(), &r.credential) {
                (None, _) => (Span::styled("(anonymous)", theme.muted), Span::styled("-", theme.muted)),
                (Some(n), None) => (Span::raw(n.to_string()), Span::styled("MISSING", theme.danger)),
                (Some(n), Some(c)) => {
                    let h = c.health();
                    let style = if h == HealthStatus::Healthy {
                        theme.ok
                    } else {
                        theme.danger
                    };
                    (Span::raw(n.to_string()), Span::styled(h.to_string(), style))
                }
            };
            let state_text = p
                .provisioning_state
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into());
            let state_style = match &p.provisioning_state {
                Some(ProvisioningState::Succeeded) => theme.ok,
                Some(ProvisioningState::Failed) => theme.danger,
                _ => theme.warning,
            };
            Row::new(vec![
                Cell::from(r.rule.name.clone()),
                Cell::from(p.source_repository.clone()),
                Cell::from(p.target_repository.clone()),
                Cell::from(Line::from(cred)),
                Cell::from(Line::from(health)),
                Cell::from(Span::styled(state_text, state_style)),
                Cell::from(if r.rule.is_wildcard() { "wildcard" } else { "fixed" }),
            ])
        })
        .collect();
    frame.render_widget(
        table(
            &[
                "RULE",
                "SOURCE (UPSTREAM)",
                "TARGET",
                "CREDENTIALS",
                "HEALTH",
                "STATE",
                "KIND",
            ],
            vec![
                Constraint::Min(12),
                Constraint::Min(20),
                Constraint::Min(14),
                Constraint::Min(12),
                Constraint::Length(9),
                Constraint::Length(10),
                Constraint::Length(8),
            ],
            built,
            Some(selected),
            theme,
        ),
        inner,
    );
}
