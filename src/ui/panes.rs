//! The data panes: registries, repositories, tags and runs as tables. Only the rows that fit are
//! built. Each pane says how fresh its rows are, whether they are partial, and what failed.

use super::Theme;
use crate::acr::model::{ChangeableAttributes, RunStatus};
use crate::app::data::{Loadable, age, bytes, duration};
use crate::app::{Pane, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

/// The first and one-past-last row to build so that `selected` is visible in `height` rows.
pub fn window(len: usize, selected: usize, height: usize) -> (usize, usize) {
    if height == 0 || len == 0 {
        return (0, 0);
    }
    // A cursor left beyond the rows (a filter or a refresh shrank them) shows the last page.
    let selected = selected.min(len - 1);
    let start = if selected < height { 0 } else { selected + 1 - height };
    (start, (start + height).min(len))
}

/// The pane's title: what, where, how many, how fresh.
fn title<'a, T>(what: String, l: &Loadable<T>, count: Option<usize>, state: &State, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(format!(" {what}"), theme.tab_active)];
    if let Some(n) = count {
        spans.push(Span::styled(format!(" ({n})"), theme.tab_active));
    }
    if l.loading {
        spans.push(Span::styled(" · loading…", theme.warning));
    } else if let Some(t) = l.loaded_at {
        let stale = l.error.is_some();
        spans.push(Span::styled(
            format!(" · read {} ago", age(Some(t), state.now)),
            if stale { theme.warning } else { theme.muted },
        ));
    }
    if l.partial {
        spans.push(Span::styled(" · PARTIAL", theme.danger));
    } else if l.error.is_some() && l.value.is_some() {
        spans.push(Span::styled(" · STALE", theme.warning));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// Splits off a one-paragraph error banner at the top when the last read failed.
fn banner<T>(l: &Loadable<T>, theme: &Theme, frame: &mut Frame, area: Rect) -> Rect {
    let Some(e) = &l.error else { return area };
    let height = (e.len() as u16 / area.width.max(1) + 1).min(4);
    let [top, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(format!("! {e}"), theme.danger)).wrap(Wrap { trim: true }),
        top,
    );
    rest
}

fn empty(text: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new(Line::styled(text.to_string(), theme.muted)).wrap(Wrap { trim: true }),
        area,
    );
}

fn table(
    header: &[&str],
    widths: Vec<Constraint>,
    rows: Vec<Row<'static>>,
    selected: Option<usize>,
    theme: &Theme,
) -> Table<'static> {
    let header = Row::new(header.iter().map(|h| Cell::from(h.to_string()))).style(theme.key);
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            if Some(i) == selected {
                r.style(theme.selected)
            } else {
                r
            }
        })
        .collect();
    Table::new(rows, widths).header(header).column_spacing(1)
}

/// `W D R L` for each switched-off lock, `-` when nothing is locked.
pub fn lock_marks(a: &ChangeableAttributes) -> String {
    let marks: Vec<&str> = [
        (!a.write_enabled, "W"),
        (!a.delete_enabled, "D"),
        (!a.read_enabled, "R"),
        (!a.list_enabled, "L"),
    ]
    .into_iter()
    .filter_map(|(on, m)| on.then_some(m))
    .collect();
    if marks.is_empty() { "-".into() } else { marks.join(" ") }
}

fn block<'a>(title: Line<'a>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(title)
}

/// The pane's `/` filter, when it has one or is being typed, on a line above the rows; says when
/// nothing matches. Returns the area left for the rows.
fn filter_line(
    state: &State,
    pane: Pane,
    shown: usize,
    total: usize,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> Option<Rect> {
    let text = state.filters.get(&pane).cloned().unwrap_or_default();
    let editing = state.filter_editing && state.pane == pane;
    if text.is_empty() && !editing {
        return Some(area);
    }
    let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut spans = vec![Span::styled("/", theme.key), Span::styled(text.clone(), theme.text)];
    if editing {
        spans.push(Span::styled("▏", theme.key));
    }
    match crate::query::Query::parse(&text) {
        Err(e) => spans.push(Span::styled(format!("   ! {e}"), theme.danger)),
        Ok(_) => spans.push(Span::styled(format!("   {shown} of {total}"), theme.muted)),
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), line);
    if shown == 0 {
        empty("Nothing matches the filter (esc clears it).", theme, frame, rest);
        return None;
    }
    Some(rest)
}

