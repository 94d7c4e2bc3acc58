//! The Promotions pane (the stage board of a repository) and the promotion dialog.

use crate::app::panes::imports::RunState;
use crate::app::{Pane, State};
use crate::imports::execute::{Outcome, Step};
use crate::promote::board::{self, BoardRow, Mark};
use crate::text::short_hex;
use crate::ui::Theme;
use crate::ui::widgets::{block, empty, table, table_window, unchosen};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};

/// A board cell: the digest, its mark against the stage before, its locks.
fn cell<'a>(row: &BoardRow, stage: usize, theme: &Theme) -> Cell<'a> {
    let c = &row.cells[stage];
    let locks = match (c.write_locked, c.delete_locked) {
        (true, true) => " W D",
        (true, false) => " W",
        (false, true) => " D",
        _ => "",
    };
    let (mark, style) = match row.mark(stage) {
        Mark::First => (" ", theme.text),
        Mark::Same => ("=", theme.ok),
        Mark::Differs => ("≠", theme.warning),
        Mark::Missing => ("—", theme.muted),
    };
    match &c.digest {
        None => Cell::from(Span::styled("—", theme.muted)),
        Some(d) => Cell::from(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(short_hex(d).to_string(), style),
            Span::styled(locks.to_string(), theme.danger),
        ])),
    }
}

fn run_words(run: &RunState) -> String {
    match run {
        RunState::Waiting => "approved, waiting".into(),
        RunState::Running(Step::Requested) => "importImage sent".into(),
        RunState::Running(Step::Accepted { .. }) => "accepted".into(),
        RunState::Running(Step::Polling { polls }) => format!("importing ({polls}×)"),
        RunState::Running(Step::Verifying) => "reading back".into(),
        RunState::Running(Step::Locking) => "locking".into(),
        RunState::Done {
            outcome: Outcome::Imported { digest, locked, .. },
            ..
        } => format!(
            "promoted {}{}",
            short_hex(digest),
            if *locked { ", locked" } else { "" }
        ),
        RunState::Done {
            outcome: Outcome::Failed { error, .. },
            ..
        } if error.is_outcome_unknown() => format!("UNKNOWN: {error}"),
        RunState::Done {
            outcome: Outcome::Failed { error, .. },
            ..
        } => format!("FAILED: {error}"),
        RunState::Skipped(why) => format!("skipped: {why}"),
    }
}

pub fn promotions(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let p = &state.panes.promotions;
    let Some(repo) = &p.repository else {
        return unchosen(
            "Promotions",
            "Choose a repository: :board REPOSITORY (tab completes), or open one in the Repositories pane and press 8.",
            theme,
            frame,
            area,
        );
    };
    let b = block(title(state, repo, theme), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let inner = crate::ui::widgets::error_lines(banner(p, theme), frame, inner);
    let Some(board) = p.board.as_ref().filter(|b| !b.rows.is_empty()) else {
        let text = if p.loading || p.board.is_none() {
            format!("Reading {repo} in every stage…")
        } else {
            format!("{repo} has no tags in any stage.")
        };
        return empty(&text, theme, frame, inner);
    };
    let [table_area, legend_area, hint_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1), Constraint::Length(1)]).areas(inner);
    let Some((table_area, shown, selected)) =
        table_window(state, Pane::Promotions, board.rows.len(), theme, frame, table_area)
    else {
        return;
    };
    let column = p.column.min(board.stages.len().saturating_sub(1));
    frame.render_widget(board_table(state, board, column, &shown, selected, theme), table_area);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("= ", theme.ok),
            Span::styled("same digest as the stage before  ", theme.muted),
            Span::styled("≠ ", theme.warning),
            Span::styled("differs  ", theme.muted),
            Span::styled("— ", theme.muted),
            Span::styled("missing  ", theme.muted),
            Span::styled("W D ", theme.danger),
            Span::styled("write/delete locked", theme.muted),
        ])),
        legend_area,
    );
    frame.render_widget(
        Paragraph::new(Line::from(hints(state, board, column, theme))),
        hint_area,
    );
}

/// The pane's title: the repository, its stages, how complete and fresh the board is.
fn title<'a>(state: &State, repo: &str, theme: &Theme) -> Line<'a> {
    let p = &state.panes.promotions;
    let mut title = vec![Span::styled(format!(" Promotions · {repo} "), theme.tab_active)];
    if let Some(b) = &p.board {
        title.push(Span::styled(format!("· {} ", b.stages.join(" → ")), theme.muted));
        if b.matched > b.repositories.len() {
            title.push(Span::styled(
                format!(
                    "· PARTIAL: the first {} of {} repositories matching; narrow the pattern ",
                    b.repositories.len(),
                    b.matched
                ),
                theme.danger,
            ));
        } else if b.is_partial() {
            title.push(Span::styled("· PARTIAL ", theme.danger));
        }
    }
    if !p.selected.is_empty() {
        title.push(Span::styled(format!("· {} selected ", p.selected.len()), theme.key));
    }
    title.extend(crate::ui::widgets::freshness(
        p.loading,
        p.read_at,
        ("reading every stage", "read"),
        state,
        theme,
    ));
    Line::from(title)
}

