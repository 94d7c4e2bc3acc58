//! The Locks pane: everything locked in a registry, found by a progressive scan.

use crate::app::data::{Loadable, lock_marks};
use crate::app::mutation::short_digest;
use crate::app::{Pane, State};
use crate::ui::Theme;
use crate::ui::widgets::{banner, block, empty, table, table_window, title, unchosen};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
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
    let l = state.panes.locks.listings.get(&ls).unwrap_or(&default);
    let items = l.value.as_deref().unwrap_or(&[]);
    let mut heading = title(format!("Locks · {name}"), l, Some(items.len()), state, theme);
    let (scanned, total) = state.panes.locks.scan.get(&ls).copied().unwrap_or((0, 0));
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
