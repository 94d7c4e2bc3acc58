//! What every pane draws with: a framed table of only the rows that fit, its title with the
//! freshness and completeness of what it shows, the error banner, the `/` filter line.

use super::Theme;
use crate::app::data::{Loadable, age};
pub use crate::app::table::window;
use crate::app::{Pane, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

/// A count with thousands separated: `100,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A read's progress: `12,000 of ~100,000` when the service said how many to expect, else
/// `12,000`.
fn progress(read: usize, expected: Option<u64>) -> String {
    match expected {
        Some(total) if total > 0 => format!("{} of ~{}", thousands(read as u64), thousands(total)),
        _ => thousands(read as u64),
    }
}

/// The title of a pane showing a listing: what, where, how many, how fresh; while pages
/// arrive, how many came (of how many expected).
pub fn listing_title<'a, I>(what: String, l: &Loadable<Vec<I>>, state: &State, theme: &Theme) -> Line<'a> {
    let count = l.value.as_ref().map(Vec::len);
    let Some(read) = l.progress().filter(|_| l.loading) else {
        return title(what, l, count, state, theme);
    };
    let mut spans = vec![Span::styled(format!(" {what}"), theme.tab_active)];
    let verb = match count {
        // The rows shown are the read's own: they are the count.
        Some(shown) if shown == read => "reading…",
        Some(shown) => {
            spans.push(Span::styled(
                format!(" ({})", thousands(shown as u64)),
                theme.tab_active,
            ));
            "refreshing…"
        }
        None => "reading…",
    };
    spans.push(Span::styled(
        format!(" · {verb} {} ", progress(read, l.expected)),
        theme.warning,
    ));
    Line::from(spans)
}

/// The pane's title: what, where, how many, how fresh.
pub fn title<'a, T>(what: String, l: &Loadable<T>, count: Option<usize>, state: &State, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(format!(" {what}"), theme.tab_active)];
    if let Some(n) = count {
        spans.push(Span::styled(format!(" ({})", thousands(n as u64)), theme.tab_active));
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
pub fn freshness(
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
pub fn error_lines(lines: Vec<Line<'static>>, frame: &mut Frame, area: Rect) -> Rect {
    if lines.is_empty() {
        return area;
    }
    let h = (lines.len() as u16 * 2).min(area.height / 2);
    let [top, rest] = Layout::vertical([Constraint::Length(h), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), top);
    rest
}

pub fn banner<T>(l: &Loadable<T>, theme: &Theme, frame: &mut Frame, area: Rect) -> Rect {
    let Some(e) = l.error.as_ref().map(ToString::to_string) else {
        return area;
    };
    let height = (e.chars().count() as u16 / area.width.max(1) + 1).min(4);
    let [top, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(format!("! {e}"), theme.danger)).wrap(Wrap { trim: true }),
        top,
    );
    rest
}

pub fn empty(text: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new(Line::styled(text.to_string(), theme.muted)).wrap(Wrap { trim: true }),
        area,
    );
}

pub fn table(
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

/// The widths [`table`] gives its columns in `area`: to cut a long cell with `…`
/// ([`crate::text::fit`]) where it would otherwise just stop at the column's edge.
pub fn column_widths(area: Rect, widths: &[Constraint]) -> Vec<usize> {
    Layout::horizontal(widths.to_vec())
        .flex(ratatui::layout::Flex::Start)
        .spacing(1)
        .split(area)
        .iter()
        .map(|r| usize::from(r.width))
        .collect()
}

pub fn block<'a>(title: Line<'a>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(title)
}

/// The pane's `/` filter, when it has one or is being typed, on a line above the rows; says when
/// nothing matches. Returns the area left for the rows.
pub fn filter_line(
    state: &State,
    pane: Pane,
    shown: usize,
    total: usize,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> Option<Rect> {
    let text = state.table(pane).filter.clone();
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
/// The frame of a pane over every registry (webhooks, tokens): its title, the keys on its bottom
/// edge, the first registry's error, and what to say while there is no row. `None`: no row to
/// draw.
#[allow(clippy::too_many_arguments)]
pub fn every_registry_frame(
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    title: Line<'static>,
    hint: String,
    overall: &Loadable<()>,
    (noun, count): (&str, usize),
) -> Option<Rect> {
    let b = block(title, theme).title_bottom(Line::styled(hint, theme.muted));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let inner = banner(overall, theme, frame, inner);
    if count > 0 {
        return Some(inner);
    }
    let text = if overall.loading || state.registries.loading {
        format!("Listing every registry's {noun}…")
    } else if state.registry_rows().is_empty() {
        "No registries yet: the Registries pane lists them.".to_string()
    } else {
        format!("No {noun} in any registry.")
    };
    empty(&text, theme, frame, inner);
    None
}

pub fn table_window(
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
pub fn unchosen(what: &str, hint: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let b = block(Line::styled(format!(" {what} "), theme.tab_active), theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    empty(hint, theme, frame, inner);
}

/// Draws a pane's frame (title with freshness) and its error banner. Returns the area for the
/// rows, or `None` when there are no rows and it said so instead.
pub fn framed<T>(
    what: String,
    l: &Loadable<Vec<T>>,
    noun: &str,
    state: &State,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> Option<Rect> {
    let b = block(listing_title(what, l, state, theme), theme);
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

/// A run's status in its colour: green done, red failed, yellow still going.
pub fn run_status_style(s: &crate::acr::model::RunStatus, theme: &Theme) -> ratatui::style::Style {
    use crate::acr::model::RunStatus;
    match s {
        RunStatus::Succeeded => theme.ok,
        RunStatus::Failed | RunStatus::Error | RunStatus::Timeout => theme.danger,
        RunStatus::Running | RunStatus::Started | RunStatus::Queued => theme.warning,
        _ => theme.muted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn a_read_in_progress_shows_how_far_it_got() {
        let state = State::new(
            crate::app::Environment {
                name: "t".into(),
                detail: String::new(),
            },
            crate::keys::Keymap::default(),
            true,
        );
        let theme = Theme::monochrome();
        let text = |l: &Loadable<Vec<u32>>| {
            listing_title("Tags".into(), l, &state, &theme)
                .spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        let mut l: Loadable<Vec<u32>> = Loadable::default();
        l.expected = Some(100_000);
        let g = l.begin();
        assert_eq!(text(&l), " Tags · loading… ");
        l.take_page(g, (0..12_000).collect());
        assert_eq!(text(&l), " Tags · reading… 12,000 of ~100,000 ");
        l.finish(g, None, chrono::Utc::now());
        assert!(text(&l).starts_with(" Tags (12,000) · read"), "{}", text(&l));
        // A re-read keeps the rows shown and says how far it got.
        let g = l.begin();
        l.take_page(g, (0..3_000).collect());
        assert_eq!(text(&l), " Tags (12,000) · refreshing… 3,000 of ~100,000 ");
        l.expected = None;
        assert_eq!(text(&l), " Tags (12,000) · refreshing… 3,000 ");
    }

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
