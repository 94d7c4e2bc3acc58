//! Telling the operator what happened while they looked elsewhere: a run that failed in any
//! registry, a watched (pinned) run that ended, an image that reached production. Each signal
//! is a line in the status bar, and as the config says the terminal bell and a desktop
//! notification (OSC 9 / OSC 777, written by the loop). An event is signalled once: the keys of
//! what was signalled are kept in the cache, so a restart does not repeat them.

use super::{Effect, State};
use crate::acr::model::{Run, RunStatus};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet, VecDeque};

/// How many signalled events are remembered (the oldest are forgotten first).
const REMEMBERED: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    RunFailed,
    WatchedRunEnded,
    ProductionPush,
}

/// One thing worth telling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub kind: SignalKind,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Something went wrong (shown in the error colour).
    pub bad: bool,
}

/// What the signals know: the settings, the latest signal (in the status bar until the next),
/// the runs being watched, and what was signalled already.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub settings: crate::config::NotifyConfig,
    pub latest: Option<Signal>,
    /// How many signals came since the operator last pressed a key.
    pub unseen: usize,
    /// Runs pinned to be watched: (login server, run id).
    pub watched: HashSet<(String, String)>,
    signalled: HashSet<String>,
    order: VecDeque<String>,
}

impl Signals {
    /// The keys of what was signalled, oldest first, for the cache.
    pub fn remembered(&self) -> Vec<String> {
        self.order.iter().cloned().collect()
    }

    /// What an earlier session signalled.
    pub fn remember(&mut self, keys: impl IntoIterator<Item = String>) {
        for k in keys {
            self.mark(k);
        }
    }

    /// Marks an event signalled; false if it was already.
    fn mark(&mut self, key: String) -> bool {
        if !self.signalled.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        while self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.signalled.remove(&old);
            }
        }
        true
    }

    fn wanted(&self, kind: SignalKind) -> bool {
        match kind {
            SignalKind::RunFailed => self.settings.run_failed,
            SignalKind::WatchedRunEnded => self.settings.watched_run_ended,
            SignalKind::ProductionPush => self.settings.production_push,
        }
    }
}

/// Raises a signal for the event `key` unless it was raised before or its kind is switched off.
pub fn raise(state: &mut State, kind: SignalKind, key: String, text: String, bad: bool) -> Vec<Effect> {
    let signals = &mut state.signals;
    if !signals.wanted(kind) || !signals.mark(key) {
        return vec![];
    }
    signals.latest = Some(Signal {
        kind,
        text: text.clone(),
        at: state.now,
        bad,
    });
    signals.unseen += 1;
    let (bell, desktop) = (signals.settings.bell, signals.settings.desktop);
    if !bell && !desktop {
        return vec![];
    }
    vec![Effect::Notify {
        bell,
        desktop: desktop.then(|| ("acrdeck".to_string(), text)),
    }]
}

fn failed(s: &RunStatus) -> bool {
    matches!(s, RunStatus::Failed | RunStatus::Error | RunStatus::Timeout)
}

/// Judges a registry's runs just read against what was known before: a run that ended since
/// (seen running before, or new and finished after `since`) may be a failure, a watched run's
/// end, or a push to production. `since` is when the runs were last read (this session or the
/// cached one's); on a first read without one, the session's start, so that history is not
/// signalled as news.
pub fn runs_read(
    state: &mut State,
    login_server: &str,
    before: &HashMap<String, RunStatus>,
    since: Option<DateTime<Utc>>,
) -> Vec<Effect> {
    let since = since.unwrap_or(state.session_start);
    let name = state.registry_name_of(login_server);
    let stage = state
        .registry_by_login(login_server)
        .and_then(|r| r.stage())
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let production = state.is_production(login_server);
    let ended: Vec<Run> = state
        .runs_of(login_server)
        .iter()
        .filter(|r| {
            let status = r.status();
            !status.is_active()
                && match before.get(r.run_id()) {
                    Some(was) => was.is_active(),
                    None => r.properties.finish_time.is_some_and(|f| f > since),
                }
        })
        .cloned()
        .collect();
    let mut effects = Vec::new();
    for run in ended {
        let (id, status) = (run.run_id().to_string(), run.status());
        let task = run.properties.task.clone().unwrap_or_else(|| "run".into());
        if failed(&status) {
            let text = format!("run {id} of {task} {status} in {name}{stage}");
            effects.extend(raise(
                state,
                SignalKind::RunFailed,
                format!("failed:{login_server}/{id}"),
                text,
                true,
            ));
        }
        if state.signals.watched.contains(&(login_server.to_string(), id.clone())) {
            let text = format!("watched run {id} of {task} ended {status} in {name}{stage}");
            effects.extend(raise(
                state,
                SignalKind::WatchedRunEnded,
                format!("ended:{login_server}/{id}"),
                text,
                failed(&status),
            ));
        }
        if production && status == RunStatus::Succeeded {
            for image in &run.properties.output_images {
                let what = format!(
                    "{}:{}",
                    image.repository.as_deref().unwrap_or("?"),
                    image.tag.as_deref().unwrap_or("?")
                );
                let digest = image.digest.clone().unwrap_or_default();
                let short: String = digest.chars().take(19).collect();
                effects.extend(raise(
                    state,
                    SignalKind::ProductionPush,
                    format!("push:{login_server}/{what}@{digest}"),
                    format!("{what} ({short}) pushed to production {name} by run {id}"),
                    false,
                ));
            }
        }
    }
    effects
}

/// A watched run's log ended (its follower saw the run finish): said at once, before the next
/// read of the registry's runs would.
pub fn watched_log_ended(state: &mut State, login_server: &str, run_id: &str, outcome: &str) -> Vec<Effect> {
    if !state
        .signals
        .watched
        .contains(&(login_server.to_string(), run_id.to_string()))
    {
        return vec![];
    }
    let name = state.registry_name_of(login_server);
    let bad = !outcome.eq_ignore_ascii_case("succeeded");
    raise(
        state,
        SignalKind::WatchedRunEnded,
        format!("ended:{login_server}/{run_id}"),
        format!("watched run {run_id} ended {outcome} in {name}"),
        bad,
    )
}
