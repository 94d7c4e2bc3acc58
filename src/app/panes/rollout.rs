//! The rollout view: every registry at once, in stage order. Its runs table holds the newest
//! runs of all of them, newest first, with their stage; up to four pinned runs are followed in
//! log tiles; a feed lists what the runs pushed and what the webhooks reported pushed or
//! deleted, each pushed digest checked in the next stage. The runs are the shared listings the
//! watch keeps fresh (`State::runs`), the webhooks those of `app::hooks` (read on showing, not
//! on a timer), so this view adds no requests of its own at idle: only a tile's log and one
//! check per pushed digest.

use crate::acr::model::{Run, RunStatus};
use crate::acr::{Failure, RegistryRef};
use crate::app::log_view::{LogStatus, LogView};
use crate::app::signals;
use crate::app::table::{Table, keep};
use crate::app::{Effect, LogViewer, Pane, State};
use crate::keys::Command;
use crate::query::Query;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Log tiles shown at once.
pub const MAX_TILES: usize = 4;

/// Lines a tile holds: it shows the end of a log, the Runs pane the whole of it.
const TILE_LINES: usize = 2_000;

/// Pushes the feed shows.
pub const FEED_ITEMS: usize = 20;

#[derive(Debug, Clone, Default)]
pub struct RolloutPane {
    pub table: Table,
    /// The runs the table shows, newest first across every registry: (login server, index
    /// into that registry's runs). Rebuilt when a registry's runs are read.
    pub rows: Vec<(String, usize)>,
    /// Pinned runs, each followed live, oldest pin first.
    pub tiles: Vec<LogView>,
    /// Whether each pushed digest is in the next stage: (next stage's login server, repository,
    /// digest) → present, or why it could not be told; `None` while it is being read.
    pub presence: HashMap<(String, String, String), Option<Result<bool, Failure>>>,
}

/// One image pushed or deleted, for the feed: a run's output, or a registry's webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    pub login_server: String,
    pub registry: String,
    pub stage: Option<String>,
    /// `push` or `delete`.
    pub action: String,
    /// What reported it: `run co2`, `webhook deployprod`.
    pub by: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: String,
    pub at: Option<DateTime<Utc>>,
    /// The next stage's registry (login server, stage name), if there is one.
    pub next: Option<(String, String)>,
}

impl RolloutPane {
    /// The run of a row of `rows`.
    pub fn run<'a>(&self, state: &'a State, row: usize) -> Option<(&'a str, &'a Run)> {
        let (ls, i) = self.rows.get(row)?;
        let (key, listing) = state.runs.get_key_value(ls)?;
        Some((key.as_str(), listing.value.as_ref()?.get(*i)?))
    }
}

/// The registries in stage order: (login server, name, stage).
pub fn registries(state: &State) -> Vec<(String, String, Option<String>)> {
    state
        .registry_rows()
        .iter()
        .map(|r| {
            (
                r.registry.properties.login_server.clone(),
                r.registry.name.clone(),
                r.registry.stage().map(str::to_string),
            )
        })
        .collect()
}

/// The runs changed: the rows are put in order again, and the pushed digests not yet checked
/// in their next stage are checked.
pub fn runs_changed(state: &mut State) -> Vec<Effect> {
    let mut rows: Vec<(String, usize, Option<DateTime<Utc>>)> = state
        .runs
        .iter()
        .flat_map(|(ls, l)| {
            l.value
                .iter()
                .flatten()
                .enumerate()
                .map(move |(i, r)| (ls.clone(), i, r.properties.create_time))
        })
        .collect();
    // Newest first; equal times by registry, so the order never flickers between reads.
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    state.panes.rollout.rows = rows.into_iter().map(|(ls, i, _)| (ls, i)).collect();
    state.touch(Pane::Rollout);
    check_presence(state)
}

