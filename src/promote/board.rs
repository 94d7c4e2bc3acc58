//! The stage board: for one repository, a row per tag and a column per stage with the digest the
//! tag has there, marked against the stage before: same digest, differs (drift), missing; and
//! locked. Read from every stage's registry, a stage whose listing failed says so.

use super::ResolvedStage;
use crate::acr::paging::collect;
use crate::acr::registry::TagOrder;
use crate::acr::{Acr, ErrorKind};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A tag in one stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// `None`: the tag is not in this stage.
    pub digest: Option<String>,
    pub write_locked: bool,
    pub delete_locked: bool,
    pub updated: Option<DateTime<Utc>>,
}

/// How a cell compares with the same tag in the stage before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The first stage: nothing to compare with.
    First,
    Same,
    /// A digest other than the previous stage's (or the previous stage lacks the tag).
    Differs,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    pub tag: String,
    pub cells: Vec<Cell>,
}

impl BoardRow {
    pub fn mark(&self, stage: usize) -> Mark {
        let here = &self.cells[stage].digest;
        match (stage, here) {
            (_, None) => Mark::Missing,
            (0, Some(_)) => Mark::First,
            (i, Some(d)) if self.cells[i - 1].digest.as_deref() == Some(d.as_str()) => Mark::Same,
            _ => Mark::Differs,
        }
    }

    /// Newest write of the tag in any stage (rows are ordered by it, newest first).
    fn newest(&self) -> Option<DateTime<Utc>> {
        self.cells.iter().filter_map(|c| c.updated).max()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Board {
    pub repository: String,
    /// Stage names, in order.
    pub stages: Vec<String>,
    pub rows: Vec<BoardRow>,
    /// Per stage: why its column is incomplete, if it is (the board is then partial).
    pub errors: Vec<Option<String>>,
    /// Per stage: the whole repository is write-locked there.
    pub repository_locked: Vec<bool>,
}

impl Board {
    pub fn is_partial(&self) -> bool {
        self.errors.iter().any(Option::is_some)
    }
}

/// Reads `repository` in every stage.
pub async fn board(acr: &Acr, stages: &[ResolvedStage], repository: &str) -> Board {
    let columns = futures::future::join_all(stages.iter().map(|s| column(acr, s, repository))).await;
    let mut tags: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut repository_locked = Vec::new();
    for (i, (cells, locked, error)) in columns.into_iter().enumerate() {
        for (tag, cell) in cells {
            tags.entry(tag).or_insert_with(|| vec![Cell::default(); stages.len()])[i] = cell;
        }
        errors.push(error);
        repository_locked.push(locked);
    }
    let mut rows: Vec<BoardRow> = tags.into_iter().map(|(tag, cells)| BoardRow { tag, cells }).collect();
    rows.sort_by(|a, b| b.newest().cmp(&a.newest()).then_with(|| a.tag.cmp(&b.tag)));
    Board {
        repository: repository.to_string(),
        stages: stages.iter().map(|s| s.stage.name.clone()).collect(),
        rows,
        errors,
        repository_locked,
    }
}

/// One stage's tags of the repository: (tag, cell) pairs, whether the repository is locked, and
/// why the listing stopped early.
async fn column(acr: &Acr, stage: &ResolvedStage, repository: &str) -> (Vec<(String, Cell)>, bool, Option<String>) {
    let client = match acr.registry(&stage.login_server) {
        Ok(c) => c,
        Err(e) => return (vec![], false, Some(e.to_string())),
    };
    let repo_locked = match client.repository(repository).await {
        Ok(p) => !p.changeable_attributes.write_enabled,
        // Not in this stage at all: every cell is simply missing.
        Err(e) if e.kind == ErrorKind::NotFound => return (vec![], false, None),
        Err(e) => return (vec![], false, Some(e.to_string())),
    };
    let listed = collect(client.tags(repository, TagOrder::NewestFirst, 100)).await;
    let cells = listed
        .items
        .into_iter()
        .map(|t| {
            (
                t.name,
                Cell {
                    digest: Some(t.digest),
                    write_locked: repo_locked || !t.changeable_attributes.write_enabled,
                    delete_locked: !t.changeable_attributes.delete_enabled,
                    updated: t.last_update_time,
                },
            )
        })
        .collect();
    (cells, repo_locked, listed.error.map(|e| e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(d: Option<&str>) -> Cell {
        Cell {
            digest: d.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn marks_against_the_stage_before() {
        let row = BoardRow {
            tag: "1.5.0".into(),
            cells: vec![cell(Some("a")), cell(Some("a")), cell(Some("b")), cell(None)],
        };
        assert_eq!(
            (0..4).map(|i| row.mark(i)).collect::<Vec<_>>(),
            vec![Mark::First, Mark::Same, Mark::Differs, Mark::Missing]
        );
        let gap = BoardRow {
            tag: "x".into(),
            cells: vec![cell(None), cell(Some("a"))],
        };
        assert_eq!(gap.mark(1), Mark::Differs);
    }
}
