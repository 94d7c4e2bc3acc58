//! `update`: one action in, the state changed and the work it asks for out. Keys go to
//! `input`; each listing or outcome goes to the pane that shows it.

use super::mutation::Mutation;
use super::panes::{
    audit, cache_rules, imports, locks, promotions, registries, repositories, rollout, runs, tags, tokens,
};
use super::{Action, Effect, Modal, Pane, Refresh, State};
use crate::acr::Failure;
use std::time::Duration;

/// How often panes re-read, from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshRates {
    pub runs_active: Duration,
    pub runs_idle: Duration,
    pub listings: Duration,
}

impl Default for RefreshRates {
    fn default() -> Self {
        RefreshRates {
            runs_active: Duration::from_secs(3),
            runs_idle: Duration::from_secs(30),
            listings: Duration::from_secs(120),
        }
    }
}

/// What the dashboard does first: sign in and list the registries.
pub fn startup(state: &mut State) -> Vec<Effect> {
    let mut effects = vec![Effect::SignIn];
    effects.extend(registries::load(state));
    effects
}

/// Applies one action to the state and returns the work it asks for.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let touched = touched_panes(&action);
    // A change ended: the Audit pane, when shown, reads its outcome.
    let audited = matches!(
        action,
        Action::ImportDone { .. } | Action::PromotionDone { .. } | Action::Mutated { .. }
    );
    let mut effects = apply(state, action);
    if audited && state.pane == Pane::Audit && !state.panes.audit.loading {
        effects.extend(audit::load(state));
    }
    for pane in touched {
        state.touch(*pane);
    }
    // Rows are filtered and sorted here, once per change, not on every key or frame.
    state.sync_rows();
    // What is now on screen may need its details read (and what scrolled away no longer does).
    effects.extend(repositories::read_details_shown(state));
    effects
}

/// The panes whose rows an action's data changes.
fn touched_panes(action: &Action) -> &'static [Pane] {
    match action {
        Action::RegistriesLoaded { .. } | Action::UsageLoaded { .. } => &[Pane::Registries],
        Action::CacheRestored(_) => &[
            Pane::Registries,
            Pane::Repositories,
            Pane::Tags,
            Pane::Runs,
            Pane::Rollout,
        ],
        // Health marks are shown (and filtered on) in the Registries pane.
        Action::RepositoriesLoaded { .. } => &[Pane::Repositories, Pane::Registries],
        Action::RepositoryDetails { .. } => &[Pane::Repositories],
        Action::TagsLoaded { .. } | Action::TagsChecked { .. } => &[Pane::Tags, Pane::Registries],
        Action::TagManifests { .. } => &[Pane::Tags],
        Action::RunsLoaded { .. } => &[Pane::Runs, Pane::Rollout],
        Action::LocksFound { .. } | Action::LocksDone { .. } => &[Pane::Locks],
        Action::CacheRulesLoaded { .. } => &[Pane::CacheRules],
        Action::ReplicasLoaded { .. } => &[Pane::Registries],
        Action::WebhooksLoaded { .. } => &[Pane::Webhooks, Pane::Rollout],
        Action::TokensLoaded { .. } => &[Pane::Tokens],
        Action::RequestsLoaded { .. } => &[Pane::Requests, Pane::Promotions],
        Action::ImportsPlanned { .. } | Action::ImportStep { .. } | Action::ImportDone { .. } => &[Pane::Imports],
        Action::BoardLoaded { .. } | Action::PromotionStep { .. } | Action::PromotionDone { .. } => &[Pane::Promotions],
        Action::AuditLoaded(_) => &[Pane::Audit],
        _ => &[],
    }
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => {
            // The operator is looking: signals raised before this key are seen.
            state.signals.unseen = 0;
            super::input::on_key(state, key)
        }
        a @ (Action::ImportsPlanned { .. }
        | Action::ImportStep { .. }
        | Action::ImportDone { .. }
        | Action::ImportsChanged) => imports::apply(state, a),
        a @ Action::AuditLoaded(_) => audit::apply(state, a),
        a @ (Action::BoardLoaded { .. }
        | Action::PromotionsPlanned(_)
        | Action::PromotionStep { .. }
        | Action::PromotionDone { .. }) => promotions::apply(state, a),
        Action::RequestsLoaded { generation, result } => {
            super::gate::loaded(state, generation, result);
            vec![]
        }
        Action::GateDone { job, result } => super::gate::done(state, job, result),
        Action::Resize(cols, rows) => {
            state.size = (cols, rows);
            vec![]
        }
        Action::Signal(signal) => vec![Effect::Exit(signal.exit_code())],
        Action::Tick(now) => {
            state.now = now;
            vec![]
        }
        Action::CacheRestored(part) => {
            super::cached::restore(state, *part);
            vec![]
        }
        Action::SignedIn(result) => {
            match result {
                Ok(id) => {
                    state.identity = Some(super::Identity {
                        principal: id.principal,
                        tenant: id.tenant.unwrap_or_default(),
                    })
                }
                Err(e) => state.sign_in_error = Some(e),
            }
            vec![]
        }
        Action::LogSaved(result) => {
            state.flash = Some(match result {
                Ok((path, size)) => (
                    format!("saved the whole log ({}) to {path}", super::data::bytes(size)),
                    false,
                ),
                Err(e) => (format!("could not save the log: {e}"), true),
            });
            vec![]
        }
        Action::Log {
            viewer: super::LogViewer::Runs,
            login_server,
            run_id,
            event,
            ..
        } => runs::on_log(state, &login_server, &run_id, event),
        Action::Log {
            viewer: super::LogViewer::Tile,
            login_server,
            run_id,
            event,
            ..
        } => rollout::on_log(state, &login_server, &run_id, event),
        Action::Mutated { job, mutation, result } => mutated(state, job, mutation, result),
        Action::RefreshDue(Refresh::Registries) => registries::load(state),
        Action::RefreshDue(Refresh::Runs { login_server }) => super::watch::refresh_due(state, &login_server),
        Action::RefreshDue(Refresh::Tags {
            login_server,
            repository,
        }) => tags::check_due(state, login_server, repository),
        listing => listed(state, listing),
    }
}

