//! The stage board: for a repository (or every repository a pattern matches), a row per tag and
//! a column per stage with the digest the tag has there, marked against the stage before: same
//! digest, differs (drift), missing; and locked. Read from every stage's registry; a stage whose
//! listing failed says so.

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
    pub repository: String,
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

/// The most repositories one board reads: a pattern matching more says so rather than read
/// hundreds of repositories in four registries on every refresh.
pub const MAX_REPOSITORIES: usize = 40;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Board {
    /// The repository, or the pattern, the board is of.
    pub repository: String,
    /// The repositories on it (one, unless `repository` is a pattern).
    pub repositories: Vec<String>,
    /// A pattern matched more than `MAX_REPOSITORIES`: how many in all.
    pub matched: usize,
    /// Stage names, in order.
    pub stages: Vec<String>,
    pub rows: Vec<BoardRow>,
    /// Per stage: why its column is incomplete, if it is (the board is then partial).
    pub errors: Vec<Option<String>>,
    /// Per stage: the whole repository is write-locked there (a one-repository board).
    pub repository_locked: Vec<bool>,
}

impl Board {
    pub fn is_partial(&self) -> bool {
        self.errors.iter().any(Option::is_some) || self.matched > self.repositories.len()
    }
}

/// Whether a board argument is a pattern (`apps/*`) rather than one repository.
pub fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// The repositories a pattern matches in any stage, sorted; and why a stage could not be listed.
async fn matching(acr: &Acr, stages: &[ResolvedStage], pattern: &str) -> (Vec<String>, Vec<Option<String>>) {
    let lists = futures::future::join_all(stages.iter().map(|s| async move {
        match acr.registry(&s.login_server) {
            Ok(c) => collect(c.repositories(100))
                .await
                .into_result()
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }))
    .await;
    let mut all = std::collections::BTreeSet::new();
    let mut errors = Vec::new();
    for l in lists {
        match l {
            Ok(names) => {
                all.extend(names.into_iter().filter(|n| super::glob(pattern, n)));
                errors.push(None);
            }
            Err(e) => errors.push(Some(e)),
        }
    }
    (all.into_iter().collect(), errors)
}

/// Reads `repository` (or every repository the pattern matches, up to `MAX_REPOSITORIES`) in
/// every stage. Rows: by repository, then newest first.
pub async fn board(acr: &Acr, stages: &[ResolvedStage], repository: &str) -> Board {
    let (mut repositories, mut errors) = if is_pattern(repository) {
        matching(acr, stages, repository).await
    } else {
        (vec![repository.to_string()], vec![None; stages.len()])
    };
    let matched = repositories.len();
    repositories.truncate(MAX_REPOSITORIES);
    let mut rows = Vec::new();
    let mut repository_locked = vec![false; stages.len()];
    for repo in &repositories {
        let columns = futures::future::join_all(stages.iter().map(|s| column(acr, s, repo))).await;
        let mut tags: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
        for (i, (cells, locked, error)) in columns.into_iter().enumerate() {
            for (tag, cell) in cells {
                tags.entry(tag).or_insert_with(|| vec![Cell::default(); stages.len()])[i] = cell;
            }
            if let Some(e) = error {
                errors[i].get_or_insert(format!("{repo}: {e}"));
            }
            repository_locked[i] |= locked && repositories.len() == 1;
        }
        let mut repo_rows: Vec<BoardRow> = tags
            .into_iter()
            .map(|(tag, cells)| BoardRow {
                repository: repo.clone(),
                tag,
                cells,
            })
            .collect();
        repo_rows.sort_by(|a, b| b.newest().cmp(&a.newest()).then_with(|| a.tag.cmp(&b.tag)));
        rows.extend(repo_rows);
    }
    Board {
        repository: repository.to_string(),
        repositories,
        matched,
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
            repository: "apps/web".into(),
            tag: "1.5.0".into(),
            cells: vec![cell(Some("a")), cell(Some("a")), cell(Some("b")), cell(None)],
        };
        assert_eq!(
            (0..4).map(|i| row.mark(i)).collect::<Vec<_>>(),
            vec![Mark::First, Mark::Same, Mark::Differs, Mark::Missing]
        );
        let gap = BoardRow {
            repository: "apps/web".into(),
            tag: "x".into(),
            cells: vec![cell(None), cell(Some("a"))],
        };
        assert_eq!(gap.mark(1), Mark::Differs);
    }
}