/// What was pushed and deleted, newest first, at most [`FEED_ITEMS`]: the images the runs
/// pushed, and the pushes and deletes the registries' webhooks delivered (a push a run made and
/// its webhook also reported is listed once, as the run's).
pub fn feed(state: &State) -> Vec<Push> {
    let order = registries(state);
    let next_of = |ls: &str| -> Option<(String, String)> {
        let i = order.iter().position(|(l, ..)| l == ls)?;
        let stage = order[i].2.as_ref()?;
        order[i + 1..]
            .iter()
            .find(|(_, _, s)| s.as_ref().is_some_and(|s| s != stage))
            .map(|(l, n, s)| (l.clone(), s.clone().unwrap_or_else(|| n.clone())))
    };
    let mut pushes: Vec<Push> = Vec::new();
    let mut seen: std::collections::HashSet<(String, String, String)> = Default::default();
    for (ls, name, stage) in &order {
        let next = next_of(ls);
        let push = |action: &str, by: String, repository: &str, tag: Option<String>, digest: &str, at| Push {
            login_server: ls.clone(),
            registry: name.clone(),
            stage: stage.clone(),
            action: action.to_string(),
            by,
            repository: repository.to_string(),
            tag,
            digest: digest.to_string(),
            at,
            next: (action == "push").then(|| next.clone()).flatten(),
        };
        for run in state.runs_of(ls) {
            if run.status() != RunStatus::Succeeded {
                continue;
            }
            for image in &run.properties.output_images {
                let (Some(repository), Some(digest)) = (&image.repository, &image.digest) else {
                    continue;
                };
                seen.insert((ls.clone(), repository.clone(), digest.clone()));
                pushes.push(push(
                    "push",
                    format!("run {}", run.run_id()),
                    repository,
                    image.tag.clone(),
                    digest,
                    run.properties.finish_time,
                ));
            }
        }
        let hooks = state
            .webhooks
            .get(ls)
            .and_then(|l| l.value.as_ref())
            .into_iter()
            .flatten();
        for w in hooks {
            for d in &w.deliveries {
                let (Some(repository), Some(digest)) = (&d.repository, &d.digest) else {
                    continue;
                };
                if !matches!(d.action.as_str(), "push" | "delete")
                    || (d.action == "push" && !seen.insert((ls.clone(), repository.clone(), digest.clone())))
                {
                    continue;
                }
                pushes.push(push(
                    &d.action,
                    format!("webhook {}", w.webhook.name),
                    repository,
                    d.tag.clone(),
                    digest,
                    d.at,
                ));
            }
        }
    }
    pushes.sort_by_key(|p| std::cmp::Reverse(p.at));
    pushes.truncate(FEED_ITEMS);
    pushes
}

/// Asks the next stage about every pushed digest of the feed not asked about yet.
pub fn check_presence(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    for push in feed(state) {
        let Some((next_ls, _)) = push.next else { continue };
        let key = (next_ls.clone(), push.repository.clone(), push.digest.clone());
        if state.panes.rollout.presence.contains_key(&key) {
            continue;
        }
        // Asked once; the answer replaces this mark.
        state.panes.rollout.presence.insert(key, None);
        effects.push(Effect::CheckManifest {
            login_server: next_ls,
            repository: push.repository,
            digest: push.digest,
        });
    }
    effects
}

/// Whether a digest is in a registry, as read.
pub fn presence_read(state: &mut State, key: (String, String, String), present: Result<bool, Failure>) {
    state.panes.rollout.presence.insert(key, Some(present));
}

pub fn filter(state: &State, query: &Query) -> Vec<usize> {
    let pane = &state.panes.rollout;
    let stages: HashMap<String, (String, Option<String>)> = registries(state)
        .into_iter()
        .map(|(ls, name, stage)| (ls, (name, stage)))
        .collect();
    keep(query, pane.rows.len(), &|i| {
        let Some((ls, r)) = pane.run(state, i) else {
            return (String::new(), vec![]);
        };
        let (name, stage) = stages.get(ls).cloned().unwrap_or_default();
        let stage = stage.unwrap_or_default();
        let task = r.properties.task.clone().unwrap_or_default();
        let status = r.status().to_string();
        let trigger = r.trigger().as_str().to_string();
        let text = format!("{stage} {name} {} {task} {status} {trigger}", r.run_id());
        (
            text,
            vec![
                ("stage", stage),
                ("registry", name),
                ("id", r.run_id().to_string()),
                ("task", task),
                ("status", status),
                ("trigger", trigger),
            ],
        )
    })
}

