//! The changes an operator can make to a registry (locks, run cancels, scheduled runs, webhook
//! pings): what each sends where, in words and exactly; asked for through `app::confirmation`.

use super::confirmation::{Change, Confirmation};
use super::{Effect, Modal, State};
use crate::acr::RegistryRef;
use crate::acr::model::ChangeableAttributes;

/// What a lock change is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockTarget {
    /// The whole repository (every tag and manifest in it).
    Repository,
    Tag(String),
    /// A manifest by digest: every tag pointing at it.
    Manifest(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// Switch write and/or delete off (`lock`) or back on.
    Locks {
        login_server: String,
        registry_name: String,
        repository: String,
        target: LockTarget,
        write: bool,
        delete: bool,
        lock: bool,
    },
    CancelRun {
        registry: RegistryRef,
        login_server: String,
        registry_name: String,
        run_id: String,
    },
    /// Queue a run of a task.
    ScheduleRun {
        registry: RegistryRef,
        login_server: String,
        registry_name: String,
        task: String,
    },
    /// Have a webhook deliver a ping event to its receiver.
    PingWebhook {
        registry: RegistryRef,
        login_server: String,
        registry_name: String,
        webhook: String,
    },
}

impl Mutation {
    /// The audit trail's name for it.
    pub fn audit_action(&self) -> &'static str {
        match self {
            Mutation::Locks { lock: true, .. } => "lock",
            Mutation::Locks { lock: false, .. } => "unlock",
            Mutation::CancelRun { .. } => "cancel-run",
            Mutation::ScheduleRun { .. } => "schedule-run",
            Mutation::PingWebhook { .. } => "ping-webhook",
        }
    }

    /// What it acts on, for the audit trail: `login-server/repository:tag`, `…@digest`,
    /// `login-server run ID`, `login-server task NAME`.
    pub fn audit_target(&self) -> String {
        match self {
            Mutation::Locks {
                login_server,
                repository,
                target,
                ..
            } => match target {
                LockTarget::Repository => format!("{login_server}/{repository}"),
                LockTarget::Tag(t) => format!("{login_server}/{repository}:{t}"),
                LockTarget::Manifest(d) => format!("{login_server}/{repository}@{d}"),
            },
            Mutation::CancelRun {
                login_server, run_id, ..
            } => format!("{login_server} run {run_id}"),
            Mutation::ScheduleRun { login_server, task, .. } => format!("{login_server} task {task}"),
            Mutation::PingWebhook {
                login_server, webhook, ..
            } => format!("{login_server} webhook {webhook}"),
        }
    }

    /// In words, for the dialog, the footer and the job list.
    pub fn describe(&self) -> String {
        match self {
            Mutation::Locks {
                registry_name,
                repository,
                target,
                write,
                delete,
                lock,
                ..
            } => {
                let what = match target {
                    LockTarget::Repository => format!("repository {registry_name}/{repository}"),
                    LockTarget::Tag(t) => format!("{registry_name}/{repository}:{t}"),
                    LockTarget::Manifest(d) => format!("{registry_name}/{repository}@{}", short_digest(d)),
                };
                let switches = match (write, delete) {
                    (true, true) => "write and delete",
                    (true, false) => "write",
                    _ => "delete",
                };
                if *lock {
                    format!("lock {what} against {switches}")
                } else {
                    format!("unlock {what} for {switches}")
                }
            }
            Mutation::CancelRun {
                registry_name, run_id, ..
            } => format!("cancel run {run_id} on {registry_name}"),
            Mutation::ScheduleRun {
                registry_name, task, ..
            } => format!("run task {task} on {registry_name}"),
            Mutation::PingWebhook {
                registry_name, webhook, ..
            } => format!("ping webhook {webhook} of {registry_name}"),
        }
    }

    /// The exact request that will be sent.
    pub fn request(&self) -> String {
        match self {
            Mutation::Locks {
                login_server,
                repository,
                target,
                write,
                delete,
                lock,
                ..
            } => {
                let path = match target {
                    LockTarget::Repository => format!("/acr/v1/{repository}"),
                    LockTarget::Tag(t) => format!("/acr/v1/{repository}/_tags/{t}"),
                    LockTarget::Manifest(d) => format!("/acr/v1/{repository}/_manifests/{d}"),
                };
                let mut fields = Vec::new();
                if *write {
                    fields.push(format!("\"writeEnabled\": {}", !lock));
                }
                if *delete {
                    fields.push(format!("\"deleteEnabled\": {}", !lock));
                }
                format!("PATCH https://{login_server}{path}  {{{}}}", fields.join(", "))
            }
            Mutation::CancelRun { registry, run_id, .. } => format!("POST {}/runs/{run_id}/cancel", registry.id()),
            Mutation::ScheduleRun { registry, task, .. } => {
                // The body exactly as the client sends it.
                let body = crate::acr::ArmClient::task_run_body(registry, task);
                format!("POST {}/scheduleRun  {body}", registry.id())
            }
            Mutation::PingWebhook { registry, webhook, .. } => {
                format!("POST {}/webhooks/{webhook}/ping", registry.id())
            }
        }
    }

    pub fn registry_name(&self) -> &str {
        match self {
            Mutation::Locks { registry_name, .. }
            | Mutation::CancelRun { registry_name, .. }
            | Mutation::ScheduleRun { registry_name, .. }
            | Mutation::PingWebhook { registry_name, .. } => registry_name,
        }
    }

    pub fn login_server(&self) -> &str {
        match self {
            Mutation::Locks { login_server, .. }
            | Mutation::CancelRun { login_server, .. }
            | Mutation::ScheduleRun { login_server, .. }
            | Mutation::PingWebhook { login_server, .. } => login_server,
        }
    }
}

