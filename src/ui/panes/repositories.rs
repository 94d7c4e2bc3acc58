//! The Repositories pane: the chosen registry's repositories with their details as they come.

use crate::app::data::{Loadable, age, lock_marks};
use crate::app::{Pane, State};
use crate::ui::Theme;
use crate::ui::widgets::*;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

pub fn repositories(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(ls) = state.nav.registry.clone() else {
        return unchosen(
            "Repositories",
            "Choose a registry: Enter on the Registries pane.",
            theme,
            frame,
            area,
        );
    };
    let name = state.current_registry_name().unwrap_or_else(|| ls.clone());
    let default = Loadable::default();
    let l = state.panes.repositories.listings.get(&ls).unwrap_or(&default);
    let Some(inner) = framed(
        format!("Repositories · {name}"),
        l,
        "repositories",
        state,
        theme,
        frame,
        area,
    ) else {
        return;
    };
    let names: &[String] = l.value.as_deref().unwrap_or(&[]);
    let Some((inner, shown, selected)) = table_window(state, Pane::Repositories, names.len(), theme, frame, inner)
    else {
        return;
    };
    let widths = vec![
        Constraint::Min(24),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    let name_width = crate::ui::widgets::column_widths(inner, &widths)[0];
    let built: Vec<Row> = shown
        .iter()
        .map(|&i| &names[i])
        .map(|n| match state.panes.repositories.props.get(&(ls.clone(), n.clone())) {
            Some(p) => Row::new(vec![
                Cell::from(crate::text::fit(n, name_width)),
                Cell::from(p.tag_count.to_string()),
                Cell::from(p.manifest_count.to_string()),
                Cell::from(age(p.last_update_time, state.now)),
                Cell::from(Span::styled(
                    lock_marks(&p.changeable_attributes),
                    if p.changeable_attributes.is_locked() {
                        theme.danger
                    } else {
                        theme.muted
                    },
                )),
            ]),
            None => Row::new(vec![
                Cell::from(crate::text::fit(n, name_width)),
                Cell::from("…"),
                Cell::from("…"),
                Cell::from("…"),
                Cell::from("…"),
            ]),
        })
        .collect();
    frame.render_widget(
        table(
            &["REPOSITORY", "TAGS", "MANIFESTS", "UPDATED", "LOCKS"],
            widths,
            built,
            Some(selected),
            theme,
        ),
        inner,
    );
}
