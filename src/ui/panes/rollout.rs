//! The rollout view: a strip with each registry's state in stage order, every registry's runs
//! newest first, the feed of what was pushed and deleted (and whether the next stage has it),
//! and the pinned runs' log tiles.

use crate::app::data::{age, duration};
use crate::app::log_view::LogStatus;
use crate::app::panes::rollout::{Push, feed, registries};
use crate::app::{Pane, State};
use crate::keys::Command;
use crate::text::{fit, printable};
use crate::ui::Theme;
use crate::ui::widgets::*;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row};

/// Rows of a log tile, frame included.
const TILE_HEIGHT: u16 = 9;

pub fn rollout(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let pane = &state.panes.rollout;
    let tiles_height = if pane.tiles.is_empty() { 0 } else { TILE_HEIGHT };
    let [strip, middle, tiles] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(6),
        Constraint::Length(tiles_height),
    ])
    .areas(area);
    stages(state, theme, frame, strip);
    // The feed sits beside the runs on wide terminals, under them on narrow ones.
    let (runs_area, feed_area) = if middle.width >= 140 {
        let [r, f] = Layout::horizontal([Constraint::Min(80), Constraint::Length(58)]).areas(middle);
        (r, f)
    } else {
        let [r, f] = Layout::vertical([Constraint::Min(4), Constraint::Length(7)]).areas(middle);
        (r, f)
    };
    runs(state, theme, frame, runs_area);
    pushes(state, theme, frame, feed_area);
    if !pane.tiles.is_empty() {
        log_tiles(state, theme, frame, tiles);
    }
}

/// One cell per registry, in stage order: what runs there now, or how its newest run ended.
fn stages(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let regs = registries(state);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Line::styled(" Stages ", theme.tab_active));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if regs.is_empty() {
        let text = if state.registries.loading {
            "Listing registries…"
        } else {
            "No registries."
        };
        return empty(text, theme, frame, inner);
    }
    let mut spans = Vec::new();
    for (i, (ls, name, stage)) in regs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" → ", theme.muted));
        }
        let runs = state.runs_of(ls);
        let running = runs.iter().filter(|r| r.status().is_active()).count();
        let label = stage.clone().unwrap_or_else(|| name.clone());
        spans.push(Span::styled(printable(&label).into_owned(), theme.key));
        spans.push(Span::raw(" "));
        let listing = state.runs.get(ls);
        let (text, style) = if listing.is_some_and(|l| l.error.is_some()) {
            ("unreadable".to_string(), theme.danger)
        } else if running > 0 {
            (format!("● {running} running"), theme.warning)
        } else if let Some(newest) = runs.iter().find(|r| !r.status().is_active()) {
            let status = newest.status();
            (
                format!("{} {}", newest.run_id(), status),
                run_status_style(&status, theme),
            )
        } else if listing.is_none_or(|l| l.loading && l.value.is_none()) {
            ("reading…".to_string(), theme.muted)
        } else {
            ("no runs".to_string(), theme.muted)
        };
        spans.push(Span::styled(text, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), inner);
}

fn runs(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let pane = &state.panes.rollout;
    let total = pane.rows.len();
    let reading = state.runs.values().filter(|l| l.loading).count();
    let failed: Vec<String> = registries(state)
        .into_iter()
        .filter(|(ls, ..)| state.runs.get(ls).is_some_and(|l| l.error.is_some()))
        .map(|(_, name, _)| name)
        .collect();
    let mut title = vec![Span::styled(
        format!(" Runs · every registry · {total} "),
        theme.tab_active,
    )];
    if reading > 0 {
        title.push(Span::styled(format!("· reading {reading} "), theme.muted));
    }
    if !failed.is_empty() {
        // A registry whose runs could not be read is missing from the rows: say which.
        title.push(Span::styled(
            format!("· partial: {} unreadable ", failed.join(", ")),
            theme.danger,
        ));
    }
    let km = &state.keymap;
    let hint = format!(
        " {} pins a run's log · {} filters (stage:prod status:failed) · {} reads all ",
        km.label(Command::Pin),
        km.label(Command::Filter),
        km.label(Command::Refresh)
    );
    let b = block(Line::from(title), theme).title_bottom(Line::styled(hint, theme.muted));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if total == 0 {
        let text = if reading > 0 || state.registries.loading {
            "Reading every registry's runs…"
        } else {
            "No runs in any registry."
        };
        return empty(text, theme, frame, inner);
    }
    let Some((inner, shown, selected)) = table_window(state, Pane::Rollout, total, theme, frame, inner) else {
        return;
    };
    let names: std::collections::HashMap<String, (String, Option<String>)> = registries(state)
        .into_iter()
        .map(|(ls, name, stage)| (ls, (name, stage)))
        .collect();
    // The trigger only where there is room: the registry's name matters more.
    let wide = inner.width >= 100;
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Length(7),
        Constraint::Min(10),
        Constraint::Length(10),
    ];
    if wide {
        widths.push(Constraint::Length(12));
    }
    widths.extend([Constraint::Length(8), Constraint::Length(8), Constraint::Length(2)]);
    let cols = column_widths(inner, &widths);
    let built: Vec<Row> = shown
        .iter()
        .filter_map(|&i| pane.run(state, i))
        .map(|(ls, r)| {
            let p = &r.properties;
            let status = r.status();
            let (name, stage) = names.get(ls).cloned().unwrap_or_else(|| (ls.to_string(), None));
            let secs = match (p.start_time, p.finish_time) {
                (Some(s), Some(f)) => Some((f - s).num_seconds()),
                (Some(s), None) if status.is_active() => Some((state.now - s).num_seconds()),
                _ => None,
            };
            let pinned = pane.tiles.iter().any(|t| t.is_for(ls, r.run_id()));
            let mut cells = vec![
                Cell::from(fit(&stage.unwrap_or_default(), cols[0])),
                Cell::from(fit(&name, cols[1])),
                Cell::from(fit(r.run_id(), cols[2])),
                Cell::from(fit(p.task.as_deref().unwrap_or("(quick run)"), cols[3])),
                Cell::from(Span::styled(status.to_string(), run_status_style(&status, theme))),
            ];
            if wide {
                cells.push(Cell::from(r.trigger().as_str()));
            }
            cells.extend([
                Cell::from(age(p.start_time.or(p.create_time), state.now)),
                Cell::from(secs.map(duration).unwrap_or_else(|| "-".into())),
                Cell::from(Span::styled(if pinned { "◆" } else { "" }, theme.key)),
            ]);
            Row::new(cells)
        })
        .collect();
    let mut header = vec!["STAGE", "REGISTRY", "RUN", "TASK", "STATUS"];
    if wide {
        header.push("TRIGGER");
    }
    header.extend(["STARTED", "TOOK", ""]);
    frame.render_widget(table(&header, widths, built, Some(selected), theme), inner);
}