/// The run under the cursor: (login server, run id).
fn selected(state: &State) -> Option<(String, String)> {
    let row = state.selected_row(Pane::Rollout)?;
    let (ls, run) = state.panes.rollout.run(state, row)?;
    Some((ls.to_string(), run.run_id().to_string()))
}

/// `p`: pins the run under the cursor to a tile (followed live, its end signalled), or unpins
/// it. With every tile taken, the oldest finished one makes room; if none has finished, the
/// operator is told to unpin one.
pub fn toggle_pin(state: &mut State) -> Vec<Effect> {
    let Some((ls, run_id)) = selected(state) else {
        return vec![];
    };
    let pane = &mut state.panes.rollout;
    if let Some(i) = pane.tiles.iter().position(|t| t.is_for(&ls, &run_id)) {
        pane.tiles.remove(i);
        state.signals.watched.remove(&(ls.clone(), run_id.clone()));
        state.flash = Some((format!("unpinned run {run_id}"), false));
        return vec![Effect::CloseLog {
            viewer: LogViewer::Tile,
            login_server: ls,
            run_id,
        }];
    }
    let mut effects = Vec::new();
    if pane.tiles.len() >= MAX_TILES {
        match pane
            .tiles
            .iter()
            .position(|t| matches!(t.status, LogStatus::Complete(_)))
        {
            Some(i) => {
                let old = pane.tiles.remove(i);
                state
                    .signals
                    .watched
                    .remove(&(old.login_server.clone(), old.run_id.clone()));
                effects.push(Effect::CloseLog {
                    viewer: LogViewer::Tile,
                    login_server: old.login_server,
                    run_id: old.run_id,
                });
            }
            None => {
                state.flash = Some((
                    format!("{MAX_TILES} runs are pinned and still running: unpin one first (p on its row)"),
                    true,
                ));
                return vec![];
            }
        }
    }
    let Some(registry) = state.registry_by_login(&ls).and_then(|r| RegistryRef::parse(&r.id)) else {
        return effects;
    };
    let mut tile = LogView::new(ls.clone(), state.registry_name_of(&ls), run_id.clone());
    tile.capacity = TILE_LINES;
    state.panes.rollout.tiles.push(tile);
    state.signals.watched.insert((ls.clone(), run_id.clone()));
    state.flash = Some((
        format!("pinned run {run_id}: its log follows below, and its end is signalled"),
        false,
    ));
    effects.push(Effect::OpenLog {
        viewer: LogViewer::Tile,
        registry,
        login_server: ls,
        run_id,
    });
    effects
}

/// News from a tile's log follower; a tile unpinned meanwhile drops it.
pub fn on_log(state: &mut State, login_server: &str, run_id: &str, event: crate::acr::logs::LogEvent) -> Vec<Effect> {
    use crate::acr::logs::LogEvent;
    let now = state.now;
    let Some(tile) = state
        .panes
        .rollout
        .tiles
        .iter_mut()
        .find(|v| v.is_for(login_server, run_id))
    else {
        return vec![];
    };
    match event {
        LogEvent::Lines(lines) => tile.push(lines, now),
        LogEvent::Waiting => tile.status = LogStatus::Waiting,
        LogEvent::Retrying { error, .. } => tile.status = LogStatus::Retrying(error),
        LogEvent::Failed(e) => tile.status = LogStatus::Failed(e.to_string()),
        LogEvent::Complete(outcome) => {
            tile.status = LogStatus::Complete(outcome.clone());
            let mut effects = signals::watched_log_ended(state, login_server, run_id, &outcome);
            // The runs table should say so too.
            effects.extend(crate::app::watch::load(state, login_server));
            return effects;
        }
    }
    vec![]
}

/// The keys of this view before the shared ones. `None`: not this view's key.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    match command {
        Command::Pin => Some(toggle_pin(state)),
        _ => None,
    }
}

/// Every registry's runs read again (ctrl-r).
pub fn refresh(state: &mut State) -> Vec<Effect> {
    let all: Vec<String> = registries(state).into_iter().map(|(ls, ..)| ls).collect();
    all.iter().flat_map(|ls| crate::app::watch::load(state, ls)).collect()
}
