//! Changes an operator can make, and the one confirmation path they all go through: the dialog
//! shows exactly what will be sent where; production registries need their name typed.

use crate::acr::RegistryRef;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// Lock (or unlock) a tag against writes and deletes.
    TagLocks {
        login_server: String,
        registry_name: String,
        repository: String,
        tag: String,
        lock: bool,
    },
    CancelRun {
        registry: RegistryRef,
        login_server: String,
        registry_name: String,
        run_id: String,
    },
}

impl Mutation {
    /// In words, for the dialog, the footer and the job list.
    pub fn describe(&self) -> String {
        match self {
            Mutation::TagLocks {
                registry_name,
                repository,
                tag,
                lock: true,
                ..
            } => format!("lock {registry_name}/{repository}:{tag} against write and delete"),
            Mutation::TagLocks {
                registry_name,
                repository,
                tag,
                lock: false,
                ..
            } => format!("unlock {registry_name}/{repository}:{tag} for write and delete"),
            Mutation::CancelRun {
                registry_name, run_id, ..
            } => format!("cancel run {run_id} on {registry_name}"),
        }
    }

    /// The exact request that will be sent.
    pub fn request(&self) -> String {
        match self {
            Mutation::TagLocks {
                login_server,
                repository,
                tag,
                lock,
                ..
            } => {
                format!(
                    "PATCH https://{login_server}/acr/v1/{repository}/_tags/{tag}  {{\"writeEnabled\": {0}, \"deleteEnabled\": {0}}}",
                    !lock
                )
            }
            Mutation::CancelRun { registry, run_id, .. } => format!("POST {}/runs/{run_id}/cancel", registry.id()),
        }
    }

    pub fn registry_name(&self) -> &str {
        match self {
            Mutation::TagLocks { registry_name, .. } | Mutation::CancelRun { registry_name, .. } => registry_name,
        }
    }
}

/// A change waiting for the operator's word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub mutation: Mutation,
    /// A production-stage registry: red frame, and its name must be typed.
    pub production: bool,
    pub typed: String,
}

impl Confirm {
    pub fn ready(&self) -> bool {
        !self.production || self.typed == self.mutation.registry_name()
    }
}