/// What failed: the board as a whole, or a stage's column.
fn banner(p: &crate::app::panes::promotions::PromotionsState, theme: &Theme) -> Vec<Line<'static>> {
    let mut banner: Vec<Line> = Vec::new();
    if let Some(e) = &p.error {
        banner.push(Line::styled(format!("! {e}"), theme.danger));
    }
    if let Some(board) = &p.board {
        for (name, e) in board.stages.iter().zip(&board.errors) {
            if let Some(e) = e {
                banner.push(Line::styled(
                    format!("! {name} (its column is partial): {e}"),
                    theme.danger,
                ));
            }
        }
    }
    banner
}

/// The board's rows shown: selection mark, tag, a cell per stage, the promotion's progress.
fn board_table(
    state: &State,
    board: &board::Board,
    column: usize,
    shown: &[usize],
    selected: usize,
    theme: &Theme,
) -> ratatui::widgets::Table<'static> {
    let p = &state.panes.promotions;
    // A pattern's board names each row's repository.
    let several = board::is_pattern(&board.repository);
    let mut header: Vec<String> = vec![String::new(), "TAG".into()];
    for (i, s) in board.stages.iter().enumerate() {
        let locked = if board.repository_locked.get(i) == Some(&true) {
            " (repo W)"
        } else {
            ""
        };
        header.push(if i == column {
            format!("▸{}{locked}", s.to_uppercase())
        } else {
            format!(" {}{locked}", s.to_uppercase())
        });
    }
    header.push("PROMOTION".into());
    let built: Vec<Row> = shown
        .iter()
        .filter_map(|&i| board.rows.get(i))
        .map(|r| {
            let key = (r.repository.clone(), r.tag.clone());
            let mark = if p.selected.contains(&key) { "●" } else { " " };
            let mut cells = vec![
                Cell::from(Span::styled(mark, theme.key)),
                Cell::from(if several {
                    format!("{}:{}", r.repository, r.tag)
                } else {
                    r.tag.clone()
                }),
            ];
            cells.extend((0..board.stages.len()).map(|s| cell(r, s, theme)));
            cells.push(match p.runs.get(&key) {
                Some((target, run)) => {
                    let failed = matches!(
                        run,
                        RunState::Done {
                            outcome: Outcome::Failed { .. },
                            ..
                        }
                    );
                    Cell::from(Span::styled(
                        format!("→ {target}: {}", run_words(run)),
                        if failed { theme.danger } else { theme.key },
                    ))
                }
                // A request for the image into a gated stage, and how it stands.
                None => match board
                    .stages
                    .iter()
                    .find_map(|s| crate::app::gate::mark(state, s, &r.repository, &r.tag).map(|m| (s, m)))
                {
                    Some((stage, (text, bad))) => Cell::from(Span::styled(
                        format!("request → {stage}: {text}"),
                        if bad { theme.danger } else { theme.warning },
                    )),
                    None => Cell::from(""),
                },
            });
            Row::new(cells)
        })
        .collect();
    let tag_width = board
        .rows
        .iter()
        .map(|r| {
            if several {
                r.repository.len() + 1 + r.tag.len()
            } else {
                r.tag.len()
            }
        })
        .max()
        .unwrap_or(3)
        .clamp(3, 40) as u16;
    let mut widths = vec![Constraint::Length(1), Constraint::Length(tag_width)];
    widths.extend(board.stages.iter().map(|_| Constraint::Length(19)));
    widths.push(Constraint::Min(10));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    table(&header_refs, widths, built, Some(selected), theme)
}

/// The pane's keys, with the promotion the cursor's column would make.
fn hints(state: &State, board: &board::Board, column: usize, theme: &Theme) -> Vec<Span<'static>> {
    use crate::keys::Command;
    let k = |c| state.keymap.label(c);
    let next = board.stages.get(column + 1);
    let mut hints = vec![
        Span::styled(format!(" {}/{} ", k(Command::Left), k(Command::Right)), theme.key),
        Span::styled("stage  ", theme.muted),
        Span::styled(format!(" {} ", k(Command::Select)), theme.key),
        Span::styled("select  ", theme.muted),
    ];
    if let (false, Some(next)) = (state.readonly, next) {
        hints.push(Span::styled(format!(" {} ", k(Command::Promote)), theme.key));
        hints.push(Span::styled(
            format!("promote {} → {next}  ", board.stages[column]),
            theme.muted,
        ));
    }
    hints.push(Span::styled(format!(" {} ", k(Command::Refresh)), theme.key));
    hints.push(Span::styled("re-read", theme.muted));
    hints
}
