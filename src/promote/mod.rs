//! The stage pipeline (dev → staging → uat → prod): stages and their policies from the config,
//! the board of where each tag's digest is, and promotion by digest from one stage to the next.
//!
//! - [`board`]: the matrix of tags by stages.
//! - [`promotion`]: plan one promotion against the policy, run it, verify it, lock it.

pub mod approval;
pub mod board;
pub mod promotion;
pub mod requests;

use crate::acr::RegistryRef;
use crate::acr::model::Registry;
use crate::config::{Config, LockKind};

/// What a stage allows and requires, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The registry's name must be typed to confirm a change.
    pub typed_confirmation: bool,
    /// Locks applied to a promoted tag once verified.
    pub lock_write: bool,
    pub lock_delete: bool,
    /// Glob patterns of the repositories that may be promoted in; empty: all.
    pub repositories: Vec<String>,
    /// A promotion may replace a tag that points at another digest (with Force, confirmed twice).
    pub allow_replace: bool,
    /// Promotions may come from a stage other than the one before.
    pub allow_skip: bool,
    /// The two-person rule: approvals a request needs, by operators other than the requester.
    pub approvals: u32,
    /// A validation task whose successful run must name the candidate digest, and how recent.
    pub require_run: Option<(String, chrono::Duration)>,
    /// How long a request stays valid.
    pub request_ttl: chrono::Duration,
    /// Where requests are kept, when not next to the candidate (a stage name or login server).
    pub requests_registry: Option<String>,
}

impl Default for Policy {
    /// A stage that asks for nothing: no typed confirmation, no locks, every repository, no
    /// approvals or validation, requests valid for a day.
    fn default() -> Self {
        Policy {
            typed_confirmation: false,
            lock_write: false,
            lock_delete: false,
            repositories: Vec::new(),
            allow_replace: false,
            allow_skip: false,
            approvals: 0,
            require_run: None,
            request_ttl: chrono::Duration::hours(24),
            requests_registry: None,
        }
    }
}

impl Policy {
    /// Whether `repository` may be promoted into the stage.
    pub fn admits(&self, repository: &str) -> bool {
        self.repositories.is_empty() || self.repositories.iter().any(|p| glob(p, repository))
    }

    /// Whether a promotion into the stage needs an approved request (and so cannot be run
    /// directly).
    pub fn gated(&self) -> bool {
        self.approvals > 0 || self.require_run.is_some()
    }
}

/// A stage: its name, its registry as configured, its policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    /// A resource id or a login server, as configured.
    pub registry: String,
    pub policy: Policy,
}

/// The stages of the config in order; a production stage's defaults protect it (typed
/// confirmation, write and delete locks after a promotion).
pub fn stages(config: &Config) -> Vec<Stage> {
    let pipeline: Vec<String> = config.stages.iter().map(|s| s.name.get_ref().clone()).collect();
    config
        .stages
        .iter()
        .map(|s| {
            let last = crate::config::is_production_stage(s.name.get_ref(), &pipeline);
            let p = &s.policy;
            let locks: Option<Vec<LockKind>> = p.lock_after.as_ref().map(|l| l.iter().map(|k| *k.get_ref()).collect());
            let (lock_write, lock_delete) = match locks {
                Some(l) => (l.contains(&LockKind::Write), l.contains(&LockKind::Delete)),
                None => (last, last),
            };
            Stage {
                name: s.name.get_ref().clone(),
                registry: s.registry.get_ref().clone(),
                policy: Policy {
                    typed_confirmation: p.typed_confirmation.unwrap_or(last),
                    lock_write,
                    lock_delete,
                    repositories: p.repositories.clone(),
                    allow_replace: p.allow_replace,
                    allow_skip: p.allow_skip,
                    approvals: p.approvals,
                    // Checked when the config was loaded; the defaults stand in for the rest.
                    require_run: p.require_run.clone().map(|task| {
                        let age = p
                            .require_run_age
                            .as_ref()
                            .and_then(|a| crate::config::parse_duration(a.get_ref()).ok());
                        (task, age.unwrap_or_else(|| chrono::Duration::days(7)))
                    }),
                    request_ttl: p
                        .request_ttl
                        .as_ref()
                        .and_then(|t| crate::config::parse_duration(t.get_ref()).ok())
                        .unwrap_or_else(|| chrono::Duration::hours(24)),
                    requests_registry: p.requests_registry.clone(),
                },
            }
        })
        .collect()
}

