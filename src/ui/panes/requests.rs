//! The Requests pane: every promotion request into a gated stage with where it stands, and the
//! selected one's note, reviews, the approvals that do not count (and why), its validation run.

use crate::app::data::age;
use crate::app::panes::requests::state_word;
use crate::app::{Pane, State};
use crate::keys::Command;
use crate::promote::approval::{Decision, Validation};
use crate::text::{fit, short_hex};
use crate::ui::Theme;
use crate::ui::widgets::{banner, block, column_widths, empty, table, table_window, title};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

pub fn requests(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let l = &state.requests;
    let rows: &[crate::app::data::RequestRow] = l.value.as_ref().map_or(&[], |r| &r.rows);
    let problems: &[String] = l.value.as_ref().map_or(&[], |r| &r.problems);
    let mut t = title("Promotion requests".into(), l, Some(rows.len()), state, theme);
    if !problems.is_empty() {
        t.spans.push(Span::styled(
            format!("· PARTIAL: {} ", problems.join("; ")),
            theme.danger,
        ));
    }
    let km = &state.keymap;
    let hint = format!(
        " {} approve · {} reject · {} run an approved one · {} reads again ",
        km.label(Command::Approve),
        km.label(Command::Reject),
        km.label(Command::Promote),
        km.label(Command::Refresh)
    );
    let b = block(t, theme).title_bottom(Line::styled(hint, theme.muted));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let inner = banner(l, theme, frame, inner);
    if rows.is_empty() {
        let text = if l.loading {
            "Reading the requests of every gated stage…"
        } else {
            "No promotion requests. A stage whose policy asks for approvals takes promotions through one: \
             ctrl-p on the Promotions board, or acrdeck promote request."
        };
        return empty(text, theme, frame, inner);
    }
    let chosen = state.selected_row(Pane::Requests).and_then(|i| rows.get(i));
    let detail_height = chosen.map_or(0, |r| {
        (r.found.reviews.len() + r.judgement.not_counted.len()) as u16 + 4
    });
    let [top, bottom] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length(detail_height.min(inner.height / 2)),
    ])
    .areas(inner);
    if let Some((inner, shown, sel)) = table_window(state, Pane::Requests, rows.len(), theme, frame, top) {
        let widths = vec![
            Constraint::Length(12),
            Constraint::Length(14),
            Constraint::Fill(2),
            Constraint::Length(12),
            Constraint::Fill(1),
            Constraint::Length(6),
            Constraint::Length(14),
            Constraint::Fill(3),
        ];
        let cols = column_widths(inner, &widths);
        let built: Vec<Row> = shown
            .iter()
            .map(|&i| {
                let r = &rows[i];
                let q = &r.found.request;
                let word = state_word(r);
                let style = match word {
                    "approved" | "promoted" => theme.ok,
                    "pending" => theme.warning,
                    _ => theme.danger,
                };
                let counts = match &r.judgement.state {
                    crate::promote::approval::State::Pending { approvals, needed }
                    | crate::promote::approval::State::Approved { approvals, needed } => {
                        format!("{word} {approvals}/{needed}")
                    }
                    _ => word.to_string(),
                };
                let now_text = r.judgement.refusal().unwrap_or_else(|| "may run".into());
                Row::new(vec![
                    Cell::from(short_hex(&r.found.id)),
                    Cell::from(fit(&format!("{} → {}", q.source_stage, q.target_stage), cols[1])),
                    Cell::from(fit(&format!("{}:{}", q.repository, q.tag), cols[2])),
                    Cell::from(short_hex(&q.digest)),
                    Cell::from(fit(&q.requester.name, cols[4])),
                    Cell::from(age(Some(q.created), state.now)),
                    Cell::from(Span::styled(counts, style)),
                    Cell::from(Span::styled(fit(&now_text, cols[7]), style)),
                ])
            })
            .collect();
        let header = [
            "REQUEST",
            "STAGES",
            "IMAGE",
            "DIGEST",
            "REQUESTER",
            "AGE",
            "STATE",
            "NOW",
        ];
        frame.render_widget(table(&header, widths, built, Some(sel), theme), inner);
    }
    if let Some(r) = chosen
        && bottom.height > 0
    {
        frame.render_widget(
            Paragraph::new(detail(r, state, theme)).wrap(Wrap { trim: false }),
            bottom,
        );
    }
}

/// The selected request: its note and expiry, the validation run, each review, what does not
/// count and why.
fn detail(r: &crate::app::data::RequestRow, state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let q = &r.found.request;
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} asked: ", q.requester.name), theme.muted),
        Span::raw(q.note.clone()),
        Span::styled(
            format!("  (expires {})", q.expires.format("%Y-%m-%d %H:%M UTC")),
            theme.muted,
        ),
    ])];
    let (text, style) = match &r.judgement.validation {
        Validation::NotRequired => ("validation: none required".to_string(), theme.muted),
        Validation::Passed { task, run_id, at } => (
            format!(
                "validation: {task} run {run_id} Succeeded {} ago and names this digest (enter: its log)",
                age(*at, state.now),
            ),
            theme.ok,
        ),
        Validation::Failed { task, run_id, status } => (
            format!("validation: {task} run {run_id} {status}; no successful run names this digest (enter: its log)"),
            theme.danger,
        ),
        Validation::Missing { task, within_hours } => (
            format!("validation: no successful {task} run names this digest in the last {within_hours} h"),
            theme.danger,
        ),
        Validation::Unreadable { task, error } => (format!("validation: {task} unreadable: {error}"), theme.warning),
    };
    lines.push(Line::styled(text, style));
    for v in &r.found.reviews {
        let (word, style) = match v.decision {
            Decision::Approve => ("approved", theme.ok),
            Decision::Reject => ("rejected", theme.danger),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {word} "), style),
            Span::raw(format!(
                "by {} {} ago: {}",
                v.reviewer.name,
                age(Some(v.at), state.now),
                v.note
            )),
        ]));
    }
    for (who, why) in &r.judgement.not_counted {
        lines.push(Line::styled(
            format!("  not counted: {}'s approval: {why}", who.name),
            theme.warning,
        ));
    }
    lines
}
