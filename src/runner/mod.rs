//! Carries out the dashboard's effects as tokio tasks on the shared ACR client and sends their
//! results back as actions. Each kind of work has its module: listings, run logs, changes,
//! imports, promotions, the audit trail. Every task runs under a typed [`JobKey`]: a new request
//! with the same key replaces the one in flight (the latest request wins), and refresh timers
//! are replaced rather than stacked.

mod audit;
mod changes;
mod gate;
mod imports;
mod listings;
mod logs;
mod promotions;
mod rollout;

pub use changes::audited_mutate;

use crate::acr::{Acr, Failure};
use crate::app::{Action, Effect, JobId, Refresh};
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::path::PathBuf;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

/// What a task works on: two requests with the same key are the same work, so the newer one
/// replaces the older.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobKey {
    SignIn,
    Registries,
    Usage {
        login_server: String,
    },
    Listing {
        login_server: String,
        kind: ListingKind,
    },
    Log {
        viewer: crate::app::LogViewer,
        login_server: String,
        run_id: String,
    },
    SaveLog {
        registry_name: String,
        run_id: String,
    },
    Change(JobId),
    ImportsPlan,
    /// Batches of imports or promotions, numbered: each runs to its end.
    Batch(u64),
    Audit,
    Board,
    PromotionsPlan,
    Requests,
    Timer(Refresh),
}

/// The listings of one registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListingKind {
    Repositories,
    RepositoryDetails,
    Tags { repository: String },
    TagsCheck { repository: String },
    TagManifests { repository: String },
    Manifest { repository: String, digest: String },
    Runs,
    Tasks,
    CacheRules,
    Webhooks,
    Tokens,
    Locks,
}

/// What a task is handed: the client (or why there is none) and the way back to the loop.
#[derive(Clone)]
struct Ctx {
    acr: Result<Acr, Failure>,
    tx: UnboundedSender<Action>,
}

impl Ctx {
    fn send(&self, action: Action) {
        // The loop is gone only when the dashboard is ending: nothing is left to tell.
        let _ = self.tx.send(action);
    }
}

pub struct Runner {
    ctx: Ctx,
    /// Subscriptions from the config; empty: every one the identity sees.
    subscriptions: Vec<String>,
    in_flight: HashMap<JobKey, AbortHandle>,
    /// Where saved run logs go.
    saved_logs: PathBuf,
    /// The images.txt files of the config, and the config (stages name their registries).
    imports: ImportsSetup,
    /// The images files are watched for changes once planned.
    watching: bool,
    /// Tells apart the batches of imports and promotions in flight.
    batches: u64,
}

/// What the Imports and Promotions panes' work needs from the config and the state directory.
#[derive(Clone)]
pub struct ImportsSetup {
    pub files: Vec<crate::imports::ImagesFile>,
    pub config: crate::config::Config,
    /// The audit trail, or why it could not be opened (then nothing is changed).
    pub audit: Result<std::sync::Arc<crate::audit::AuditTrail>, String>,
}

impl Runner {
    pub fn new(
        acr: Result<Acr, String>,
        subscriptions: Vec<String>,
        saved_logs: PathBuf,
        imports: ImportsSetup,
        tx: UnboundedSender<Action>,
    ) -> Runner {
        Runner {
            ctx: Ctx {
                acr: acr.map_err(Failure::Reason),
                tx,
            },
            subscriptions,
            in_flight: HashMap::new(),
            saved_logs,
            imports,
            watching: false,
            batches: 0,
        }
    }

    /// Starts an effect's work; `Exit` and `Copy` are the loop's, not ours.
    pub fn run(&mut self, effect: Effect) {
        let Some((key, task)) = self.task(effect) else {
            return;
        };
        // The latest request wins: a new request for the same work replaces the one in flight.
        if let Some(old) = self.in_flight.remove(&key) {
            old.abort();
        }
        let handle = tokio::spawn(task).abort_handle();
        self.in_flight.insert(key, handle);
        self.in_flight.retain(|_, h| !h.is_finished());
    }

