//! The one confirmation dialog, for every change: what will be done, exactly (the request a
//! lock sends; each import and promotion with its source, target, digest and mode); the
//! variants Tab chooses among; the protected registry whose name must be typed; the note for the
//! audit trail; why Enter did not go ahead; the keys. Red-framed when a protected registry or a
//! required note guards it.

use super::{Theme, centered};
use crate::app::confirmation::{Change, Confirmation};
use crate::app::mutation::Mutation;
use crate::app::panes::imports::ApproveItem;
use crate::app::panes::promotions::target_words;
use crate::promote::ResolvedStage;
use crate::promote::promotion::{Promotion, Verdict};
use crate::text::short_hex;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn draw(c: &Confirmation, theme: &Theme, frame: &mut Frame, area: Rect) {
    let border = if c.guarded() {
        theme.danger_border
    } else {
        theme.warning
    };
    let (title, width, mut lines) = match &c.change {
        Change::Mutation { options, chosen } => {
            let title = if c.protected.is_some() {
                " Confirm a change to PRODUCTION "
            } else {
                " Confirm a change "
            };
            (title, 100, mutation_lines(options, *chosen, theme))
        }
        Change::Imports(items) => (" Approve imports ", 110, import_lines(items, c.note_required, theme)),
        Change::Promotions { promotions, stages } => (" Promote ", 120, promotion_lines(promotions, stages, theme)),
        Change::Gate { lines, .. } => (
            " Two-person rule ",
            110,
            lines.iter().map(|l| Line::styled(l.clone(), theme.text)).collect(),
        ),
    };
    if let Some(name) = &c.protected {
        lines.push(Line::styled(
            format!("{name} is a protected registry: type its name to confirm."),
            theme.danger,
        ));
        lines.push(Line::from(vec![
            Span::raw("name: "),
            Span::styled(
                format!("{}{}", c.typed, if c.typing_name { "▏" } else { "" }),
                if c.name_typed() { theme.ok } else { theme.warning },
            ),
        ]));
        lines.push(Line::raw(""));
    }
    if c.note.is_some() {
        let label = if c.note_required {
            "Note for the audit trail (required):"
        } else {
            "Note for the audit trail:"
        };
        lines.push(Line::styled(label, theme.muted));
    }
    // A change to one registry fits the screen's width; the lists of imports and promotions keep
    // a column of the pane beside them.
    let width = match c.change {
        Change::Mutation { .. } => area.width.min(width),
        _ => width.min(area.width.saturating_sub(2)),
    };
    // Long lines wrap: count the rows they take (word wrapping may need one more), so the note
    // and the keys at the bottom are never cut off.
    let inner_width = width.saturating_sub(2).max(1) as usize;
    let text_rows: usize = lines
        .iter()
        .map(|l| match l.width() {
            w if w <= inner_width => 1,
            w => w.div_ceil(inner_width) + 1,
        })
        .sum();
    let note_rows = if c.note.is_some() { 3 } else { 0 };
    // Only a dialog with a note says why Enter did not go ahead; a change to one registry shows
    // what is missing in its keys line.
    let error_rows = u16::from(c.note.is_some());
    let height = text_rows as u16 + note_rows + error_rows + 1 + 2;
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(title, border));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text_area, note_area, error_area, keys_area] = Layout::vertical([
        Constraint::Length(text_rows as u16),
        Constraint::Length(note_rows),
        Constraint::Length(error_rows),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    if let Some(note) = &c.note {
        let mut note = note.clone();
        let focus = if c.typing_name {
            theme.border
        } else {
            theme.border_focus
        };
        note.set_block(Block::bordered().border_style(focus));
        frame.render_widget(&note, note_area);
    }
    if let Some(e) = &c.error {
        frame.render_widget(Paragraph::new(Line::styled(e.clone(), theme.danger)), error_area);
    }
    frame.render_widget(Paragraph::new(keys(c, theme)), keys_area);
}

/// Enter (what it does, or what is missing first), Tab where it does something, Esc.
fn keys(c: &Confirmation, theme: &Theme) -> Line<'static> {
    let go = match &c.change {
        Change::Mutation { .. } if !c.name_typed() => "(type the name first)   ",
        Change::Mutation { .. } => "confirm   ",
        Change::Imports(_) => "approve and import   ",
        Change::Promotions { .. } => "promote   ",
        Change::Gate { .. } if !c.name_typed() => "(type the name first)   ",
        Change::Gate { .. } => "go ahead   ",
    };
    let mut keys = vec![Span::styled(" enter ", theme.key), Span::styled(go, theme.text)];
    if c.protected.is_some() && c.note.is_some() {
        keys.push(Span::styled(" tab ", theme.key));
        keys.push(Span::raw("note / name   "));
    }
    keys.push(Span::styled(" esc ", theme.key));
    keys.push(Span::raw("cancel"));
    Line::from(keys)
}