/// A pane with nothing chosen yet: its frame and what to do.
fn unchosen(what: &str, hint: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let b = block(Line::styled(format!(" {what} "), theme.tab_active), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    empty(hint, theme, frame, inner);
}

/// Draws a pane's frame (title with freshness) and its error banner. Returns the area for the
/// rows, or `None` when there are no rows and it said so instead.
fn framed<T>(
    what: String,
    l: &Loadable<Vec<T>>,
    noun: &str,
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> Option<Rect> {
    let b = block(title(what, l, l.value.as_ref().map(Vec::len), state, theme), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let inner = banner(l, theme, frame, inner);
    if l.value.as_ref().is_none_or(Vec::is_empty) {
        let text = if l.loading {
            format!("Listing {noun}…")
        } else {
            format!("No {noun}.")
        };
        empty(&text, theme, frame, inner);
        return None;
    }
    Some(inner)
}

pub fn registries(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let l = &state.data.registries;
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
    let sel = state.selected(Pane::Registries);
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
    let vis = state.visible(Pane::Registries);
    let Some(inner) = filter_line(state, Pane::Registries, vis.len(), rows.len(), theme, frame, inner) else {
        return;
    };
    let (start, end) = window(vis.len(), sel, inner.height.saturating_sub(1) as usize);
    let built: Vec<Row> = vis[start..end]
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
    let t = table(
        &header,
        widths,
        built,
        Some(sel.min(end.saturating_sub(1)) - start),
        theme,
    );
    frame.render_widget(t, inner);
}

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
    let name = state
        .current_registry()
        .map(|r| r.registry.name.clone())
        .unwrap_or_else(|| ls.clone());
    let default = Loadable::default();
    let l = state.data.repositories.get(&ls).unwrap_or(&default);
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
    let sel = state.selected(Pane::Repositories);
    let vis = state.visible(Pane::Repositories);
    let Some(inner) = filter_line(state, Pane::Repositories, vis.len(), names.len(), theme, frame, inner) else {
        return;
    };
    let (start, end) = window(vis.len(), sel, inner.height.saturating_sub(1) as usize);
    let built: Vec<Row> = vis[start..end]
        .iter()
        .map(|&i| &names[i])
        .map(|n| match state.data.repository_props.get(&(ls.clone(), n.clone())) {
            Some(p) => Row::new(vec![
                Cell::from(n.clone()),
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
                Cell::from(n.clone()),
                Cell::from("…"),
                Cell::from("…"),
                Cell::from("…"),
                Cell::from("…"),
            ]),
        })
        .collect();
    let widths = vec![
        Constraint::Min(24),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    frame.render_widget(
        table(
            &["REPOSITORY", "TAGS", "MANIFESTS", "UPDATED", "LOCKS"],
            widths,
            built,
            Some(sel.min(end.saturating_sub(1)) - start),
            theme,
        ),
        inner,
    );
}

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
    let reg_name = state
        .current_registry()
        .map(|r| r.registry.name.clone())
        .unwrap_or_else(|| ls.clone());
    let default = Loadable::default();
    let l = state.data.tags.get(&(ls, repo.clone())).unwrap_or(&default);
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
    let sel = state.selected(Pane::Tags);
    let vis = state.visible(Pane::Tags);
    let Some(inner) = filter_line(state, Pane::Tags, vis.len(), rows.len(), theme, frame, inner) else {
        return;
    };
    let (start, end) = window(vis.len(), sel, inner.height.saturating_sub(1) as usize);
    let built: Vec<Row> = vis[start..end]
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
                Cell::from(t.name.clone()),
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
    let widths = vec![
        Constraint::Min(14),
        Constraint::Length(12),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Min(12),
        Constraint::Length(8),
    ];
    frame.render_widget(
        table(
            &["TAG", "DIGEST", "CREATED", "UPDATED", "SIZE", "PLATFORMS", "LOCKS"],
            widths,
            built,
            Some(sel.min(end.saturating_sub(1)) - start),
            theme,
        ),
        inner,
    );
}

fn status_style(s: &RunStatus, theme: &Theme) -> Style {
    match s {
        RunStatus::Succeeded => theme.ok,
        RunStatus::Failed | RunStatus::Error | RunStatus::Timeout => theme.danger,
        RunStatus::Running | RunStatus::Started | RunStatus::Queued => theme.warning,
        _ => theme.muted,
    }
}

/// One log line with its ANSI colours as styles (or none, for the monochrome theme).
fn log_line(raw: &str, theme: &Theme) -> Line<'static> {
    use ansi_to_tui::IntoText;
    let text = raw
        .as_bytes()
        .into_text()
        .unwrap_or_else(|_| ratatui::text::Text::raw(raw.to_string()));
    let spans: Vec<Span<'static>> = text
        .lines
        .into_iter()
        .flat_map(|l| l.spans)
        .map(|s| {
            if theme.name == "monochrome" {
                Span::raw(s.content.into_owned())
            } else {
                Span::styled(s.content.into_owned(), s.style)
            }
        })
        .collect();
    Line::from(spans)
}

fn log_view(view: &crate::app::data::LogView, state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    use crate::app::data::LogStatus;
    let mode = if view.follow {
        Span::styled(" · following", theme.ok)
    } else {
        Span::styled(" · paused (F or end follows)", theme.warning)
    };
    let mut spans = vec![
        Span::styled(
            format!(" Log · {} · run {}", view.registry_name, view.run_id),
            theme.tab_active,
        ),
        mode,
    ];
    spans.push(Span::styled(
        format!(" · {} lines", view.lines.len() as u64 + view.dropped),
        theme.muted,
    ));
    if view.dropped > 0 {
        spans.push(Span::styled(
            format!(" (first {} no longer held)", view.dropped),
            theme.warning,
        ));
    }
    spans.push(Span::raw(" "));
    let b = block(Line::from(spans), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let height = body.height as usize;
    let first = view.first_visible(height);
    let lines: Vec<Line> = view
        .lines
        .iter()
        .skip(first)
        .take(height)
        .map(|l| log_line(l, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
    let status_line = match &view.status {
        LogStatus::Opening => Line::styled("opening the log…", theme.muted),
        LogStatus::Waiting => Line::styled("waiting for the run to write its first line…", theme.muted),
        LogStatus::Streaming => Line::styled("● streaming", theme.warning),
        LogStatus::Retrying(e) => Line::styled(format!("reconnecting: {e}"), theme.warning),
        LogStatus::Complete(outcome) => {
            let style = if outcome.eq_ignore_ascii_case("Succeeded") {
                theme.ok
            } else {
                theme.danger
            };
            Line::styled(format!("Run {} ended: {outcome}", view.run_id), style)
        }
        LogStatus::Failed(e) => Line::styled(format!("! {e}"), theme.danger),
    };
    let _ = state;
    frame.render_widget(Paragraph::new(status_line), status);
}

pub fn runs(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(view) = &state.log {
        return log_view(view, state, theme, frame, area);
    }
    let Some(ls) = state.nav.registry.clone() else {
        return unchosen(
            "Runs",
            "Choose a registry: Enter on the Registries pane.",
            theme,
            frame,
            area,
        );
    };
    let name = state
        .current_registry()
        .map(|r| r.registry.name.clone())
        .unwrap_or_else(|| ls.clone());
    let default = Loadable::default();
    let l = state.data.runs.get(&ls).unwrap_or(&default);
    let Some(inner) = framed(format!("Runs · {name}"), l, "task runs", state, theme, frame, area) else {
        return;
    };
    let runs = l.value.as_deref().unwrap_or(&[]);
    let sel = state.selected(Pane::Runs);
    let vis = state.visible(Pane::Runs);
    let Some(inner) = filter_line(state, Pane::Runs, vis.len(), runs.len(), theme, frame, inner) else {
        return;
    };
    let (start, end) = window(vis.len(), sel, inner.height.saturating_sub(1) as usize);
    let built: Vec<Row> = vis[start..end]
        .iter()
        .map(|&i| &runs[i])
        .map(|r| {
            let p = &r.properties;
            let status = r.status();
            // Running runs tick; finished ones show how long they took.
            let secs = match (p.start_time, p.finish_time) {
                (Some(s), Some(f)) => Some((f - s).num_seconds()),
                (Some(s), None) if status.is_active() => Some((state.now - s).num_seconds()),
                _ => None,
            };
            let platform = p
                .platform
                .as_ref()
                .map(|pl| {
                    format!(
                        "{}/{}",
                        pl.os
                            .as_ref()
                            .map(|o| o.as_str().to_ascii_lowercase())
                            .unwrap_or_default(),
                        pl.architecture.clone().unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            Row::new(vec![
                Cell::from(r.run_id().to_string()),
                Cell::from(p.task.clone().unwrap_or_else(|| "(quick run)".into())),
                Cell::from(Span::styled(status.to_string(), status_style(&status, theme))),
                Cell::from(r.trigger().as_str()),
                Cell::from(platform),
                Cell::from(age(p.start_time.or(p.create_time), state.now)),
                Cell::from(secs.map(duration).unwrap_or_else(|| "-".into())),
            ])
        })
        .collect();
    let widths = vec![
        Constraint::Length(8),
        Constraint::Min(16),
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    frame.render_widget(
        table(
            &["RUN ID", "TASK", "STATUS", "TRIGGER", "PLATFORM", "STARTED", "DURATION"],
            widths,
            built,
            Some(sel.min(end.saturating_sub(1)) - start),
            theme,
        ),
        inner,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_keep_the_selection_visible() {
        assert_eq!(window(100, 0, 10), (0, 10));
        assert_eq!(window(100, 9, 10), (0, 10));
        assert_eq!(window(100, 10, 10), (1, 11));
        assert_eq!(window(100, 99, 10), (90, 100));
        assert_eq!(window(3, 2, 10), (0, 3));
        assert_eq!(window(0, 0, 10), (0, 0));
        assert_eq!(window(5, 50, 10), (0, 5), "a cursor beyond the rows is clamped");
        assert_eq!(window(100, 5000, 10), (90, 100));
    }

    #[test]
    fn lock_marks_name_each_switched_off_lock() {
        let mut a = ChangeableAttributes::default();
        assert_eq!(lock_marks(&a), "-");
        a.write_enabled = false;
        a.delete_enabled = false;
        assert_eq!(lock_marks(&a), "W D");
    }
}