/// `sha256:0123456789ab…` for narrow places.
pub fn short_digest(d: &str) -> String {
    crate::text::short_digest(d)
}

/// Asks for a change: opens the confirmation with its variants (the first chosen), or, in a
/// read-only session, says it will not.
pub fn ask(state: &mut State, options: Vec<Mutation>) -> Vec<Effect> {
    let Some(first) = options.first() else {
        return vec![];
    };
    if state.readonly {
        state.flash = Some((format!("read-only: will not {}", first.describe()), true));
        return vec![];
    }
    let protected = state
        .is_production(first.login_server())
        .then(|| first.registry_name().to_string());
    let change = Change::Mutation { options, chosen: 0 };
    state.modal = Modal::Confirm(Box::new(Confirmation::new(change, protected)));
    vec![]
}

/// The three ways to lock (or unlock) a target in the chosen registry: write and delete, write
/// only, delete only. The direction follows what is there: anything locked offers unlocking.
pub fn lock_options(
    state: &State,
    repository: String,
    target: LockTarget,
    now: &ChangeableAttributes,
) -> Vec<Mutation> {
    let Some(ls) = state.nav.registry.clone() else {
        return vec![];
    };
    let registry_name = state.current_registry_name().unwrap_or_else(|| ls.clone());
    let lock = now.write_enabled && now.delete_enabled;
    [(true, true), (true, false), (false, true)]
        .into_iter()
        .map(|(write, delete)| Mutation::Locks {
            login_server: ls.clone(),
            registry_name: registry_name.clone(),
            repository: repository.clone(),
            target: target.clone(),
            write,
            delete,
            lock,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(target: LockTarget, write: bool, delete: bool, lock: bool) -> Mutation {
        Mutation::Locks {
            login_server: "contosoprod.azurecr.io".into(),
            registry_name: "contosoprod".into(),
            repository: "apps/web".into(),
            target,
            write,
            delete,
            lock,
        }
    }

    #[test]
    fn each_lock_names_its_target_and_sends_only_the_chosen_switches() {
        let m = lock(LockTarget::Repository, true, false, true);
        assert_eq!(m.describe(), "lock repository contosoprod/apps/web against write");
        assert_eq!(
            m.request(),
            "PATCH https://contosoprod.azurecr.io/acr/v1/apps/web  {\"writeEnabled\": false}"
        );
        let d = format!("sha256:{}", "ab".repeat(32));
        let m = lock(LockTarget::Manifest(d.clone()), false, true, false);
        assert_eq!(
            m.describe(),
            "unlock contosoprod/apps/web@sha256:abababababab… for delete"
        );
        assert!(
            m.request()
                .ends_with(&format!("/_manifests/{d}  {{\"deleteEnabled\": true}}"))
        );
    }
}
