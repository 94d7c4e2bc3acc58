//! Panes about a whole registry rather than one repository: everything locked in it (found by a
//! progressive scan) and its cache rules with their credential sets.

use super::Theme;
use super::panes::{banner, block, empty, table, table_window, title, unchosen};
use crate::acr::model::{HealthStatus, ProvisioningState};
use crate::app::data::{Loadable, lock_marks};
use crate::app::mutation::short_digest;
use crate::app::{Pane, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

pub fn locks(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(ls) = state.nav.registry.clone() else {
        return unchosen(
            "Locks",
            "Choose a registry: Enter on the Registries pane.",
            theme,
            frame,
            area,
        );
    };
    let name = state.current_registry_name().unwrap_or_else(|| ls.clone());
    let default = Loadable::default();
    let l = state.data.locks.get(&ls).unwrap_or(&default);
    let items = l.value.as_deref().unwrap_or(&[]);
    let mut heading = title(format!("Locks · {name}"), l, Some(items.len()), state, theme);
    let (scanned, total) = state.data.lock_scan.get(&ls).copied().unwrap_or((0, 0));
    if l.loading {
        // Until the scan ends, what is shown is only what was found so far.
        heading.spans.insert(
            heading.spans.len() - 1,
            Span::styled(
                format!(" · scanned {scanned} of {total} repositories · PARTIAL until complete"),
                theme.warning,
            ),
        );
    } else if l.loaded_at.is_some() && l.error.is_none() {
        heading.spans.insert(
            heading.spans.len() - 1,
            Span::styled(format!(" · complete ({total} repositories)"), theme.muted),
        );
    }
    let b = block(heading, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let inner = banner(l, theme, frame, inner);
    if items.is_empty() {
        let text = if l.loading {
            format!("Scanning {name} for locked repositories, tags and manifests…")
        } else if l.loaded_at.is_some() && l.error.is_none() {
            format!("Nothing in {name} is locked ({total} repositories scanned).")
        } else {
            "No locks read yet.".to_string()
        };
        return empty(&text, theme, frame, inner);
    }
    let Some((inner, shown, selected)) = table_window(state, Pane::Locks, items.len(), theme, frame, inner) else {
        return;
    };
    let built: Vec<Row> = shown
        .iter()
        .map(|&i| &items[i])
        .map(|it| {
            let target = match it.kind {
                crate::app::data::LockedKind::Manifest => format!("{}@{}", it.repository, short_digest(&it.reference)),
                _ => it.target(),
            };
            Row::new(vec![
                Cell::from(it.kind.as_str()),
                Cell::from(target),
                Cell::from(Span::styled(lock_marks(&it.attributes), theme.danger)),
                Cell::from(Span::styled(it.tags.join(", "), theme.muted)),
            ])
        })
        .collect();
    frame.render_widget(
        table(
            &["KIND", "WHAT", "LOCKS", "TAGS ON DIGEST"],
            vec![
                Constraint::Length(10),
                Constraint::Min(30),
                Constraint::Length(8),
                Constraint::Min(10),
            ],
            built,
            Some(selected),
            theme,
        ),
        inner,
    );
}

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
    let l = state.data.cache_rules.get(&ls).unwrap_or(&default);
    let Some(inner) = super::panes::framed(
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
