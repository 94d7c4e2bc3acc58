//! What every table pane has: a cursor, a `/` filter, and the rows it shows after filtering and
//! sorting, worked out once per change rather than on every key or frame (a table of 100,000
//! tags is not filtered again when the cursor moves).

use super::Nav;
use super::data::TagRow;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The selected row, as a position among the rows shown.
    pub cursor: usize,
    /// The `/` filter as typed.
    pub filter: String,
    /// Without a sort, rows keep the service's order (tags: newest first).
    pub sort: Option<Sort>,
    /// Bumped whenever the pane's rows (or their order) change.
    version: u64,
    shown: Option<(RowsKey, Vec<usize>)>,
}

/// What the rows shown depend on besides the rows themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsKey {
    filter: String,
    sort: Option<Sort>,
    nav: Nav,
    version: u64,
}

impl Table {
    /// Says that the pane's rows changed, so they are filtered again.
    pub fn touch(&mut self) {
        self.version += 1;
    }

    pub fn key(&self, nav: &Nav) -> RowsKey {
        RowsKey {
            filter: self.filter.clone(),
            sort: self.sort,
            nav: nav.clone(),
            version: self.version,
        }
    }

    /// The rows shown, when they were worked out for this key.
    pub fn shown(&self, key: &RowsKey) -> Option<&[usize]> {
        match &self.shown {
            Some((k, rows)) if k == key => Some(rows),
            _ => None,
        }
    }

    pub fn is_current(&self, key: &RowsKey) -> bool {
        self.shown(key).is_some()
    }

    pub fn set_shown(&mut self, key: RowsKey, rows: Vec<usize>) {
        self.shown = Some((key, rows));
    }

    /// Keeps the cursor on a row that exists.
    pub fn clamp(&mut self, rows: usize) {
        if self.cursor >= rows {
            self.cursor = rows.saturating_sub(1);
        }
    }
}

/// The first and one-past-last row on screen so that `selected` is visible in `height` rows.
pub fn window(len: usize, selected: usize, height: usize) -> (usize, usize) {
    if height == 0 || len == 0 {
        return (0, 0);
    }
    // A cursor left beyond the rows (a filter or a refresh shrank them) shows the last page.
    let selected = selected.min(len - 1);
    let start = if selected < height { 0 } else { selected + 1 - height };
    (start, (start + height).min(len))
}

/// How many table rows a terminal of `height` lines shows: all but the header, the tab bar,
/// the frame, the column header and the status line. (The renderer works it out from its
/// layout; this is for work that depends on what is on screen, such as reading details.)
pub fn rows_on_screen(height: u16) -> usize {
    usize::from(height.saturating_sub(6))
}

/// The rows of a list (`0..n`) that match a query, each row given as its search text and
/// columns.
pub fn keep(
    query: &crate::query::Query,
    n: usize,
    row: &dyn Fn(usize) -> (String, Vec<(&'static str, String)>),
) -> Vec<usize> {
    (0..n)
        .filter(|&i| {
            if query.is_empty() {
                return true;
            }
            let (text, fields) = row(i);
            query.matches(&text.to_lowercase(), |k| {
                fields.iter().find(|(f, _)| *f == k).map(|(_, v)| v.to_lowercase())
            })
        })
        .collect()
}

/// `yes`/`no` for a column that filters on a flag (`locked:yes`).
pub fn yes(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

/// `*` in a pane with a selection: selects every row shown, or, when they all are already,
/// clears the selection.
pub fn toggle_all<K: Ord>(selected: &mut BTreeSet<K>, shown: Vec<K>) {
    if !shown.is_empty() && shown.iter().all(|k| selected.contains(k)) {
        selected.clear();
    } else {
        selected.extend(shown);
    }
}

/// A table's sort: by which column, which way (only the Tags table sorts for now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: TagColumn,
    pub descending: bool,
}

/// The Tags table's sortable columns, in the order `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagColumn {
    Tag,
    Created,
    Updated,
    Size,
}

impl TagColumn {
    pub fn next(self) -> Option<TagColumn> {
        match self {
            TagColumn::Tag => Some(TagColumn::Created),
            TagColumn::Created => Some(TagColumn::Updated),
            TagColumn::Updated => Some(TagColumn::Size),
            TagColumn::Size => None,
        }
    }

    pub fn header(self) -> &'static str {
        match self {
            TagColumn::Tag => "TAG",
            TagColumn::Created => "CREATED",
            TagColumn::Updated => "UPDATED",
            TagColumn::Size => "SIZE",
        }
    }
}

impl Sort {
    /// Sorts row indices (stable: equal keys keep the service's order).
    pub fn apply(&self, shown: &mut [usize], rows: &[TagRow]) {
        let size = |i: usize| rows[i].manifest.as_ref().map(|m| m.image_size).unwrap_or(0);
        let column = self.column;
        let cmp = |a: &usize, b: &usize| match column {
            TagColumn::Tag => rows[*a].tag.name.cmp(&rows[*b].tag.name),
            TagColumn::Created => rows[*a].tag.created_time.cmp(&rows[*b].tag.created_time),
            TagColumn::Updated => rows[*a].tag.last_update_time.cmp(&rows[*b].tag.last_update_time),
            TagColumn::Size => size(*a).cmp(&size(*b)),
        };
        if self.descending {
            shown.sort_by(|a, b| cmp(b, a));
        } else {
            shown.sort_by(cmp);
        }
    }
}
