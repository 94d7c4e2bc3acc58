//! The Tags pane: a repository's tags with their manifests, and the detail of one tag (its full
//! digest, the manifest behind it, every tag on the same digest, and the locks of the tag and of
//! the manifest, which are separate switches in ACR).

use crate::acr::model::ChangeableAttributes;
use crate::app::data::{Loadable, TagRow, age, bytes, lock_marks};
use crate::app::{Pane, State};
use crate::ui::Theme;
use crate::ui::widgets::*;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

pub fn tags(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (Some(ls), Some(repo)) = (state.nav.registry.clone(), state.nav.repository.clone()) else {
        return unchosen(
            "Tags",
            "Choose a repository: Enter on the Repositories pane.",
            theme,
            frame,
            area,
        );
    };
    let reg_name = state.current_registry_name().unwrap_or_else(|| ls.clone());
    let default = Loadable::default();
    let l = state.panes.tags.listings.get(&(ls, repo.clone())).unwrap_or(&default);
    let Some(inner) = framed(
        format!("Tags · {reg_name} / {repo}"),
        l,
        "tags",
        state,
        theme,
        frame,
        area,
    ) else {
        return;
    };
    let rows = l.value.as_deref().unwrap_or(&[]);
    if state.panes.tags.detail
        && let Some(row) = state.selected_row(Pane::Tags).and_then(|i| rows.get(i))
    {
        return tag_detail(row, state, theme, frame, inner);
    }
    let Some((inner, shown, selected)) = table_window(state, Pane::Tags, rows.len(), theme, frame, inner) else {
        return;
    };
    let widths = vec![
        Constraint::Min(14),
        Constraint::Length(12),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Min(12),
        Constraint::Length(8),
    ];
    // A tag longer than its column ends in `…`, so a cut name is never read as a whole one.
    let name_width = crate::ui::widgets::column_widths(inner, &widths)[0];
    let built: Vec<Row> = shown
        .iter()
        .map(|&i| &rows[i])
        .map(|r| {
            let t = &r.tag;
            let short = t
                .digest
                .trim_start_matches("sha256:")
                .chars()
                .take(12)
                .collect::<String>();
            let size = r
                .manifest
                .as_ref()
                .map(|m| bytes(m.image_size))
                .unwrap_or_else(|| "-".into());
            let locked = t.changeable_attributes.is_locked();
            Row::new(vec![
                Cell::from(crate::text::fit(&t.name, name_width)),
                Cell::from(short),
                Cell::from(age(t.created_time, state.now)),
                Cell::from(age(t.last_update_time, state.now)),
                Cell::from(size),
                Cell::from(r.platforms()),
                Cell::from(Span::styled(
                    lock_marks(&t.changeable_attributes),
                    if locked { theme.danger } else { theme.muted },
                )),
            ])
        })
        .collect();
    // The sort column carries an arrow; without one, rows are as the registry lists them.
    let sort = state.panes.tags.table.sort.as_ref();
    let headers: Vec<String> = ["TAG", "DIGEST", "CREATED", "UPDATED", "SIZE", "PLATFORMS", "LOCKS"]
        .iter()
        .map(|h| match sort {
            Some(s) if s.column.header() == *h => format!("{h}{}", if s.descending { "▼" } else { "▲" }),
            _ => h.to_string(),
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    frame.render_widget(table(&headers, widths, built, Some(selected), theme), inner);
}

fn field<'a>(name: &str, value: impl Into<Span<'a>>, theme: &Theme) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{name:<18}"), theme.muted), value.into()])
}

fn locks_text(a: &ChangeableAttributes) -> String {
    if !a.is_locked() {
        return "none".into();
    }
    let off: Vec<&str> = [
        (!a.write_enabled, "write"),
        (!a.delete_enabled, "delete"),
        (!a.read_enabled, "read"),
        (!a.list_enabled, "list"),
    ]
    .into_iter()
    .filter_map(|(off, name)| off.then_some(name))
    .collect();
    format!("{}  ({} disabled)", lock_marks(a), off.join(", "))
}

pub fn tag_detail(row: &TagRow, state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let t = &row.tag;
    let when = |d: Option<chrono::DateTime<chrono::Utc>>| match d {
        Some(d) => format!(
            "{} ({} ago)",
            d.format("%Y-%m-%d %H:%M:%S UTC"),
            age(Some(d), state.now)
        ),
        None => "-".into(),
    };
    let lock_style = |a: &ChangeableAttributes| if a.is_locked() { theme.danger } else { theme.ok };
    let mut lines = vec![
        field("Tag", Span::styled(t.name.clone(), theme.key), theme),
        field("Digest", t.digest.clone(), theme),
        field("Created", when(t.created_time), theme),
        field("Updated", when(t.last_update_time), theme),
        field("Signed", if t.signed { "yes" } else { "no" }, theme),
        field(
            "Tag locks",
            Span::styled(
                locks_text(&t.changeable_attributes),
                lock_style(&t.changeable_attributes),
            ),
            theme,
        ),
    ];
    match &row.manifest {
        None => lines.push(field(
            "Manifest",
            Span::styled("not listed (the manifest listing did not include it)", theme.warning),
            theme,
        )),
        Some(m) => {
            lines.push(Line::raw(""));
            lines.push(field(
                "Media type",
                m.media_type.clone().unwrap_or_else(|| "-".into()),
                theme,
            ));
            if let Some(c) = &m.config_media_type {
                lines.push(field("Config media type", c.clone(), theme));
            }
            lines.push(field("Size", bytes(m.image_size), theme));
            lines.push(field(
                "Manifest locks",
                Span::styled(
                    locks_text(&m.changeable_attributes),
                    lock_style(&m.changeable_attributes),
                ),
                theme,
            ));
            let tags = if m.tags.is_empty() {
                "(none listed)".to_string()
            } else {
                m.tags.join(", ")
            };
            lines.push(field("Tags on digest", tags, theme));
            if m.references.is_empty() {
                lines.push(field("Platform", row.platforms(), theme));
            } else {
                lines.push(field(
                    "Platforms",
                    format!("{} in this index", m.references.len()),
                    theme,
                ));
                for r in &m.references {
                    let platform = format!(
                        "{}/{}",
                        r.os.as_ref()
                            .map(|o| o.as_str().to_ascii_lowercase())
                            .unwrap_or_else(|| "?".into()),
                        r.architecture.clone().unwrap_or_else(|| "?".into())
                    );
                    lines.push(Line::from(vec![
                        Span::raw(format!("{:<18}", "")),
                        Span::styled(format!("{platform:<16}"), theme.text),
                        Span::styled(r.digest.clone(), theme.muted),
                    ]));
                }
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "esc back to the table · j/k the next tag · x lock the tag · X lock the digest",
        theme.muted,
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
