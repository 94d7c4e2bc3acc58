//! The Runs pane: the chosen registry's runs beside its tasks, or the run log shown.

use crate::app::data::{Loadable, age, duration};
use crate::app::{Pane, State};
use crate::ui::Theme;
use crate::ui::widgets::*;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

pub fn runs(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(view) = state.panes.runs.log() {
        return crate::ui::log_view::log_view(view, state, theme, frame, area);
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
        .panes
        .runs
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
    let l = state.runs.get(&ls).unwrap_or(&default);
    let mut what = format!("Runs · {name}");
    if !state.panes.runs.logs.is_empty() {
        let n = state.panes.runs.logs.len();
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
                Cell::from(Span::styled(status.to_string(), run_status_style(&status, theme))),
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
            (!state.panes.runs.tasks_focus).then_some(selected),
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
    let l = state.panes.runs.tasks.get(ls).unwrap_or(&default);
    let hint = if state.panes.runs.tasks_focus {
        " enter shows its runs · ctrl-e runs it · l back "
    } else {
        " h: tasks "
    };
    let mut b = block(
        title("Tasks".into(), l, l.value.as_ref().map(Vec::len), state, theme),
        theme,
    )
    .title_bottom(Line::styled(hint, theme.muted));
    if !state.panes.runs.tasks_focus {
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
    let runs: &[crate::acr::model::Run] = state.runs.get(ls).and_then(|l| l.value.as_deref()).unwrap_or(&[]);
    let (start, end) = window(
        tasks.len(),
        state.panes.runs.tasks_cursor,
        inner.height.saturating_sub(1) as usize,
    );
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
                    Span::styled(format!("{} {}", r.run_id(), s), run_status_style(&s, theme))
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
                .panes
                .runs
                .tasks_focus
                .then(|| state.panes.runs.tasks_cursor.min(end.saturating_sub(1)) - start),
            theme,
        ),
        inner,
    );
}
