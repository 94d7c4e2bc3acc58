//! The Imports pane (each images.txt line, its plan, its import) and the approval dialog.

use crate::app::panes::imports::{ImportRow, RunState};
use crate::app::{Pane, State};
use crate::imports::execute::{Outcome, Step};
use crate::imports::plan::Status;
use crate::text::short_hex;
use crate::ui::Theme;
use crate::ui::widgets::{block, empty, table, table_window};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

fn age(state: &State, t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| format!(" · written {} ago", crate::app::data::age(Some(t), state.now)))
        .unwrap_or_default()
}

fn status_style(word: &str, theme: &Theme) -> Style {
    match word {
        "queued" | "drifted" => theme.warning,
        "present" | "imported" => theme.ok,
        "locked" | "invalid" | "failed" | "unknown" => theme.danger,
        "waiting" | "importing" => theme.key,
        _ => theme.muted,
    }
}

/// What the DETAIL column says about a row.
fn detail(state: &State, r: &ImportRow) -> String {
    if let Some(run) = &r.run {
        return match run {
            RunState::Waiting => "approved; waiting for a free slot".into(),
            RunState::Running(Step::Requested) => "importImage sent".into(),
            RunState::Running(Step::Accepted { request_id }) => format!(
                "accepted by the service{}",
                request_id
                    .as_deref()
                    .map(|id| format!(" (request {id})"))
                    .unwrap_or_default()
            ),
            RunState::Running(Step::Polling { polls }) => format!("the service is importing (checked {polls}×)"),
            RunState::Running(Step::Verifying) => "reading the tag back from the registry".into(),
            RunState::Running(Step::Locking) => "verified; locking the tag".into(),
            RunState::Done {
                outcome: Outcome::Imported { digest, locked, .. },
                audit_error,
            } => format!(
                "{} read back from the registry{}{}",
                short_hex(digest),
                if *locked { " · locked W D" } else { "" },
                audit_error
                    .as_ref()
                    .map(|e| format!(" · AUDIT RECORD FAILED: {e}"))
                    .unwrap_or_default()
            ),
            RunState::Done {
                outcome: Outcome::Failed { error, .. },
                ..
            } => error.to_string(),
            RunState::Skipped(why) => format!("not imported: {why}"),
        };
    }
    if let Some(p) = &r.problem {
        return p.clone();
    }
    match &r.plan {
        None => "planning…".into(),
        Some(Status::Queued) => "missing in the target: approve to import".into(),
        Some(Status::Present {
            digest,
            updated,
            source_digest,
        }) => format!(
            "{}{}{}",
            short_hex(digest),
            age(state, *updated),
            if source_digest.is_some() {
                " · same digest as the source"
            } else {
                ""
            }
        ),
        Some(Status::Drifted {
            digest, source_digest, ..
        }) => format!(
            "{} here, {} at the source: approving replaces it (Force)",
            short_hex(digest),
            short_hex(source_digest)
        ),
        Some(Status::Locked { digest, repository, .. }) => match (repository, digest.is_empty()) {
            (true, true) => "the repository is write-locked: an import would be refused".into(),
            (true, false) => format!("{} · the repository is write-locked", short_hex(digest)),
            (false, _) => format!("{} · write-locked: an import would be refused", short_hex(digest)),
        },
        Some(Status::Unknown { error }) => error.clone(),
    }
}