/// A stage with its registry found in the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedStage {
    pub stage: Stage,
    pub registry: RegistryRef,
    pub login_server: String,
    /// The registry's resource name (what a typed confirmation asks for).
    pub name: String,
}

/// Finds each stage's registry among the environment's; an error names the stage that has none.
pub fn resolve(registries: &[Registry], stages: &[Stage]) -> Result<Vec<ResolvedStage>, String> {
    stages
        .iter()
        .map(|s| {
            let r = registries
                .iter()
                .find(|r| {
                    r.id.eq_ignore_ascii_case(&s.registry)
                        || r.properties.login_server.eq_ignore_ascii_case(&s.registry)
                        || r.name.eq_ignore_ascii_case(&s.registry)
                })
                .ok_or_else(|| {
                    format!(
                        "stage {}: its registry `{}` is not among the {} registries acrdeck can see; check \
                         [[stages]] in the config",
                        s.name,
                        s.registry,
                        registries.len()
                    )
                })?;
            let reference = RegistryRef::parse(&r.id)
                .ok_or_else(|| format!("the registry id `{}` is not an ARM resource id", r.id))?;
            Ok(ResolvedStage {
                stage: s.clone(),
                registry: reference,
                login_server: r.properties.login_server.clone(),
                name: r.name.clone(),
            })
        })
        .collect()
}

/// Glob match for repository names: `*` is any run of characters but `/`, `**` any run at all,
/// `?` one character but `/`.
pub fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) if rest.first() == Some(&b'*') => {
                let rest = &rest[1..];
                (0..=n.len()).any(|i| go(rest, &n[i..]))
            }
            Some((b'*', rest)) => {
                let limit = n.iter().position(|&c| c == b'/').unwrap_or(n.len());
                (0..=limit).any(|i| go(rest, &n[i..]))
            }
            Some((b'?', rest)) => n.first().is_some_and(|&c| c != b'/') && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_for_repositories() {
        assert!(glob("apps/*", "apps/web"));
        assert!(!glob("apps/*", "apps/web/v2"));
        assert!(glob("apps/**", "apps/web/v2"));
        assert!(glob("*", "nginx"));
        assert!(!glob("*", "library/nginx"));
        assert!(glob("base/node?", "base/node1"));
        assert!(!glob("base/*", "apps/web"));
        assert!(glob("apps/web", "apps/web"));
    }

    #[test]
    fn the_last_stage_is_protected_by_default() {
        let c = crate::config::parse_str(
            "[[stages]]\nname = \"dev\"\nregistry = \"d.azurecr.io\"\n\
             [[stages]]\nname = \"prod\"\nregistry = \"p.azurecr.io\"\n\
             [stages.policy]\nrepositories = [\"apps/*\"]\n",
            std::path::Path::new("t.toml"),
        )
        .expect("config");
        let s = stages(&c);
        assert!(!s[0].policy.typed_confirmation && !s[0].policy.lock_write);
        assert!(s[1].policy.typed_confirmation && s[1].policy.lock_write && s[1].policy.lock_delete);
        assert!(s[1].policy.admits("apps/web") && !s[1].policy.admits("base/node"));
        assert!(s[0].policy.admits("anything/at/all"));
        assert!(!s[1].policy.allow_replace && !s[1].policy.allow_skip);
    }
}
