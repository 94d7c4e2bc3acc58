//! The frame around the panes: header, pane tabs, the pane's own area and the footer.

use super::Theme;
use crate::app::{Pane, State};
use crate::keys::Command;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn header(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let identity = match (&state.identity, &state.sign_in_error) {
        (Some(id), _) if id.tenant.is_empty() => id.principal.clone(),
        (Some(id), _) => format!("{} @ {}", id.principal, short_id(&id.tenant)),
        (None, Some(_)) => "SIGN-IN FAILED (see the Registries pane)".to_string(),
        (None, None) => "signing in…".to_string(),
    };
    let mut spans = vec![
        Span::styled(" acrdeck ", theme.header_title),
        Span::styled(
            format!(
                " {} · {} · {} ",
                state.environment.name, state.environment.detail, identity
            ),
            theme.header,
        ),
    ];
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let badge = if state.readonly { " READ-ONLY " } else { "" };
    let pad = (area.width as usize).saturating_sub(used + badge.len());
    spans.push(Span::styled(" ".repeat(pad), theme.header));
    if state.readonly {
        spans.push(Span::styled(badge, theme.badge_readonly));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.header), area);
}

/// A GUID's first block is enough to tell tenants apart on screen.
fn short_id(id: &str) -> String {
    match id.split_once('-') {
        Some((head, _)) if id.len() == 36 => format!("{head}…"),
        _ => id.to_string(),
    }
}