/// What a lock, unlock, run cancel or scheduled run does, the exact request, and the variants.
fn mutation_lines(options: &[Mutation], chosen: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(m) = options.get(chosen).or(options.first()) else {
        return vec![];
    };
    let mut lines = vec![
        Line::styled(format!("About to {}.", m.describe()), theme.text),
        Line::raw(""),
        Line::styled("Request:", theme.muted),
        Line::styled(m.request(), theme.key),
        Line::raw(""),
    ];
    if options.len() > 1 {
        let mut spans = vec![Span::styled("Tab chooses: ", theme.muted)];
        for (i, o) in options.iter().enumerate() {
            let label = match o {
                Mutation::Locks { write, delete, .. } => match (write, delete) {
                    (true, true) => "write and delete",
                    (true, false) => "write only",
                    _ => "delete only",
                },
                _ => "this",
            };
            let style = if i == chosen { theme.selected } else { theme.muted };
            spans.push(Span::styled(format!(" {label} "), style));
        }
        lines.push(Line::from(spans));
        lines.push(Line::raw(""));
    }
    lines
}

/// Each import that will run (source, target, mode, lock after), then the lines skipped.
fn import_lines(items: &[ApproveItem], required: bool, theme: &Theme) -> Vec<Line<'static>> {
    let to_run = items.iter().filter(|i| i.skip.is_none()).count();
    let mut lines = vec![Line::styled(
        format!("Approve {to_run} import(s)? Each runs importImage, then is read back:"),
        theme.text,
    )];
    for item in items.iter().filter(|i| i.skip.is_none()) {
        let a = &item.approved;
        lines.push(Line::from(vec![
            Span::styled("  import ", theme.muted),
            Span::styled(a.entry.source.to_string(), theme.key),
            Span::styled(format!("  ({}:{})", item.file, a.entry.line), theme.muted),
        ]));
        lines.push(Line::from(vec![
            Span::styled("      to ", theme.muted),
            Span::styled(format!("{}/{}", item.login_server, a.entry.target()), theme.key),
            Span::styled(format!("  in {}", item.registry_name), theme.muted),
            Span::styled(format!("  mode {}", a.mode.as_str()), theme.text),
        ]));
        if item.lock_after {
            lines.push(Line::styled(
                "    then locked against write and delete once verified (the file's lock_after_import)",
                theme.warning,
            ));
        }
        if a.mode.as_str() == "Force" {
            lines.push(Line::styled(
                format!(
                    "    Force: replaces the tag's current digest with the source's {}",
                    a.expected_digest
                        .as_deref()
                        .map(short_hex)
                        .unwrap_or_else(|| "?".into())
                ),
                theme.warning,
            ));
        }
    }
    let skipped: Vec<_> = items.iter().filter(|i| i.skip.is_some()).collect();
    if !skipped.is_empty() {
        lines.push(Line::raw(""));
        for item in skipped {
            lines.push(Line::styled(
                format!(
                    "  skip {} ({}:{}): {}",
                    item.approved.entry.target(),
                    item.file,
                    item.approved.entry.line,
                    item.skip.as_deref().unwrap_or("")
                ),
                theme.muted,
            ));
        }
    }
    lines.push(Line::raw(""));
    if required {
        lines.push(Line::styled(
            "A PRODUCTION registry is a target: the note is required.",
            theme.danger,
        ));
    }
    lines
}

/// Each promotion: the tag, the stages, source and target with the digest, and what will be
/// sent (or why not).
fn promotion_lines(promotions: &[Promotion], stages: &[ResolvedStage], theme: &Theme) -> Vec<Line<'static>> {
    let to_run = promotions
        .iter()
        .filter(|p| matches!(p.verdict, Verdict::Go(_)))
        .count();
    let mut lines = vec![Line::styled(
        format!("Promote {to_run} tag(s)? Each is imported by digest, read back and compared:"),
        theme.text,
    )];
    for p in promotions {
        let (Some(from), Some(to)) = (stages.get(p.source), stages.get(p.target)) else {
            continue;
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {}:{}", p.repository, p.tag), theme.key),
            Span::styled(format!("  {} → {}", from.stage.name, to.stage.name), theme.text),
        ]));
        lines.push(Line::styled(
            format!("    from {}/{}:{}", from.login_server, p.repository, p.tag),
            theme.muted,
        ));
        lines.push(Line::styled(format!("      at {}", p.digest), theme.key));
        lines.push(Line::styled(
            format!("    to   {} ({})", p.target_ref(stages), target_words(p)),
            theme.muted,
        ));
        let policy = &to.stage.policy;
        let lock = match (policy.lock_write, policy.lock_delete) {
            (true, true) => ", then lock write and delete",
            (true, false) => ", then lock write",
            (false, true) => ", then lock delete",
            _ => "",
        };
        lines.push(verdict_line(&p.verdict, lock, theme));
    }
    lines.push(Line::raw(""));
    lines
}

fn verdict_line(verdict: &Verdict, lock: &str, theme: &Theme) -> Line<'static> {
    let (text, style): (String, Style) = match verdict {
        Verdict::Go(mode) if mode.as_str() == "Force" => (
            format!("    importImage Force: REPLACES the tag's image{lock}"),
            theme.danger,
        ),
        Verdict::Go(mode) => (format!("    importImage {}{lock}", mode.as_str()), theme.ok),
        Verdict::NothingToDo => ("    nothing to do: the target has this digest".into(), theme.muted),
        Verdict::Refused(why) => (format!("    refused: {why}"), theme.danger),
    };
    Line::styled(text, style)
}
