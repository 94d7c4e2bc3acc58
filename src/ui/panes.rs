//! The data panes: registries, repositories, tags and runs as tables. Only the rows that fit are
//! built. Each pane says how fresh its rows are, whether they are partial, and what failed.

use super::Theme;
use crate::acr::model::RunStatus;
use crate::app::data::{Loadable, age, bytes, duration, lock_marks};
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
pub(super) fn title<'a, T>(
    what: String,
    l: &Loadable<T>,
    count: Option<usize>,
    state: &State,
    theme: &Theme,
) -> Line<'a> {
    let mut spans = vec![Span::styled(format!(" {what}"), theme.tab_active)];
    if let Some(n) = count {
        spans.push(Span::styled(format!(" ({n})"), theme.tab_active));
    }
    if l.cached {
        // From an earlier session: say so, with the age of that read, until a fresh one lands.
        if let Some(t) = l.loaded_at {
            spans.push(Span::styled(
                format!(" · CACHED {} ago", age(Some(t), state.now)),
                theme.warning,
            ));
        }
        if l.loading {
            spans.push(Span::styled(" · refreshing…", theme.warning));
        }
    } else if l.loading {
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
/// The freshness part of a title: `· BUSY… ` while loading, `· VERB 3s ago ` after.
pub(super) fn freshness(
    loading: bool,
    at: Option<chrono::DateTime<chrono::Utc>>,
    (busy, verb): (&str, &str),
    state: &State,
    theme: &Theme,
) -> Option<Span<'static>> {
    match (loading, at) {
        (true, _) => Some(Span::styled(format!("· {busy}… "), theme.warning)),
        (false, Some(t)) => Some(Span::styled(
            format!("· {verb} {} ago ", age(Some(t), state.now)),
            theme.muted,
        )),
        _ => None,
    }
}

/// Error lines above a pane's rows (two rows each, at most half the area); the area left.
pub(super) fn error_lines(lines: Vec<Line<'static>>, frame: &mut Frame, area: Rect) -> Rect {
    if lines.is_empty() {
        return area;
    }
    let h = (lines.len() as u16 * 2).min(area.height / 2);
    let [top, rest] = Layout::vertical([Constraint::Length(h), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), top);
    rest
}

pub(super) fn banner<T>(l: &Loadable<T>, theme: &Theme, frame: &mut Frame, area: Rect) -> Rect {
    let Some(e) = &l.error else { return area };
    let height = (e.len() as u16 / area.width.max(1) + 1).min(4);
    let [top, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(format!("! {e}"), theme.danger)).wrap(Wrap { trim: true }),
        top,
    );
    rest
}

pub(super) fn empty(text: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new(Line::styled(text.to_string(), theme.muted)).wrap(Wrap { trim: true }),
        area,
    );
}

pub(super) fn table(
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

pub(super) fn block<'a>(title: Line<'a>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(title)
}