pub fn imports(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let im = &state.panes.imports;
    let b = block(title(state, theme), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);

    // Whole-plan and per-file errors first: they explain missing rows.
    let mut banner: Vec<Line> = Vec::new();
    if let Some(e) = &im.error {
        banner.push(Line::styled(format!("! {e}"), theme.danger));
    }
    for f in &im.files {
        if let Some(e) = &f.error {
            banner.push(Line::styled(format!("! {e}"), theme.danger));
        }
    }
    let inner = crate::ui::widgets::error_lines(banner, frame, inner);
    if im.rows.is_empty() {
        let text = if im.loading || im.planned_at.is_none() {
            "Reading the images files and planning them against their registries…"
        } else if im.files.is_empty() {
            "No images.txt files are configured: add [[images]] file = \"images.txt\" to the config."
        } else {
            "The images files hold no import lines."
        };
        return empty(text, theme, frame, inner);
    }
    let [table_area, detail_area, hint_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(3), Constraint::Length(1)]).areas(inner);
    let Some((table_area, shown, selected)) =
        table_window(state, Pane::Imports, im.rows.len(), theme, frame, table_area)
    else {
        return;
    };
    let built: Vec<Row> = shown
        .iter()
        .filter_map(|&i| im.rows.get(i))
        .map(|r| {
            let word = r.status_word();
            let picked = im.selected.contains(&r.key(&im.files));
            let file = im.files.get(r.file).map(|f| f.label.as_str()).unwrap_or("");
            let file = file.rsplit('/').next().unwrap_or(file);
            let (source, target) = match &r.entry {
                Some(e) => (e.source.to_string(), e.target()),
                None => (r.text.clone(), String::new()),
            };
            Row::new(vec![
                Cell::from(Span::styled(if picked { "●" } else { " " }, theme.key)),
                Cell::from(format!("{file}:{}", r.line)),
                Cell::from(Span::styled(word.to_uppercase(), status_style(word, theme))),
                Cell::from(source),
                Cell::from(target),
                Cell::from(detail(state, r)),
            ])
        })
        .collect();
    frame.render_widget(
        table(
            &["", "LINE", "STATUS", "SOURCE", "TARGET", "DETAIL"],
            vec![
                Constraint::Length(1),
                Constraint::Length(14),
                Constraint::Length(9),
                Constraint::Percentage(32),
                Constraint::Percentage(24),
                Constraint::Min(20),
            ],
            built,
            Some(selected),
            theme,
        ),
        table_area,
    );
    // The selected line in full: its text and what the DETAIL column had to cut.
    if let Some(r) = state.selected_row(Pane::Imports).and_then(|i| im.rows.get(i)) {
        let word = r.status_word();
        let text = Line::from(vec![
            Span::styled(format!("{} ", r.text), theme.text),
            Span::styled(format!("— {}", detail(state, r)), status_style(word, theme)),
        ]);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), detail_area);
    }
    frame.render_widget(Paragraph::new(Line::from(hints(state, theme))), hint_area);
}

/// The pane's title: where each file imports to, the counts by status, the selection, freshness.
fn title(state: &State, theme: &Theme) -> Line<'static> {
    let im = &state.panes.imports;
    let mut title = vec![Span::styled(" Imports ", theme.tab_active)];
    let targets: Vec<String> = im
        .files
        .iter()
        .map(|f| {
            let name = f
                .login_server
                .as_ref()
                .map(|ls| state.registry_name_of(ls))
                .unwrap_or_else(|| f.registry.clone());
            format!("{} → {name}", f.label.rsplit('/').next().unwrap_or(&f.label))
        })
        .collect();
    if !targets.is_empty() {
        title.push(Span::styled(format!("· {} ", targets.join(", ")), theme.muted));
    }
    let counts: Vec<String> = im.counts().iter().map(|(w, n)| format!("{n} {w}")).collect();
    if !counts.is_empty() {
        title.push(Span::styled(format!("· {} ", counts.join(", ")), theme.text));
    }
    if !im.selected.is_empty() {
        title.push(Span::styled(format!("· {} selected ", im.selected.len()), theme.key));
    }
    title.extend(crate::ui::widgets::freshness(
        im.loading,
        im.planned_at,
        ("planning", "planned"),
        state,
        theme,
    ));
    Line::from(title)
}

/// The pane's keys (approving only outside read-only sessions).
fn hints(state: &State, theme: &Theme) -> Vec<Span<'static>> {
    let k = |c| state.keymap.label(c);
    use crate::keys::Command;
    let mut hints = vec![
        Span::styled(format!(" {} ", k(Command::Select)), theme.key),
        Span::styled("select  ", theme.muted),
        Span::styled(format!(" {} ", k(Command::SelectAll)), theme.key),
        Span::styled("all/none  ", theme.muted),
    ];
    if !state.readonly {
        hints.push(Span::styled(format!(" {} ", k(Command::Approve)), theme.key));
        hints.push(Span::styled("approve  ", theme.muted));
    }
    hints.push(Span::styled(format!(" {} ", k(Command::Refresh)), theme.key));
    hints.push(Span::styled("re-plan", theme.muted));
    hints
}