pub fn tabs(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    // Widest form that fits: long titles, then short ones, then short ones closer together,
    // then three letters for every pane but the current one. The panes without a number key
    // (reached by tab and the command line) give way first: past the long forms only the one
    // shown is listed, and `…` stands for the others.
    let listed = |i: usize, pane: Pane, form: usize| i < 10 || form < 2 || pane == state.pane;
    let title_of = |pane: Pane, form: usize| -> String {
        match form {
            0 => pane.title().to_string(),
            1 | 2 => pane.short_title().to_string(),
            _ if pane == state.pane => pane.short_title().to_string(),
            _ => pane.short_title().chars().take(3).collect(),
        }
    };
    let gap_of = |form: usize| if form < 2 { 2 } else { 1 };
    let hidden = |form: usize| Pane::ALL.iter().enumerate().any(|(i, p)| !listed(i, *p, form));
    let width = |form: usize| -> usize {
        let items: usize = Pane::ALL
            .iter()
            .enumerate()
            .filter(|(i, p)| listed(*i, **p, form))
            .map(|(i, p)| title_of(*p, form).chars().count() + if i < 10 { 2 } else { 0 } + gap_of(form))
            .sum();
        items + if hidden(form) { 1 } else { 0 } - if hidden(form) { 0 } else { gap_of(form) }
    };
    let form = (0..3).find(|f| width(*f) <= area.width as usize).unwrap_or(3);
    let gap = " ".repeat(gap_of(form));
    let mut spans = Vec::new();
    for (i, pane) in Pane::ALL.iter().enumerate() {
        if !listed(i, *pane, form) {
            continue;
        }
        let style = if *pane == state.pane {
            theme.tab_active
        } else {
            theme.tab
        };
        if i < 10 {
            spans.push(Span::styled(format!("{}", (i + 1) % 10), theme.key));
            spans.push(Span::styled(format!(" {}", title_of(*pane, form)), style));
        } else {
            spans.push(Span::styled(title_of(*pane, form), style));
        }
        spans.push(Span::raw(gap.clone()));
    }
    if hidden(form) {
        spans.push(Span::styled("…", theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn pane_body(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    match state.pane {
        Pane::Registries => super::panes::registries::registries(state, theme, frame, area),
        Pane::Repositories => super::panes::repositories::repositories(state, theme, frame, area),
        Pane::Tags => super::panes::tags::tags(state, theme, frame, area),
        Pane::Runs => super::panes::runs::runs(state, theme, frame, area),
        Pane::Locks => super::panes::locks::locks(state, theme, frame, area),
        Pane::CacheRules => super::panes::cache_rules::cache_rules(state, theme, frame, area),
        Pane::Imports => super::panes::imports::imports(state, theme, frame, area),
        Pane::Promotions => super::panes::promotions::promotions(state, theme, frame, area),
        Pane::Audit => super::panes::audit::audit(state, theme, frame, area),
        Pane::Rollout => super::panes::rollout::rollout(state, theme, frame, area),
        Pane::Webhooks => super::panes::webhooks::webhooks(state, theme, frame, area),
        Pane::Tokens => super::panes::tokens::tokens(state, theme, frame, area),
        Pane::Requests => super::panes::requests::requests(state, theme, frame, area),
    }
    breadcrumb(state, theme, frame, area);
}

/// Where the operator is, on the pane frame's bottom edge: `prod · contosoprod › apps/web › 1.4.1`.
fn breadcrumb(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    if !matches!(
        state.pane,
        Pane::Repositories | Pane::Tags | Pane::Locks | Pane::CacheRules | Pane::Runs
    ) || area.height < 3
    {
        return;
    }
    let Some(ls) = &state.nav.registry else { return };
    let row = state.current_registry();
    let mut parts: Vec<String> = vec![row.map(|r| r.registry.name.clone()).unwrap_or_else(|| ls.clone())];
    match state.pane {
        Pane::Tags => {
            if let Some(repo) = &state.nav.repository {
                parts.push(repo.clone());
            }
            if state.panes.tags.detail
                && let (Some(repo), Some(i)) = (&state.nav.repository, state.selected_row(Pane::Tags))
                && let Some(t) = state
                    .panes
                    .tags
                    .listings
                    .get(&(ls.clone(), repo.clone()))
                    .and_then(|l| l.value.as_ref()?.get(i))
            {
                parts.push(t.tag.name.clone());
            }
        }
        Pane::Runs => {
            parts.push("runs".into());
            if let Some(v) = state.panes.runs.log() {
                parts.push(format!("log {}", v.run_id));
            }
        }
        Pane::Locks => parts.push("locks".into()),
        Pane::CacheRules => parts.push("cache rules".into()),
        _ => {}
    }
    let stage = row
        .and_then(|r| r.registry.stage())
        .map(|s| format!("{s} · "))
        .unwrap_or_default();
    let text = format!(" {stage}{} · esc back ", parts.join(" › "));
    let width = (text.chars().count() as u16).min(area.width.saturating_sub(4));
    let rect = Rect {
        x: area.x + 2,
        y: area.y + area.height - 1,
        width,
        height: 1,
    };
    frame.render_widget(Paragraph::new(Line::styled(text, theme.muted)), rect);
}

pub fn footer(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    // The command line takes the footer while it is typed.
    if let Some(line) = state.modal.command_line() {
        let mut spans = vec![
            Span::styled(":", theme.key),
            Span::styled(line.text.clone(), theme.text),
            Span::styled("▏", theme.key),
        ];
        match &line.hint {
            Some(h) => spans.push(Span::styled(
                format!("   {h}"),
                if line.error { theme.danger } else { theme.muted },
            )),
            None => spans.push(Span::styled("   tab completes · enter goes · esc cancels", theme.muted)),
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let km = &state.keymap;
    let mut spans = Vec::new();
    for (command, what) in [
        (Command::Help, "help"),
        (Command::NextPane, "next pane"),
        (Command::Pane(0), "…"),
        (Command::Quit, "quit"),
    ] {
        let label = if command == Command::Pane(0) {
            format!("{}-{}", km.label(Command::Pane(0)), km.label(Command::Pane(9)))
        } else {
            km.label(command)
        };
        let what = if command == Command::Pane(0) { "panes" } else { what };
        spans.push(Span::styled(format!(" {label}"), theme.key));
        spans.push(Span::styled(format!(" {what} "), theme.footer));
    }
    // The last outcome replaces the hints: it is what the operator needs to read now.
    if let Some((text, error)) = &state.flash {
        spans = vec![Span::styled(
            format!(" {text}"),
            if *error { theme.danger } else { theme.ok },
        )];
    }
    // What happened elsewhere (a run failed, a push reached production) stays for ten minutes,
    // with its age, whichever pane is shown: in front, or after the outcome of a change.
    if let Some(signal) = &state.signals.latest
        && state.now - signal.at < chrono::Duration::minutes(10)
    {
        let style = if signal.bad { theme.danger } else { theme.ok };
        let more = match state.signals.unseen {
            0 | 1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        let mut lead = vec![Span::styled(
            format!(
                " ⚑ {} · {} ago{more} ",
                crate::text::printable(&signal.text),
                crate::app::data::age(Some(signal.at), state.now)
            ),
            style,
        )];
        if state.flash.is_some() {
            // The outcome of the operator's own action first: it is what they wait to read.
            spans.push(Span::styled(" │", theme.muted));
            spans.append(&mut lead);
        } else {
            spans = lead;
        }
    }
    if !state.jobs.is_empty() {
        let n = state.jobs.len();
        let text = format!(" {n} job{} running ", if n == 1 { "" } else { "s" });
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let pad = (area.width as usize).saturating_sub(used + text.len());
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled(text, theme.warning));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