    fn task(&mut self, effect: Effect) -> Option<(JobKey, BoxFuture<'static, ()>)> {
        let ctx = self.ctx.clone();
        let subs = self.subscriptions.clone();
        Some(match effect {
            Effect::Exit(_) | Effect::Copy(_) | Effect::Notify { .. } => return None,
            Effect::CloseLog {
                viewer,
                login_server,
                run_id,
            } => {
                if let Some(h) = self.in_flight.remove(&JobKey::Log {
                    viewer,
                    login_server,
                    run_id,
                }) {
                    h.abort();
                }
                return None;
            }
            Effect::RefreshLater { after, refresh } => (
                JobKey::Timer(refresh.clone()),
                Box::pin(async move {
                    tokio::time::sleep(after).await;
                    ctx.send(Action::RefreshDue(refresh));
                }),
            ),
            Effect::OpenLog {
                viewer,
                registry,
                login_server,
                run_id,
            } => (
                JobKey::Log {
                    viewer,
                    login_server: login_server.clone(),
                    run_id: run_id.clone(),
                },
                Box::pin(logs::follow(ctx, viewer, registry, login_server, run_id)),
            ),
            Effect::SaveLog {
                registry,
                registry_name,
                run_id,
            } => {
                let path = logs::saved_log_path(&self.saved_logs, &registry_name, &run_id);
                (
                    JobKey::SaveLog {
                        registry_name,
                        run_id: run_id.clone(),
                    },
                    Box::pin(logs::save(ctx, registry, run_id, path)),
                )
            }
            Effect::Mutate { job, mutation } => (
                JobKey::Change(job),
                Box::pin(changes::mutate(ctx, self.imports.audit.clone(), job, mutation)),
            ),
            Effect::LoadAudit => (JobKey::Audit, Box::pin(audit::load(ctx, self.imports.audit.clone()))),
            Effect::PlanImports => {
                if !self.watching {
                    self.watching = true;
                    let paths: Vec<PathBuf> = self.imports.files.iter().map(|f| f.path.clone()).collect();
                    tokio::spawn(imports::watch_files(paths, ctx.tx.clone()));
                }
                (
                    JobKey::ImportsPlan,
                    Box::pin(imports::plan(ctx, subs, self.imports.clone())),
                )
            }
            Effect::RunImports { items, note } => (
                self.batch(),
                Box::pin(imports::run(ctx, subs, self.imports.clone(), items, note)),
            ),
            Effect::LoadBoard { repository } => (
                JobKey::Board,
                Box::pin(promotions::board(ctx, subs, self.imports.config.clone(), repository)),
            ),
            Effect::PlanPromotions { items, source, target } => (
                JobKey::PromotionsPlan,
                Box::pin(promotions::plan(
                    ctx,
                    subs,
                    self.imports.config.clone(),
                    items,
                    source,
                    target,
                )),
            ),
            Effect::LoadRequests { generation } => (
                JobKey::Requests,
                Box::pin(gate::load(ctx, subs, self.imports.config.clone(), generation)),
            ),
            Effect::Gate {
                job,
                step,
                note,
                stages,
            } => (
                JobKey::Change(job),
                Box::pin(gate::step(ctx, self.imports.audit.clone(), job, (step, note, stages))),
            ),
            Effect::RunPromotions {
                promotions: list,
                stages,
                note,
            } => (
                self.batch(),
                Box::pin(promotions::run(ctx, self.imports.audit.clone(), stages, list, note)),
            ),
            reading => return read_task(ctx, subs, reading),
        })
    }

    fn batch(&mut self) -> JobKey {
        self.batches += 1;
        JobKey::Batch(self.batches)
    }
}