/// What was pushed and deleted, newest first, and whether the next stage has each pushed digest.
fn pushes(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let items = feed(state);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Line::styled(" Pushed and deleted ", theme.tab_active));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if items.is_empty() {
        return empty(
            "Nothing pushed yet by a run, nor reported by a webhook.",
            theme,
            frame,
            inner,
        );
    }
    let width = inner.width as usize;
    let lines: Vec<Line> = items
        .iter()
        .take(inner.height as usize)
        .map(|p| push_line(state, p, width, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn push_line(state: &State, p: &Push, width: usize, theme: &Theme) -> Line<'static> {
    let image = format!("{}:{}", p.repository, p.tag.as_deref().unwrap_or("-"));
    let digest: String = p.digest.trim_start_matches("sha256:").chars().take(12).collect();
    let (next_text, next_style) = match &p.next {
        None => ("last stage".to_string(), theme.muted),
        Some((next_ls, next_name)) => {
            let key = (next_ls.clone(), p.repository.clone(), p.digest.clone());
            match state.panes.rollout.presence.get(&key) {
                Some(Some(Ok(true))) => (format!("in {next_name}"), theme.ok),
                Some(Some(Ok(false))) => (format!("not in {next_name}"), theme.warning),
                Some(Some(Err(_))) => (format!("{next_name}: unreadable"), theme.danger),
                _ => (format!("{next_name}: checking…"), theme.muted),
            }
        }
    };
    let stage = p.stage.clone().unwrap_or_else(|| p.registry.clone());
    let head = format!("{} {stage} ", age(p.at, state.now));
    if p.action == "delete" {
        let room = width.saturating_sub(head.chars().count() + digest.len() + 9);
        return Line::from(vec![
            Span::styled(head, theme.muted),
            Span::styled("deleted ", theme.warning),
            Span::raw(format!("{} ", fit(&image, room.max(8)))),
            Span::styled(digest, theme.muted),
        ]);
    }
    let room = width.saturating_sub(head.chars().count() + digest.len() + next_text.chars().count() + 3);
    Line::from(vec![
        Span::styled(head, theme.muted),
        Span::raw(format!("{} ", fit(&image, room.max(8)))),
        Span::styled(format!("{digest} "), theme.muted),
        Span::styled(next_text, next_style),
    ])
}

/// The pinned runs, side by side, each showing the end of its log and how it stands.
fn log_tiles(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let tiles = &state.panes.rollout.tiles;
    let areas = Layout::horizontal(vec![Constraint::Ratio(1, tiles.len() as u32); tiles.len()]).split(area);
    for (tile, &rect) in tiles.iter().zip(areas.iter()) {
        let (state_text, style) = match &tile.status {
            LogStatus::Opening => ("opening".to_string(), theme.muted),
            LogStatus::Waiting => ("waiting for output".to_string(), theme.muted),
            LogStatus::Streaming => ("● live".to_string(), theme.warning),
            LogStatus::Retrying(e) => (format!("retrying: {e}"), theme.warning),
            LogStatus::Failed(e) => (format!("log unreadable: {e}"), theme.danger),
            LogStatus::Complete(outcome) => {
                let good = outcome.eq_ignore_ascii_case("succeeded");
                (format!("ended {outcome}"), if good { theme.ok } else { theme.danger })
            }
        };
        let title = format!(" {} · {} ", tile.registry_name, tile.run_id);
        let room = (rect.width as usize).saturating_sub(title.chars().count() + 4);
        let b = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Line::from(vec![
                Span::styled(fit(&title, rect.width.saturating_sub(2) as usize), theme.tab_active),
                Span::styled(format!("{} ", fit(&state_text, room)), style),
            ]));
        let inner = b.inner(rect);
        frame.render_widget(b, rect);
        let height = inner.height as usize;
        let start = tile.lines.len().saturating_sub(height);
        let lines: Vec<Line> = tile
            .lines
            .iter()
            .skip(start)
            .map(|l| Line::from(crate::ui::log_view::coloured(&l.text, theme)))
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