/// A listing (or part of one) arrived: the pane that shows it takes it.
fn listed(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::RegistriesLoaded {
            page,
            registries: list,
            error,
        } => {
            let mut effects = registries::loaded(state, page, list, error);
            effects.extend(super::watch::watch_new(state));
            // A pane over every registry shown before they were known reads the new ones.
            match state.pane {
                Pane::Webhooks | Pane::Rollout => effects.extend(super::hooks::load(state, false)),
                Pane::Tokens => effects.extend(tokens::load(state, false)),
                _ => {}
            }
            effects
        }
        Action::UsageLoaded { .. }
        | Action::ReplicasLoaded { .. }
        | Action::WebhooksLoaded { .. }
        | Action::TokensLoaded { .. } => rollout_listed(state, action),
        Action::RepositoriesLoaded {
            login_server,
            page,
            names,
            error,
        } => {
            repositories::loaded(state, login_server, page, names, error);
            vec![]
        }
        Action::RepositoryDetails {
            login_server,
            details,
            error,
        } => {
            repositories::details(state, login_server, details, error);
            vec![]
        }
        Action::TagsLoaded {
            login_server,
            repository,
            page,
            tags: list,
            manifests,
            error,
        } => tags::loaded(state, (login_server, repository), page, list, manifests, error),
        Action::TagsChecked {
            login_server,
            repository,
            generation,
            newest,
            count,
        } => tags::checked(state, (login_server, repository), generation, newest, count),
        Action::TagManifests {
            login_server,
            repository,
            manifests,
            error,
        } => {
            tags::manifests_read(state, (login_server, repository), manifests, error);
            vec![]
        }
        Action::RunsLoaded {
            login_server,
            page,
            runs: list,
            error,
        } => {
            let last = page.last;
            let mut effects = super::watch::loaded(state, login_server, page, list, error);
            if last {
                effects.extend(rollout::runs_changed(state));
            }
            effects
        }
        Action::ManifestPresence { key, present } => {
            rollout::presence_read(state, key, present);
            vec![]
        }
        Action::TasksLoaded {
            login_server,
            page,
            tasks,
            error,
        } => {
            runs::tasks_loaded(state, login_server, page, tasks, error);
            vec![]
        }
        Action::LocksFound {
            login_server,
            generation,
            items,
            scanned,
            total,
        } => {
            locks::found(state, login_server, generation, items, (scanned, total));
            vec![]
        }
        Action::LocksDone {
            login_server,
            generation,
            error,
        } => {
            locks::done(state, login_server, generation, error);
            vec![]
        }
        Action::CacheRulesLoaded {
            login_server,
            page,
            rules,
            credentials,
            error,
        } => {
            cache_rules::loaded(state, login_server, page, rules, credentials, error);
            vec![]
        }
        _ => vec![],
    }
}

/// A registry's usage, or a listing of what operators check during a rollout besides runs
/// (replicas, webhooks, tokens), arrived.
fn rollout_listed(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::UsageLoaded { login_server, usage } => {
            registries::usage(state, &login_server, usage);
            vec![]
        }
        Action::ReplicasLoaded { login_server, replicas } => {
            registries::replicas(state, &login_server, replicas);
            vec![]
        }
        Action::WebhooksLoaded {
            login_server,
            page,
            webhooks: list,
            error,
        } => {
            let mut effects = super::hooks::loaded(state, login_server, page, list, error);
            effects.extend(rollout::check_presence(state));
            effects
        }
        Action::TokensLoaded {
            login_server,
            page,
            tokens: list,
            error,
        } => {
            tokens::loaded(state, login_server, page, list, error);
            vec![]
        }
        _ => vec![],
    }
}