/// The task of an effect that reads what a pane shows.
fn read_task(ctx: Ctx, subs: Vec<String>, effect: Effect) -> Option<(JobKey, BoxFuture<'static, ()>)> {
    Some(match effect {
        Effect::SignIn => (JobKey::SignIn, Box::pin(listings::sign_in(ctx))),
        Effect::LoadRegistries { generation } => (
            JobKey::Registries,
            Box::pin(listings::registries(ctx, subs, generation)),
        ),
        Effect::LoadUsage { registry, login_server } => (
            JobKey::Usage {
                login_server: login_server.clone(),
            },
            Box::pin(listings::usage(ctx, registry, login_server)),
        ),
        Effect::LoadRepositories {
            login_server,
            generation,
        } => (
            listing(&login_server, ListingKind::Repositories),
            Box::pin(listings::repositories(ctx, login_server, generation)),
        ),
        Effect::LoadRepositoryDetails { login_server, names } => (
            listing(&login_server, ListingKind::RepositoryDetails),
            Box::pin(listings::repository_details(ctx, login_server, names)),
        ),
        Effect::LoadTags {
            login_server,
            repository,
            generation,
        } => (
            listing(
                &login_server,
                ListingKind::Tags {
                    repository: repository.clone(),
                },
            ),
            Box::pin(listings::tags(ctx, login_server, repository, generation)),
        ),
        Effect::CheckTags {
            login_server,
            repository,
            generation,
        } => (
            listing(
                &login_server,
                ListingKind::TagsCheck {
                    repository: repository.clone(),
                },
            ),
            Box::pin(listings::check_tags(ctx, login_server, repository, generation)),
        ),
        Effect::LoadTagManifests {
            login_server,
            repository,
            digests,
        } => (
            listing(
                &login_server,
                ListingKind::TagManifests {
                    repository: repository.clone(),
                },
            ),
            Box::pin(listings::tag_manifests(ctx, login_server, repository, digests)),
        ),
        Effect::CheckManifest {
            login_server,
            repository,
            digest,
        } => (
            listing(
                &login_server,
                ListingKind::Manifest {
                    repository: repository.clone(),
                    digest: digest.clone(),
                },
            ),
            Box::pin(listings::manifest_presence(ctx, login_server, repository, digest)),
        ),
        Effect::LoadRuns {
            registry,
            login_server,
            generation,
        } => (
            listing(&login_server, ListingKind::Runs),
            Box::pin(listings::runs(ctx, registry, login_server, generation)),
        ),
        Effect::LoadTasks {
            registry,
            login_server,
            generation,
        } => (
            listing(&login_server, ListingKind::Tasks),
            Box::pin(listings::tasks(ctx, registry, login_server, generation)),
        ),
        Effect::LoadCacheRules {
            registry,
            login_server,
            generation,
        } => (
            listing(&login_server, ListingKind::CacheRules),
            Box::pin(listings::cache_rules(ctx, registry, login_server, generation)),
        ),
        Effect::LoadLocks {
            login_server,
            generation,
        } => (
            listing(&login_server, ListingKind::Locks),
            Box::pin(listings::locks(ctx, login_server, generation)),
        ),
        other => return rollout_task(ctx, other),
    })
}

/// The task of an effect that reads what operators check during a rollout besides runs.
fn rollout_task(ctx: Ctx, effect: Effect) -> Option<(JobKey, BoxFuture<'static, ()>)> {
    Some(match effect {
        Effect::LoadWebhooks {
            registry,
            login_server,
            generation,
        } => (
            listing(&login_server, ListingKind::Webhooks),
            Box::pin(rollout::webhooks(ctx, registry, login_server, generation)),
        ),
        Effect::LoadTokens {
            registry,
            login_server,
            generation,
        } => (
            listing(&login_server, ListingKind::Tokens),
            Box::pin(rollout::tokens(ctx, registry, login_server, generation)),
        ),
        _ => return None,
    })
}

fn listing(login_server: &str, kind: ListingKind) -> JobKey {
    JobKey::Listing {
        login_server: login_server.to_string(),
        kind,
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        for h in self.in_flight.values() {
            h.abort();
        }
    }
}