/// The pane's `/` filter, when it has one or is being typed, on a line above the rows; says when
/// nothing matches. Returns the area left for the rows.
pub(super) fn filter_line(
    state: &State,
    pane: Pane,
    shown: usize,
    total: usize,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> Option<Rect> {
    let text = state.filters.get(&pane).cloned().unwrap_or_default();
    let editing = matches!(state.modal, crate::app::Modal::Filter) && state.pane == pane;
    if text.is_empty() && !editing {
        return Some(area);
    }
    let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut spans = vec![Span::styled("/", theme.key), Span::styled(text.clone(), theme.text)];
    if editing {
        spans.push(Span::styled("▏", theme.key));
    }
    match crate::query::Query::parse_at(&text, state.now) {
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

/// A table pane's rows to build: its filter line, then the indices of the rows that fit (around
/// the cursor) and the selected one's place among them. `None` when the filter hides every row
/// (the pane has said so).
pub(super) fn table_window(
    state: &State,
    pane: Pane,
    total: usize,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> Option<(Rect, Vec<usize>, usize)> {
    let sel = state.selected(pane);
    let vis = state.visible(pane);
    let inner = filter_line(state, pane, vis.len(), total, theme, frame, area)?;
    let (start, end) = window(vis.len(), sel, inner.height.saturating_sub(1) as usize);
    Some((inner, vis[start..end].to_vec(), sel.min(end.saturating_sub(1)) - start))
}

/// A pane with nothing chosen yet: its frame and what to do.
pub(super) fn unchosen(what: &str, hint: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let b = block(Line::styled(format!(" {what} "), theme.tab_active), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    empty(hint, theme, frame, inner);
}

/// Draws a pane's frame (title with freshness) and its error banner. Returns the area for the
/// rows, or `None` when there are no rows and it said so instead.
pub(super) fn framed<T>(
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
    let Some((inner, shown, selected)) = table_window(state, Pane::Repositories, names.len(), theme, frame, inner)
    else {
        return;
    };
    let built: Vec<Row> = shown
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
            Some(selected),
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
    let reg_name = state.current_registry_name().unwrap_or_else(|| ls.clone());
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
    if state.tag_detail
        && let Some(row) = state.selected_row(Pane::Tags).and_then(|i| rows.get(i))
    {
        return super::tag_detail::tag_detail(row, state, theme, frame, inner);
    }
    let Some((inner, shown, selected)) = table_window(state, Pane::Tags, rows.len(), theme, frame, inner) else {
        return;
    };
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
    // The sort column carries an arrow; without one, rows are as the registry lists them.
    let sort = state.sort.get(&Pane::Tags);
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

fn status_style(s: &RunStatus, theme: &Theme) -> Style {
    match s {
        RunStatus::Succeeded => theme.ok,
        RunStatus::Failed | RunStatus::Error | RunStatus::Timeout => theme.danger,
        RunStatus::Running | RunStatus::Started | RunStatus::Queued => theme.warning,
        _ => theme.muted,
    }
}

pub fn runs(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(view) = state.log() {
        return super::log_pane::log_view(view, state, theme, frame, area);
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
    let name = state.current_registry_name().unwrap_or_else(|| ls.clone());
    // The tasks list sits beside the runs on wide terminals and above them on narrow ones.
    let task_count = state
        .data
        .tasks
        .get(&ls)
        .and_then(|l| l.value.as_ref())
        .map_or(1, Vec::len);
    let (tasks_area, area) = if area.width >= 150 {
        let [t, r] = Layout::horizontal([Constraint::Length(56), Constraint::Min(1)]).areas(area);
        (t, r)
    } else {
        let h = (task_count as u16 + 3).clamp(4, 8);
        let [t, r] = Layout::vertical([Constraint::Length(h), Constraint::Min(1)]).areas(area);
        (t, r)
    };
    tasks(state, &ls, theme, frame, tasks_area);
    let default = Loadable::default();
    let l = state.data.runs.get(&ls).unwrap_or(&default);
    let mut what = format!("Runs · {name}");
    if !state.logs.is_empty() {
        let n = state.logs.len();
        what.push_str(&format!(" · {n} log{} open (] shows)", if n == 1 { "" } else { "s" }));
    }
    let Some(inner) = framed(what, l, "task runs", state, theme, frame, area) else {
        return;
    };
    let runs = l.value.as_deref().unwrap_or(&[]);
    let Some((inner, shown, selected)) = table_window(state, Pane::Runs, runs.len(), theme, frame, inner) else {
        return;
    };
    let built: Vec<Row> = shown
        .iter()
        .map(|&i| &runs[i])
        .map(|r| {
            let p = &r.properties;
            let status = r.status();
            // Running runs tick; finished ones show how long they took. A run that was running
            // when a cached listing was read may have ended since: it shows how long it had run
            // by then, as a lower bound, instead of ticking as if it were known to still run.
            let (secs, at_least) = match (p.start_time, p.finish_time, l.cached.then_some(l.loaded_at).flatten()) {
                (Some(s), Some(f), _) => (Some((f - s).num_seconds()), false),
                (Some(s), None, Some(read)) if status.is_active() => (Some((read - s).num_seconds().max(0)), true),
                (Some(s), None, None) if status.is_active() => (Some((state.now - s).num_seconds()), false),
                _ => (None, false),
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
                Cell::from(
                    secs.map(|d| format!("{}{}", if at_least { "≥" } else { "" }, duration(d)))
                        .unwrap_or_else(|| "-".into()),
                ),
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
            (!state.tasks_focus).then_some(selected),
            theme,
        ),
        inner,
    );
}

/// What starts a task: commits, base image updates, timers (manual runs are always possible).
fn task_triggers(task: &crate::acr::model::Task) -> String {
    let Some(t) = &task.properties.trigger else {
        return "manual".into();
    };
    let mut kinds = Vec::new();
    let has = |key: &str| match t.get(key) {
        Some(serde_json::Value::Array(a)) => !a.is_empty(),
        Some(serde_json::Value::Object(_)) => true,
        _ => false,
    };
    if has("sourceTriggers") {
        kinds.push("commit");
    }
    if has("baseImageTrigger") {
        kinds.push("base image");
    }
    if has("timerTriggers") {
        kinds.push("timer");
    }
    if kinds.is_empty() {
        "manual".into()
    } else {
        kinds.join(", ")
    }
}

/// The registry's tasks, with the outcome of each one's newest run.
fn tasks(state: &State, ls: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let default = Loadable::default();
    let l = state.data.tasks.get(ls).unwrap_or(&default);
    let hint = if state.tasks_focus {
        " enter shows its runs · ctrl-e runs it · l back "
    } else {
        " h: tasks "
    };
    let mut b = block(
        title("Tasks".into(), l, l.value.as_ref().map(Vec::len), state, theme),
        theme,
    )
    .title_bottom(Line::styled(hint, theme.muted));
    if !state.tasks_focus {
        b = b.border_style(theme.border);
    }
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let inner = banner(l, theme, frame, inner);
    let tasks = l.value.as_deref().unwrap_or(&[]);
    if tasks.is_empty() {
        let text = if l.loading {
            "Listing tasks…"
        } else {
            "No tasks in this registry."
        };
        return empty(text, theme, frame, inner);
    }
    let runs: &[crate::acr::model::Run] = state.data.runs.get(ls).and_then(|l| l.value.as_deref()).unwrap_or(&[]);
    let (start, end) = window(tasks.len(), state.tasks_cursor, inner.height.saturating_sub(1) as usize);
    let built: Vec<Row> = tasks[start..end]
        .iter()
        .map(|t| {
            // Runs are listed newest first: the first of this task's is its latest.
            let last = runs
                .iter()
                .find(|r| r.properties.task.as_deref() == Some(t.name.as_str()));
            let last = match last {
                Some(r) => {
                    let s = r.status();
                    Span::styled(format!("{} {}", r.run_id(), s), status_style(&s, theme))
                }
                None => Span::styled("-", theme.muted),
            };
            let enabled = t.properties.status.clone().unwrap_or_else(|| "-".into());
            Row::new(vec![
                Cell::from(t.name.clone()),
                Cell::from(Span::styled(
                    enabled.clone(),
                    if enabled.eq_ignore_ascii_case("enabled") {
                        theme.text
                    } else {
                        theme.muted
                    },
                )),
                Cell::from(task_triggers(t)),
                Cell::from(Line::from(last)),
            ])
        })
        .collect();
    frame.render_widget(
        table(
            &["TASK", "STATUS", "TRIGGERS", "LAST RUN"],
            vec![
                Constraint::Min(14),
                Constraint::Length(8),
                Constraint::Min(10),
                Constraint::Min(14),
            ],
            built,
            state
                .tasks_focus
                .then(|| state.tasks_cursor.min(end.saturating_sub(1)) - start),
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
}