/// A change ended: say how, and re-read what shows it from the registry (the truth, not what
/// was asked for).
fn mutated(state: &mut State, job: super::JobId, mutation: Mutation, result: Result<String, Failure>) -> Vec<Effect> {
    state.jobs.remove(&job);
    if state.jobs.is_empty() && matches!(state.modal, Modal::ConfirmQuit) {
        state.modal = Modal::None;
    }
    state.flash = Some(match &result {
        Ok(now) => (
            format!("done: {} — registry now reports {now}", mutation.describe()),
            false,
        ),
        Err(e) => (format!("failed: {e}"), true),
    });
    match mutation {
        Mutation::Locks { .. } => match state.pane {
            Pane::Tags => tags::load(state),
            Pane::Repositories => repositories::load(state),
            Pane::Locks => locks::load(state),
            _ => vec![],
        },
        Mutation::CancelRun { .. } | Mutation::ScheduleRun { .. } if state.pane == Pane::Runs => runs::load_runs(state),
        Mutation::PingWebhook { login_server, .. } => super::hooks::load_one(state, &login_server),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acr::model::ChangeableAttributes;
    use crate::app::data::LockedKind;
    use crate::app::mutation::LockTarget;
    use crate::app::{Environment, ExitSignal, Page};
    use crate::keys::Keymap;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn state() -> State {
        State::new(
            Environment {
                name: "demo".into(),
                detail: "test".into(),
            },
            Keymap::default(),
            false,
        )
    }

    fn key(c: char) -> Action {
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn special(code: KeyCode) -> Action {
        Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn registry(name: &str, stage: &str) -> crate::acr::model::Registry {
        serde_json::from_value(serde_json::json!({
            "id": format!("/subscriptions/s/resourceGroups/rg-{stage}/providers/Microsoft.ContainerRegistry/registries/{name}"),
            "name": name, "location": "westeurope", "tags": {"stage": stage},
            "sku": {"name": "Premium"}, "properties": {"loginServer": format!("{name}.azurecr.io")}
        }))
        .unwrap()
    }

    #[test]
    fn quit_when_idle_exits_at_once() {
        let mut s = state();
        assert_eq!(update(&mut s, key('q')), vec![Effect::Exit(0)]);
    }

    #[test]
    fn quit_with_work_in_flight_asks_first() {
        let mut s = state();
        s.start_job("import nginx:1.27 into prod");
        assert!(update(&mut s, key('q')).is_empty());
        assert!(matches!(s.modal, Modal::ConfirmQuit));
        assert!(update(&mut s, key('n')).is_empty());
        assert!(s.modal.is_none());
        update(&mut s, key('q'));
        assert_eq!(update(&mut s, key('y')), vec![Effect::Exit(0)]);
        // When the work finishes while the dialog is open, the dialog goes away by itself.
        let mut s2 = state();
        let j2 = s2.start_job("x");
        update(&mut s2, key('q'));
        let m = Mutation::Locks {
            login_server: "r".into(),
            registry_name: "r".into(),
            repository: "a".into(),
            target: LockTarget::Tag("1".into()),
            write: true,
            delete: true,
            lock: true,
        };
        update(
            &mut s2,
            Action::Mutated {
                job: j2,
                mutation: m,
                result: Ok("locked".into()),
            },
        );
        assert!(s2.modal.is_none());
    }

    #[test]
    fn signals_exit_with_the_shell_convention() {
        let mut s = state();
        assert_eq!(
            update(&mut s, Action::Signal(ExitSignal::Terminate)),
            vec![Effect::Exit(143)]
        );
    }

    #[test]
    fn panes_cycle_and_jump() {
        let mut s = state();
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        );
        assert_eq!(s.pane, Pane::Requests, "the last pane (no number key)");
        update(&mut s, special(KeyCode::Tab));
        assert_eq!(s.pane, Pane::Registries);
        update(&mut s, key('6'));
        assert_eq!(s.pane, Pane::Runs);
        update(&mut s, key('0'));
        assert_eq!(s.pane, Pane::Rollout);
    }

    #[test]
    fn help_takes_the_keys_while_open() {
        let mut s = state();
        update(&mut s, key('?'));
        assert!(matches!(s.modal, Modal::Help { .. }));
        update(&mut s, key('6'));
        assert_eq!(
            s.pane,
            Pane::Registries,
            "keys under the overlay do not reach the panes"
        );
        update(&mut s, special(KeyCode::Esc));
        assert!(s.modal.is_none());
        // q closes help rather than quitting: a reflexive q must not end the session.
        update(&mut s, key('?'));
        assert!(update(&mut s, key('q')).is_empty());
        assert!(s.modal.is_none());
    }

    #[test]
    fn startup_signs_in_and_lists_registries_then_reads_usage() {
        let mut s = state();
        assert_eq!(
            startup(&mut s),
            vec![Effect::SignIn, Effect::LoadRegistries { generation: 1 }]
        );
        assert!(s.registries.loading);
        let effects = update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(1),
                registries: vec![registry("acrprod", "prod"), registry("acrdev", "dev")],
                error: None,
            },
        );
        assert!(!s.registries.loading);
        assert_eq!(
            effects.iter().filter(|e| matches!(e, Effect::LoadUsage { .. })).count(),
            2
        );
        assert!(effects.contains(&Effect::RefreshLater {
            after: s.refresh.listings,
            refresh: Refresh::Registries
        }));
        let rows: Vec<&str> = s.registry_rows().iter().map(|r| r.registry.name.as_str()).collect();
        assert_eq!(rows, ["acrdev", "acrprod"], "stage order, not listing order");
    }

    #[test]
    fn enter_drills_down_and_esc_goes_back() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrdev", "dev"), registry("acrprod", "prod")],
                error: None,
            },
        );
        update(&mut s, key('j'));
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::LoadRepositories {
                login_server: "acrprod.azurecr.io".into(),
                generation: 1
            }]
        );
        assert_eq!(
            (s.pane, s.nav.registry.as_deref()),
            (Pane::Repositories, Some("acrprod.azurecr.io"))
        );
        update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: "acrprod.azurecr.io".into(),
                page: Page::whole(1),
                names: vec!["apps/api".into(), "apps/web".into()],
                error: None,
            },
        );
        update(&mut s, key('j'));
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::LoadTags {
                login_server: "acrprod.azurecr.io".into(),
                repository: "apps/web".into(),
                generation: 1
            }]
        );
        assert_eq!(s.pane, Pane::Tags);
        update(&mut s, special(KeyCode::Esc));
        assert_eq!(s.pane, Pane::Repositories);
        update(&mut s, special(KeyCode::Esc));
        assert_eq!(s.pane, Pane::Registries);
    }

    #[test]
    fn every_registrys_runs_are_watched_fast_while_active_whichever_pane_is_shown() {
        let mut s = state();
        let effects = update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrdev", "dev")],
                error: None,
            },
        );
        assert!(
            effects.iter().any(|e| matches!(e, Effect::LoadRuns { .. })),
            "the runs are read as soon as the registry is listed: {effects:?}"
        );
        // The Runs pane shows that read; it reads only the tasks.
        let effects = update(&mut s, key('6'));
        assert!(matches!(effects.as_slice(), [Effect::LoadTasks { .. }]), "{effects:?}");
        let run: crate::acr::model::Run =
            serde_json::from_value(serde_json::json!({"name": "cf1", "properties": {"status": "Running"}})).unwrap();
        let effects = update(
            &mut s,
            Action::RunsLoaded {
                login_server: "acrdev.azurecr.io".into(),
                page: Page::whole(1),
                runs: vec![run],
                error: None,
            },
        );
        assert_eq!(
            effects,
            vec![Effect::RefreshLater {
                after: s.refresh.runs_active,
                refresh: Refresh::Runs {
                    login_server: "acrdev.azurecr.io".into()
                }
            }]
        );
        update(&mut s, key('1'));
        assert!(
            matches!(
                update(
                    &mut s,
                    Action::RefreshDue(Refresh::Runs {
                        login_server: "acrdev.azurecr.io".into()
                    })
                )
                .as_slice(),
                [Effect::LoadRuns { .. }]
            ),
            "runs are read again with another pane shown: a failure there is signalled"
        );
    }

    #[test]
    fn the_answer_to_a_superseded_read_is_dropped() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrdev", "dev")],
                error: None,
            },
        );
        update(&mut s, key('6'));
        // Read again before the first read answered: only the second read's answer counts.
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
        );
        let run = |id: &str| -> crate::acr::model::Run {
            serde_json::from_value(serde_json::json!({"name": id, "properties": {"status": "Succeeded"}})).unwrap()
        };
        let old = update(
            &mut s,
            Action::RunsLoaded {
                login_server: "acrdev.azurecr.io".into(),
                page: Page::whole(1),
                runs: vec![run("old")],
                error: None,
            },
        );
        assert!(old.is_empty(), "no refresh is planned on a stale answer: {old:?}");
        assert!(s.runs["acrdev.azurecr.io"].loading);
        assert_eq!(s.row_count(Pane::Runs), 0);
        update(
            &mut s,
            Action::RunsLoaded {
                login_server: "acrdev.azurecr.io".into(),
                page: Page::whole(2),
                runs: vec![run("new")],
                error: None,
            },
        );
        let runs = s.runs_of("acrdev.azurecr.io");
        assert_eq!(runs.iter().map(|r| r.run_id()).collect::<Vec<_>>(), ["new"]);
        assert!(!s.runs["acrdev.azurecr.io"].loading);
    }

    #[test]
    fn a_failed_listing_marks_the_registry_unhealthy() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrdev", "dev")],
                error: None,
            },
        );
        update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: "acrdev.azurecr.io".into(),
                page: Page::whole(0),
                names: vec![],
                error: Some("403 Forbidden".into()),
            },
        );
        assert_eq!(s.registry_rows()[0].health, Some("403 Forbidden".into()));
    }

    fn tags_state(stage: &str) -> State {
        let mut s = state();
        s.stage_order = vec!["dev".into(), "prod".into()];
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrx", stage)],
                error: None,
            },
        );
        update(&mut s, special(KeyCode::Enter));
        update(
            &mut s,
            Action::RepositoriesLoaded {
                login_server: "acrx.azurecr.io".into(),
                page: Page::whole(1),
                names: vec!["apps/web".into()],
                error: None,
            },
        );
        update(&mut s, special(KeyCode::Enter));
        let tag: crate::acr::model::TagProperties =
            serde_json::from_value(serde_json::json!({"name": "1.0", "digest": "sha256:a"})).unwrap();
        update(
            &mut s,
            Action::TagsLoaded {
                login_server: "acrx.azurecr.io".into(),
                page: Page::whole(1),
                repository: "apps/web".into(),
                tags: vec![tag],
                manifests: vec![],
                error: None,
            },
        );
        s
    }

    #[test]
    fn locking_asks_first_and_production_needs_the_name_typed() {
        let mut s = tags_state("prod");
        assert!(update(&mut s, key('x')).is_empty());
        let c = s.modal.confirmation().cloned().expect("a confirmation");
        assert_eq!(c.protected.as_deref(), Some("acrx"), "production: its name is typed");
        assert!(
            c.mutation()
                .expect("a change to the registry")
                .request()
                .starts_with("PATCH https://acrx.azurecr.io/acr/v1/apps/web/_tags/1.0")
        );
        assert!(
            update(&mut s, special(KeyCode::Enter)).is_empty(),
            "not before the name is typed"
        );
        for ch in "acrx".chars() {
            update(&mut s, key(ch));
        }
        let effects = update(&mut s, special(KeyCode::Enter));
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::Mutate {
                    mutation: Mutation::Locks {
                        lock: true,
                        write: true,
                        delete: true,
                        ..
                    },
                    ..
                }]
            ),
            "{effects:?}"
        );
        assert_eq!(s.jobs.len(), 1, "work in flight while it runs");
        // The outcome re-reads the tags from the registry.
        let Effect::Mutate { job, mutation } = effects[0].clone() else {
            unreachable!()
        };
        let after = update(
            &mut s,
            Action::Mutated {
                job,
                mutation,
                result: Ok("write and delete disabled".into()),
            },
        );
        assert!(matches!(after.as_slice(), [Effect::LoadTags { .. }]));
        assert!(s.jobs.is_empty());
    }

    #[test]
    fn esc_cancels_and_dev_needs_no_typing() {
        let mut s = tags_state("dev");
        update(&mut s, key('x'));
        assert!(s.modal.confirmation().unwrap().protected.is_none());
        update(&mut s, special(KeyCode::Esc));
        assert!(s.modal.confirmation().is_none());
        update(&mut s, key('x'));
        assert!(matches!(
            update(&mut s, special(KeyCode::Enter)).as_slice(),
            [Effect::Mutate { .. }]
        ));
    }

    #[test]
    fn read_only_sessions_never_ask() {
        let mut s = tags_state("dev");
        s.readonly = true;
        assert!(update(&mut s, key('x')).is_empty());
        assert!(s.modal.confirmation().is_none());
        assert!(s.flash.as_ref().is_some_and(|(t, err)| *err && t.contains("read-only")));
    }

    #[test]
    fn a_filter_narrows_the_rows_and_enter_opens_the_row_shown() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrdev", "dev"), registry("acrprod", "prod")],
                error: None,
            },
        );
        update(&mut s, key('/'));
        for c in "stage:prod".chars() {
            update(&mut s, key(c));
        }
        update(&mut s, special(KeyCode::Enter));
        assert!(!matches!(s.modal, Modal::Filter));
        assert_eq!(s.visible(Pane::Registries), vec![1]);
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::LoadRepositories {
                login_server: "acrprod.azurecr.io".into(),
                generation: 1
            }],
            "the row shown, not the first row"
        );
        // Esc clears a filter before it goes back.
        update(&mut s, key('1'));
        update(&mut s, special(KeyCode::Esc));
        assert_eq!(s.visible(Pane::Registries), vec![0, 1]);
        assert_eq!(s.pane, Pane::Registries);
    }

    #[test]
    fn a_lock_scan_is_partial_until_it_ends_and_an_error_keeps_it_partial() {
        let mut s = tags_state("prod");
        let effects = update(&mut s, key('4'));
        assert_eq!(
            effects,
            vec![Effect::LoadLocks {
                login_server: "acrx.azurecr.io".into(),
                generation: 1
            }]
        );
        let item = |r: &str| super::super::data::LockedItem {
            kind: LockedKind::Tag,
            repository: r.into(),
            reference: "1.0".into(),
            attributes: ChangeableAttributes {
                write_enabled: false,
                ..Default::default()
            },
            tags: vec![],
        };
        update(
            &mut s,
            Action::LocksFound {
                login_server: "acrx.azurecr.io".into(),
                generation: 1,
                items: vec![item("b")],
                scanned: 1,
                total: 2,
            },
        );
        let l = &s.panes.locks.listings["acrx.azurecr.io"];
        assert!(l.loading, "still scanning");
        assert_eq!(s.row_count(Pane::Locks), 1, "shown as found");
        update(
            &mut s,
            Action::LocksFound {
                login_server: "acrx.azurecr.io".into(),
                generation: 1,
                items: vec![item("a")],
                scanned: 2,
                total: 2,
            },
        );
        update(
            &mut s,
            Action::LocksDone {
                login_server: "acrx.azurecr.io".into(),
                generation: 1,
                error: Some("HTTP 503".into()),
            },
        );
        let l = &s.panes.locks.listings["acrx.azurecr.io"];
        assert!(!l.loading && l.partial);
        let order: Vec<&str> = l
            .value
            .as_ref()
            .unwrap()
            .iter()
            .map(|i| i.repository.as_str())
            .collect();
        assert_eq!(order, ["a", "b"], "sorted once complete");
        // x on a lock row offers to unlock it.
        update(&mut s, key('x'));
        assert!(matches!(
            s.modal.confirmation().and_then(|c| c.mutation()),
            Some(Mutation::Locks { lock: false, .. })
        ));
    }

    #[test]
    fn tab_in_the_dialog_chooses_write_or_delete_only() {
        let mut s = tags_state("dev");
        update(&mut s, key('x'));
        update(&mut s, special(KeyCode::Tab));
        update(&mut s, special(KeyCode::Tab));
        let effects = update(&mut s, special(KeyCode::Enter));
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::Mutate {
                    mutation: Mutation::Locks {
                        write: false,
                        delete: true,
                        lock: true,
                        ..
                    },
                    ..
                }]
            ),
            "{effects:?}"
        );
        // X locks the manifest behind the tag.
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('X'), KeyModifiers::SHIFT)),
        );
        assert!(matches!(
            s.modal.confirmation().and_then(|c| c.mutation()),
            Some(Mutation::Locks {
                target: LockTarget::Manifest(d),
                ..
            }) if d == "sha256:a"
        ));
    }

    #[test]
    fn the_command_line_goes_to_a_registry_by_stage_and_to_tags_by_path() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrdev", "dev"), registry("acrprod", "prod")],
                error: None,
            },
        );
        update(&mut s, key(':'));
        for c in "tags prod/apps/web".chars() {
            update(&mut s, key(c));
        }
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::LoadTags {
                login_server: "acrprod.azurecr.io".into(),
                repository: "apps/web".into(),
                generation: 1
            }]
        );
        assert_eq!(s.pane, Pane::Tags);
        assert!(s.modal.command_line().is_none());
        update(&mut s, key(':'));
        for c in "registry nowhere".chars() {
            update(&mut s, key(c));
        }
        assert!(update(&mut s, special(KeyCode::Enter)).is_empty());
        let line = s.modal.command_line().cloned().expect("stays open on a mistake");
        assert!(
            line.error
                && line
                    .hint
                    .unwrap_or_default()
                    .contains("no registry is called `nowhere`")
        );
        update(&mut s, special(KeyCode::Esc));
        update(&mut s, key(':'));
        for c in "runs dev".chars() {
            update(&mut s, key(c));
        }
        let effects = update(&mut s, special(KeyCode::Enter));
        assert_eq!(s.nav.registry.as_deref(), Some("acrdev.azurecr.io"));
        // The runs are being read already (every registry's are watched): only the tasks.
        assert!(matches!(effects.as_slice(), [Effect::LoadTasks { .. }]), "{effects:?}");
    }

    #[test]
    fn sorting_cycles_columns_and_filters_are_worked_out_once_per_change() {
        let mut s = tags_state("dev");
        let tag = |n: &str, d: &str| -> crate::acr::model::TagProperties {
            serde_json::from_value(
                serde_json::json!({"name": n, "digest": d, "createdTime": format!("2026-01-0{d}T00:00:00Z")}),
            )
            .unwrap()
        };
        update(
            &mut s,
            Action::TagsLoaded {
                login_server: "acrx.azurecr.io".into(),
                page: Page::whole(1),
                repository: "apps/web".into(),
                tags: vec![tag("b", "3"), tag("c", "1"), tag("a", "2")],
                manifests: vec![],
                error: None,
            },
        );
        assert_eq!(s.visible(Pane::Tags).as_ref(), [0, 1, 2], "as listed");
        update(&mut s, key('s'));
        assert_eq!(s.visible(Pane::Tags).as_ref(), [2, 0, 1], "by name");
        update(&mut s, key('s'));
        assert_eq!(s.visible(Pane::Tags).as_ref(), [1, 2, 0], "by created");
        update(&mut s, key('S'));
        assert_eq!(s.visible(Pane::Tags).as_ref(), [0, 2, 1], "reversed");
        assert!(
            matches!(s.visible(Pane::Tags), std::borrow::Cow::Borrowed(_)),
            "served from the cache after an update"
        );
        s.table_mut(Pane::Tags).filter = "c".into();
        assert_eq!(s.visible(Pane::Tags).as_ref(), [1], "a stale cache is never used");
    }

    #[test]
    fn several_logs_stay_open_and_esc_keeps_following() {
        let mut s = state();
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrdev", "dev")],
                error: None,
            },
        );
        update(&mut s, key('6'));
        let run = |id: &str| -> crate::acr::model::Run {
            serde_json::from_value(serde_json::json!({"name": id, "properties": {"status": "Running", "task": "t"}}))
                .unwrap()
        };
        update(
            &mut s,
            Action::RunsLoaded {
                login_server: "acrdev.azurecr.io".into(),
                page: Page::whole(1),
                runs: vec![run("cf2"), run("cf1")],
                error: None,
            },
        );
        assert!(matches!(
            update(&mut s, special(KeyCode::Enter)).as_slice(),
            [Effect::OpenLog { .. }]
        ));
        update(&mut s, special(KeyCode::Esc));
        assert!(
            s.panes.runs.log().is_none() && s.panes.runs.logs.len() == 1,
            "back to the runs, log still open"
        );
        update(&mut s, key('j'));
        assert!(matches!(
            update(&mut s, special(KeyCode::Enter)).as_slice(),
            [Effect::OpenLog { .. }]
        ));
        assert_eq!(s.panes.runs.logs.len(), 2);
        update(&mut s, key(']'));
        assert_eq!(s.panes.runs.log().map(|v| v.run_id.as_str()), Some("cf2"));
        update(
            &mut s,
            Action::Log {
                viewer: crate::app::LogViewer::Runs,
                login_server: "acrdev.azurecr.io".into(),
                run_id: "cf1".into(),
                event: crate::acr::logs::LogEvent::Lines(vec!["while hidden".into()]),
                credit: Default::default(),
            },
        );
        assert_eq!(
            s.panes.runs.logs[1].lines.len(),
            1,
            "a log not shown still receives its lines"
        );
        let effects = update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)),
        );
        assert_eq!(
            effects,
            vec![Effect::CloseLog {
                viewer: crate::app::LogViewer::Runs,
                login_server: "acrdev.azurecr.io".into(),
                run_id: "cf2".into()
            }]
        );
        assert_eq!(s.panes.runs.logs.len(), 1);
    }

    /// A run as ARM lists it, created `minutes_ago` before `now`, finished when not active.
    fn run_at(id: &str, status: &str, now: chrono::DateTime<chrono::Utc>, minutes_ago: i64) -> crate::acr::model::Run {
        let created = now - chrono::Duration::minutes(minutes_ago);
        let finished =
            (!matches!(status, "Running" | "Queued")).then(|| (created + chrono::Duration::seconds(30)).to_rfc3339());
        serde_json::from_value(serde_json::json!({"name": id, "properties": {
            "runId": id, "status": status, "task": "smoke", "createTime": created.to_rfc3339(),
            "startTime": created.to_rfc3339(), "finishTime": finished}}))
        .unwrap()
    }

    fn runs_read(s: &mut State, ls: &str, runs: Vec<crate::acr::model::Run>) -> Vec<Effect> {
        let generation = s.runs.entry(ls.to_string()).or_default().begin();
        update(
            s,
            Action::RunsLoaded {
                login_server: ls.into(),
                page: Page::whole(generation),
                runs,
                error: None,
            },
        )
    }

    fn notified(effects: &[Effect]) -> bool {
        effects.iter().any(|e| matches!(e, Effect::Notify { bell: true, .. }))
    }

    #[test]
    fn a_run_failing_in_any_registry_is_signalled_once_and_history_never() {
        let mut s = two_stages();
        let now = s.now;
        s.session_start = now - chrono::Duration::minutes(1);
        // The first read: a failure from before the session is history.
        let e = runs_read(
            &mut s,
            "acrdev.azurecr.io",
            vec![run_at("co2", "Running", now, 0), run_at("co1", "Failed", now, 60)],
        );
        assert!(!notified(&e) && s.signals.latest.is_none(), "{e:?}");
        // The running one fails: said in the status bar and with the bell, whatever is shown.
        s.pane = Pane::Tags;
        let e = runs_read(
            &mut s,
            "acrdev.azurecr.io",
            vec![run_at("co2", "Failed", now, 0), run_at("co1", "Failed", now, 60)],
        );
        assert!(notified(&e), "{e:?}");
        let latest = s.signals.latest.clone().expect("a signal");
        assert!(
            latest.bad && latest.text.contains("run co2 of smoke Failed in acrdev (dev)"),
            "{latest:?}"
        );
        // Read again: the same failure is not signalled twice.
        let e = runs_read(
            &mut s,
            "acrdev.azurecr.io",
            vec![run_at("co2", "Failed", now, 0), run_at("co1", "Failed", now, 60)],
        );
        assert!(!notified(&e), "{e:?}");
        // Nor after a restart: what was signalled is remembered in the cache's head.
        let (head, _) = crate::app::cached::plan_save(&s, "scope", &Default::default());
        let mut again = state();
        again.signals.remember(head.signalled);
        assert!(
            crate::app::signals::raise(
                &mut again,
                crate::app::signals::SignalKind::RunFailed,
                "failed:acrdev.azurecr.io/co2".into(),
                "again".into(),
                true
            )
            .is_empty()
                && again.signals.latest.is_none()
        );
        // A kind switched off says nothing.
        s.signals.settings.run_failed = false;
        let e = runs_read(&mut s, "acrdev.azurecr.io", vec![run_at("co3", "Running", now, 0)]);
        assert!(!notified(&e));
        let e = runs_read(&mut s, "acrdev.azurecr.io", vec![run_at("co3", "Failed", now, 0)]);
        assert!(!notified(&e), "run_failed = false");
    }

    #[test]
    fn the_rollout_view_orders_every_registrys_runs_filters_by_stage_and_pins_tiles() {
        let mut s = two_stages();
        let now = s.now;
        runs_read(
            &mut s,
            "acrdev.azurecr.io",
            vec![run_at("cd2", "Running", now, 1), run_at("cd1", "Succeeded", now, 30)],
        );
        runs_read(&mut s, "acrprod.azurecr.io", vec![run_at("cp1", "Running", now, 5)]);
        s.pane = Pane::Rollout;
        let ids: Vec<String> = (0..s.panes.rollout.rows.len())
            .filter_map(|i| s.panes.rollout.run(&s, i).map(|(_, r)| r.run_id().to_string()))
            .collect();
        assert_eq!(ids, ["cd2", "cp1", "cd1"], "newest first across registries");
        s.table_mut(Pane::Rollout).filter = "stage:prod".into();
        s.touch(Pane::Rollout);
        s.sync_rows();
        assert_eq!(s.row_count(Pane::Rollout), 1);
        let effects = update(&mut s, key('p'));
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::OpenLog { viewer: crate::app::LogViewer::Tile, run_id, .. }] if run_id == "cp1"
            ),
            "{effects:?}"
        );
        assert!(
            s.signals
                .watched
                .contains(&("acrprod.azurecr.io".to_string(), "cp1".to_string()))
        );
        // The tile's log ends: the watched run's end is signalled at once.
        let e = update(
            &mut s,
            Action::Log {
                viewer: crate::app::LogViewer::Tile,
                login_server: "acrprod.azurecr.io".into(),
                run_id: "cp1".into(),
                event: crate::acr::logs::LogEvent::Complete("Succeeded".into()),
                credit: Default::default(),
            },
        );
        assert!(notified(&e), "{e:?}");
        assert!(
            s.signals
                .latest
                .as_ref()
                .is_some_and(|l| l.text.contains("watched run cp1") && !l.bad)
        );
        // p again unpins it and stops its follower (not the Runs pane's).
        assert_eq!(
            update(&mut s, key('p')),
            vec![Effect::CloseLog {
                viewer: crate::app::LogViewer::Tile,
                login_server: "acrprod.azurecr.io".into(),
                run_id: "cp1".into()
            }]
        );
        assert!(s.panes.rollout.tiles.is_empty());
    }

    #[test]
    fn the_home_pane_is_the_rollout_with_stages_or_what_the_config_names() {
        let mut c: crate::config::Config = toml::from_str(
            r#"
            [[stages]]
            name = "dev"
            registry = "acrdev.azurecr.io"
            [[stages]]
            name = "prod"
            registry = "acrprod.azurecr.io"
            "#,
        )
        .expect("config");
        assert_eq!(crate::app::home_pane(&c), (Pane::Rollout, None));
        c.ui.home = Some("cache rules".into());
        assert_eq!(crate::app::home_pane(&c), (Pane::CacheRules, None));
        c.ui.home = Some("dashboard".into());
        let (pane, problem) = crate::app::home_pane(&c);
        assert_eq!(pane, Pane::Rollout);
        assert!(problem.is_some_and(|p| p.contains("`dashboard` names no pane") && p.contains("rollout")));
        c.stages.truncate(1);
        c.ui.home = None;
        assert_eq!(crate::app::home_pane(&c).0, Pane::Registries);
    }

    fn webhook(name: &str, deliveries: Vec<crate::acr::model::Delivery>) -> crate::app::data::WebhookRow {
        crate::app::data::WebhookRow {
            webhook: serde_json::from_value(serde_json::json!({"id": format!("/x/webhooks/{name}"), "name": name,
                "location": "westeurope", "properties": {"status": "enabled", "scope": "apps/*", "actions": ["push", "delete"]}}))
            .unwrap(),
            host: Some("deploy.contoso.invalid".into()),
            deliveries,
            problem: None,
        }
    }

    fn delivery(
        id: &str,
        action: &str,
        tag: &str,
        at: chrono::DateTime<chrono::Utc>,
        status: u16,
    ) -> crate::acr::model::Delivery {
        crate::acr::model::Delivery {
            id: id.into(),
            at: Some(at),
            action: action.into(),
            repository: Some("apps/web".into()),
            tag: Some(tag.into()),
            digest: Some(format!("sha256:{tag}")),
            status: Some(status),
        }
    }

    fn two_stages() -> State {
        let mut s = state();
        s.stage_order = vec!["dev".into(), "prod".into()];
        update(
            &mut s,
            Action::RegistriesLoaded {
                page: Page::whole(0),
                registries: vec![registry("acrprod", "prod"), registry("acrdev", "dev")],
                error: None,
            },
        );
        s
    }

    #[test]
    fn webhooks_of_every_registry_failing_marked_pushes_in_the_feed_production_told_once_and_a_ping_asked() {
        let mut s = two_stages();
        let effects = crate::app::navigate::show(&mut s, Pane::Webhooks);
        assert_eq!(
            effects
                .iter()
                .filter(|e| matches!(e, Effect::LoadWebhooks { .. }))
                .count(),
            2,
            "every registry's webhooks are read: {effects:?}"
        );
        let now = s.now;
        let later = now + chrono::Duration::minutes(2);
        let load = |s: &mut State, ls: &str, rows| {
            let generation = s.webhooks.get(ls).map_or(0, |l| l.generation);
            update(
                s,
                Action::WebhooksLoaded {
                    login_server: ls.into(),
                    page: Page::whole(generation),
                    webhooks: rows,
                    error: None,
                },
            )
        };
        load(
            &mut s,
            "acrdev.azurecr.io",
            vec![webhook("deploydev", vec![delivery("e1", "push", "1.5.0", later, 503)])],
        );
        let before = now - chrono::Duration::hours(1);
        let e = load(
            &mut s,
            "acrprod.azurecr.io",
            vec![webhook(
                "deployprod",
                vec![
                    delivery("e3", "delete", "0.9.0", later, 200),
                    delivery("e2", "push", "1.4.1", later, 200),
                    delivery("e0", "push", "1.4.0", before, 200),
                ],
            )],
        );
        // Rows in stage order, the refused one failing.
        let rows = crate::app::panes::webhooks::rows(&s);
        let names: Vec<&str> = rows.iter().map(|(.., w)| w.webhook.name.as_str()).collect();
        assert_eq!(names, ["deploydev", "deployprod"]);
        assert!(rows[0].3.failing() && !rows[1].3.failing());
        // The push to production since the session began is told, the older one is history.
        assert!(notified(&e), "{e:?}");
        let latest = s.signals.latest.clone().expect("a signal");
        assert!(latest.text.contains("apps/web:1.4.1") && latest.text.contains("webhook deployprod"));
        assert_eq!(s.signals.unseen, 1);
        // Read again: not told twice.
        let generation = s.webhooks.get_mut("acrprod.azurecr.io").expect("read").begin();
        let again = update(
            &mut s,
            Action::WebhooksLoaded {
                login_server: "acrprod.azurecr.io".into(),
                page: Page::whole(generation),
                webhooks: vec![webhook("deployprod", vec![delivery("e2", "push", "1.4.1", later, 200)])],
                error: None,
            },
        );
        assert!(!notified(&again));
        // The feed has the pushes and the delete the webhooks reported (and the refused one:
        // a delivery refused by its receiver still says what the registry did).
        load(
            &mut s,
            "acrprod.azurecr.io",
            vec![webhook(
                "deployprod",
                vec![
                    delivery("e3", "delete", "0.9.0", later, 200),
                    delivery("e2", "push", "1.4.1", later, 200),
                ],
            )],
        );
        let feed = crate::app::panes::rollout::feed(&s);
        let items: Vec<(String, String, Option<String>)> = feed
            .iter()
            .map(|p| (p.action.clone(), p.by.clone(), p.tag.clone()))
            .collect();
        assert!(
            items.contains(&("delete".into(), "webhook deployprod".into(), Some("0.9.0".into()))),
            "{items:?}"
        );
        assert!(
            items.contains(&("push".into(), "webhook deploydev".into(), Some("1.5.0".into()))),
            "{items:?}"
        );
        let dev_push = feed.iter().find(|p| p.tag.as_deref() == Some("1.5.0")).unwrap();
        assert_eq!(
            dev_push.next.as_ref().map(|n| n.1.as_str()),
            Some("prod"),
            "checked in the next stage"
        );

        // ctrl-k on the dev hook asks first, with the exact request.
        s.pane = Pane::Webhooks;
        s.touch(Pane::Webhooks);
        s.sync_rows();
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL)),
        );
        let confirm = s.modal.confirmation().expect("a confirmation");
        let crate::app::confirmation::Change::Mutation { options, .. } = &confirm.change else {
            panic!("a mutation");
        };
        assert!(
            options[0].request().ends_with("/webhooks/deploydev/ping"),
            "{}",
            options[0].request()
        );
        // Its outcome: the registry's webhooks are read again, so the ping's event shows.
        let ping = options[0].clone();
        let e = update(
            &mut s,
            Action::Mutated {
                job: crate::app::JobId(99),
                mutation: ping,
                result: Ok("NOT delivered: the receiver answered 503 (ping event p1)".into()),
            },
        );
        assert!(
            e.iter()
                .any(|e| matches!(e, Effect::LoadWebhooks { login_server, .. } if login_server == "acrdev.azurecr.io")),
            "{e:?}"
        );
    }

    #[test]
    fn tokens_of_every_registry_warned_within_the_window_and_replicas_not_ready_count_in_health() {
        let mut s = two_stages();
        let now = s.now;
        let token = |name: &str, expiry: Option<chrono::DateTime<chrono::Utc>>| crate::app::data::TokenRow {
            token: serde_json::from_value(serde_json::json!({"id": format!("/x/tokens/{name}"), "name": name,
                "properties": {"status": "enabled", "scopeMapId": "/x/scopeMaps/push",
                "credentials": {"passwords": [{"name": "password1", "expiry": expiry.map(|e| e.to_rfc3339())}]}}}))
            .unwrap(),
            scope_map: Some("push".into()),
            permissions: vec![],
        };
        let effects = crate::app::navigate::show(&mut s, Pane::Tokens);
        assert_eq!(
            effects
                .iter()
                .filter(|e| matches!(e, Effect::LoadTokens { .. }))
                .count(),
            2
        );
        let generation = s.panes.tokens.listings["acrdev.azurecr.io"].generation;
        update(
            &mut s,
            Action::TokensLoaded {
                login_server: "acrdev.azurecr.io".into(),
                page: Page::whole(generation),
                tokens: vec![
                    token("ci", Some(now + chrono::Duration::days(3))),
                    token("old", Some(now - chrono::Duration::days(2))),
                    token("later", Some(now + chrono::Duration::days(90))),
                    token("never", None),
                ],
                error: None,
            },
        );
        assert_eq!(crate::app::panes::tokens::expiring(&s), (1, 1));
        s.table_mut(Pane::Tokens).filter = "expiry:soon".into();
        s.touch(Pane::Tokens);
        s.sync_rows();
        assert_eq!(s.row_count(Pane::Tokens), 1);
        // A shorter window: nothing is due soon.
        s.token_warning = chrono::Duration::days(1);
        assert_eq!(crate::app::panes::tokens::expiring(&s), (1, 0));

        let replica = |location: &str, status: &str| -> crate::acr::model::Replication {
            serde_json::from_value(serde_json::json!({"name": location, "location": location,
                "properties": {"provisioningState": "Succeeded", "status": {"displayStatus": status}}}))
            .unwrap()
        };
        update(
            &mut s,
            Action::ReplicasLoaded {
                login_server: "acrprod.azurecr.io".into(),
                replicas: Ok(vec![replica("northeurope", "Ready"), replica("eastus", "Syncing")]),
            },
        );
        let prod = s.registry_row_mut("acrprod.azurecr.io").expect("prod");
        assert_eq!(prod.replicas_not_ready().len(), 1);
        s.table_mut(Pane::Registries).filter = "health:replica".into();
        s.touch(Pane::Registries);
        s.sync_rows();
        assert_eq!(s.row_count(Pane::Registries), 1);
    }
}
