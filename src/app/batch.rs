//! What imports and promotions share: a batch of approved changes run in the background, each
//! item's state, and the dashboard jobs that stand for the batch.

use super::{Job, JobId};
use crate::acr::Failure;
use crate::imports::execute::{Outcome, Step};
use std::collections::BTreeMap;

/// Where an approved item (an import, a promotion) stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    Waiting,
    Running(Step),
    Done {
        outcome: Outcome,
        audit_error: Option<Failure>,
    },
    Skipped(String),
}

/// One change of a batch ended: true when it was the last, its jobs then leaving the dashboard's
/// list (quitting no longer warns about them).
pub fn end_one(all: &mut BTreeMap<JobId, Job>, running: &mut usize, jobs: &mut Vec<JobId>) -> bool {
    *running = running.saturating_sub(1);
    if *running > 0 {
        return false;
    }
    for job in jobs.drain(..) {
        all.remove(&job);
    }
    true
}
