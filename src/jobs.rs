//! Runs the dashboard's effects as tokio tasks on the shared ACR client and sends their results
//! back as actions. A new load of the same thing replaces the one in flight (the latest request
//! wins), and refresh timers are replaced rather than stacked.

use crate::acr::RegistryClient;
use crate::acr::logs::{FollowOptions, LogEvent};
use crate::acr::model::AttributesUpdate;
use crate::acr::paging::collect;
use crate::acr::registry::TagOrder;
use crate::acr::{Acr, RunFilter};
use crate::acr::{AcrError, ErrorKind};
use crate::app::data::{LockedItem, LockedKind};
use crate::app::mutation::{LockTarget, Mutation};
use crate::app::{Action, Effect, Refresh};
use futures::StreamExt;
use std::collections::HashMap;
use std::path::PathBuf;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

pub struct Runner {
    /// `None` when no client could be built; every load then reports why.
    acr: Result<Acr, String>,
    tx: UnboundedSender<Action>,
    /// Subscriptions from the config; empty: every one the identity sees.
    subscriptions: Vec<String>,
    in_flight: HashMap<String, AbortHandle>,
    /// Where saved run logs go.
    saved_logs: PathBuf,
    /// The images.txt files of the config, and the config (stages name their registries).
    imports: ImportsSetup,
    /// The images files are watched for changes once planned.
    watching: bool,
    /// Tells apart the batches of imports in flight.
    batches: u64,
}

/// What the Imports pane's work needs from the config and the state directory.
#[derive(Clone)]
pub struct ImportsSetup {
    pub files: Vec<crate::imports::ImagesFile>,
    pub config: crate::config::Config,
    /// The audit trail, or why it could not be opened (then nothing is imported).
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
            acr,
            tx,
            subscriptions,
            in_flight: HashMap::new(),
            saved_logs,
            imports,
            watching: false,
            batches: 0,
        }
    }

    /// Starts an effect's work; `Exit` is the loop's, not ours.
    pub fn run(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        let acr = self.acr.clone();
        let (key, task): (String, futures::future::BoxFuture<'static, ()>) = match effect {
            Effect::Exit(_) => return,
            Effect::SignIn => (
                "sign-in".into(),
                Box::pin(async move {
                    let result = match acr {
                        Ok(acr) => acr.identity().await.map_err(|e| e.to_string()),
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(Action::SignedIn(result));
                }),
            ),
            Effect::LoadRegistries => {
                let subs = self.subscriptions.clone();
                (
                    "registries".into(),
                    Box::pin(async move {
                        let (registries, error) = match acr {
                            Ok(acr) => load_registries(&acr, subs).await,
                            Err(e) => (vec![], Some(e)),
                        };
                        let _ = tx.send(Action::RegistriesLoaded { registries, error });
                    }),
                )
            }
            Effect::LoadUsage { registry, login_server } => (
                format!("usage:{login_server}"),
                Box::pin(async move {
                    let usage = match acr.and_then(|a| a.arm().cloned().map_err(|e| e.to_string())) {
                        Ok(arm) => arm.usages(&registry).await.map_err(|e| e.to_string()).map(|u| {
                            u.iter()
                                .find(|u| u.name == "Size")
                                .map(|s| (s.current_value.unwrap_or(0), s.limit.unwrap_or(0)))
                                .unwrap_or((0, 0))
                        }),
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(Action::UsageLoaded { login_server, usage });
                }),
            ),
            Effect::LoadRepositories { login_server } => (
                format!("repos:{login_server}"),
                Box::pin(async move {
                    let client = match acr.and_then(|a| a.registry(&login_server).map_err(|e| e.to_string())) {
                        Ok(c) => c,
                        Err(e) => {
                            let _ = tx.send(Action::RepositoriesLoaded {
                                login_server,
                                names: vec![],
                                error: Some(e),
                            });
                            return;
                        }
                    };
                    let listed = collect(client.repositories(100)).await;
                    let names = listed.items.clone();
                    let _ = tx.send(Action::RepositoriesLoaded {
                        login_server: login_server.clone(),
                        names: listed.items,
                        error: listed.error.map(|e| e.to_string()),
                    });
                    // Counts and locks fill in as they arrive, a few at a time.
                    let mut props = futures::stream::iter(names.into_iter().map(|n| {
                        let client = client.clone();
                        async move { client.repository(&n).await }
                    }))
                    .buffer_unordered(4);
                    while let Some(p) = props.next().await {
                        if let Ok(properties) = p {
                            let _ = tx.send(Action::RepositoryLoaded {
                                login_server: login_server.clone(),
                                properties,
                            });
                        }
                    }
                }),
            ),
            Effect::LoadTags {
                login_server,
                repository,
            } => (
                format!("tags:{login_server}/{repository}"),
                Box::pin(async move {
                    let client = match acr.and_then(|a| a.registry(&login_server).map_err(|e| e.to_string())) {
                        Ok(c) => c,
                        Err(e) => {
                            let _ = tx.send(Action::TagsLoaded {
                                login_server,
                                repository,
                                tags: vec![],
                                manifests: vec![],
                                error: Some(e),
                            });
                            return;
                        }
                    };
                    let (tags, manifests) = futures::join!(
                        collect(client.tags(&repository, TagOrder::NewestFirst, 100)),
                        collect(client.manifests(&repository, 100))
                    );
                    let error = tags.error.as_ref().or(manifests.error.as_ref()).map(|e| e.to_string());
                    let _ = tx.send(Action::TagsLoaded {
                        login_server,
                        repository,
                        tags: tags.items,
                        manifests: manifests.items,
                        error,
                    });
                }),
            ),
            Effect::LoadRuns { registry, login_server } => (
                format!("runs:{login_server}"),
                Box::pin(async move {
                    let (runs, error) = match acr.and_then(|a| a.arm().cloned().map_err(|e| e.to_string())) {
                        Ok(arm) => {
                            let listed = collect(arm.list_runs(&registry, &RunFilter::default(), Some(50))).await;
                            (listed.items, listed.error.map(|e| e.to_string()))
                        }
                        Err(e) => (vec![], Some(e)),
                    };
                    let _ = tx.send(Action::RunsLoaded {
                        login_server,
                        runs,
                        error,
                    });
                }),
            ),
            Effect::LoadTasks { registry, login_server } => (
                format!("tasks:{login_server}"),
                Box::pin(async move {
                    let (tasks, error) = match acr.and_then(|a| a.arm().cloned().map_err(|e| e.to_string())) {
                        Ok(arm) => {
                            let listed = collect(arm.list_tasks(&registry)).await;
                            (listed.items, listed.error.map(|e| e.to_string()))
                        }
                        Err(e) => (vec![], Some(e)),
                    };
                    let _ = tx.send(Action::TasksLoaded {
                        login_server,
                        tasks,
                        error,
                    });
                }),
            ),
            Effect::LoadCacheRules { registry, login_server } => (
                format!("cache:{login_server}"),
                Box::pin(async move {
                    let (rules, credentials, error) =
                        match acr.and_then(|a| a.arm().cloned().map_err(|e| e.to_string())) {
                            Ok(arm) => {
                                let (rules, creds) = futures::join!(
                                    collect(arm.list_cache_rules(&registry)),
                                    collect(arm.list_credential_sets(&registry))
                                );
                                let error = rules.error.as_ref().or(creds.error.as_ref()).map(|e| e.to_string());
                                (rules.items, creds.items, error)
                            }
                            Err(e) => (vec![], vec![], Some(e)),
                        };
                    let _ = tx.send(Action::CacheRulesLoaded {
                        login_server,
                        rules,
                        credentials,
                        error,
                    });
                }),
            ),
            Effect::LoadLocks { login_server } => (
                format!("locks:{login_server}"),
                Box::pin(async move {
                    match acr.and_then(|a| a.registry(&login_server).map_err(|e| e.to_string())) {
                        Ok(client) => scan_locks(client, &login_server, &tx).await,
                        Err(e) => {
                            let _ = tx.send(Action::LocksDone {
                                login_server,
                                error: Some(e),
                            });
                        }
                    }
                }),
            ),
            Effect::SaveLog {
                registry,
                registry_name,
                run_id,
            } => {
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
                // Names come from the service: keep them to safe file-name characters.
                let safe = |s: &str| -> String {
                    s.chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect()
                };
                let path = self
                    .saved_logs
                    .join(format!("{}-{}-{stamp}.log", safe(&registry_name), safe(&run_id)));
                (
                    format!("save:{registry_name}:{run_id}"),
                    Box::pin(async move {
                        let result = async {
                            let acr = acr?;
                            let arm = acr.arm().map_err(|e| e.to_string())?;
                            let links = arm.log_links(&registry, &run_id).await.map_err(|e| e.to_string())?;
                            let link = links
                                .link()
                                .ok_or_else(|| format!("run {run_id} has no log link"))?
                                .to_string();
                            let size = acr.save_log(&link, &path).await.map_err(|e| e.to_string())?;
                            Ok((path.display().to_string(), size))
                        }
                        .await;
                        let _ = tx.send(Action::LogSaved(result));
                    }),
                )
            }
            Effect::Copy(_) => return,
            Effect::OpenLog {
                registry,
                login_server,
                run_id,
            } => (
                format!("log:{login_server}:{run_id}"),
                Box::pin(async move {
                    let send = |event| {
                        let _ = tx.send(Action::Log {
                            login_server: login_server.clone(),
                            run_id: run_id.clone(),
                            event,
                        });
                    };
                    let acr = match acr {
                        Ok(a) => a,
                        Err(e) => {
                            return send(LogEvent::Failed(AcrError::new(
                                ErrorKind::Invalid,
                                "open the run log",
                                &run_id,
                                e,
                            )));
                        }
                    };
                    let links = match acr.arm() {
                        Ok(arm) => arm.log_links(&registry, &run_id).await,
                        Err(e) => Err(e),
                    };
                    let link = match links {
                        Ok(l) => match l.link() {
                            Some(link) => link.to_string(),
                            None => {
                                return send(LogEvent::Failed(AcrError::new(
                                    ErrorKind::NotFound,
                                    "open the run log",
                                    &run_id,
                                    "the run has no log link",
                                )));
                            }
                        },
                        Err(e) => return send(LogEvent::Failed(e)),
                    };
                    let mut events = match acr.follow_log(&link, 0, FollowOptions::default()) {
                        Ok(rx) => rx,
                        Err(e) => return send(LogEvent::Failed(e)),
                    };
                    while let Some(event) = events.recv().await {
                        send(event);
                    }
                }),
            ),
            Effect::Mutate { job, mutation } => {
                let audit = self.imports.audit.clone();
                (
                    format!("mutate:{}", job.0),
                    Box::pin(async move {
                        let result = match (acr, audit) {
                            (Ok(acr), Ok(audit)) => audited_mutate(&acr, &audit, &mutation).await,
                            (Err(e), _) => Err(e),
                            (_, Err(e)) => Err(format!(
                                "not started: the audit trail is unavailable ({e}); nothing changes without it"
                            )),
                        };
                        let _ = tx.send(Action::Mutated { job, mutation, result });
                    }),
                )
            }
            Effect::PlanImports => {
                if !self.watching {
                    self.watching = true;
                    let paths: Vec<PathBuf> = self.imports.files.iter().map(|f| f.path.clone()).collect();
                    let tx = tx.clone();
                    tokio::spawn(watch_files(paths, tx));
                }
                let setup = self.imports.clone();
                let subs = self.subscriptions.clone();
                (
                    "imports-plan".into(),
                    Box::pin(async move {
                        let action = match acr {
                            Ok(acr) => plan_imports(&acr, &subs, &setup).await,
                            Err(e) => Action::ImportsPlanned {
                                files: vec![],
                                error: Some(e),
                            },
                        };
                        let _ = tx.send(action);
                    }),
                )
            }
            Effect::RunImports { items, note } => {
                self.batches += 1;
                let setup = self.imports.clone();
                let subs = self.subscriptions.clone();
                (
                    format!("imports-run:{}", self.batches),
                    Box::pin(run_imports(acr, subs, setup, items, note, tx)),
                )
            }
            Effect::LoadAudit => {
                let audit = self.imports.audit.clone();
                (
                    "audit".into(),
                    Box::pin(async move {
                        let result = match audit {
                            Ok(trail) => {
                                let path = trail.path().to_path_buf();
                                tokio::task::spawn_blocking(move || {
                                    crate::audit::read(&path).map(|(r, bad)| (r, bad, path.display().to_string()))
                                })
                                .await
                                .unwrap_or_else(|e| Err(format!("reading the audit trail stopped: {e}")))
                            }
                            Err(e) => Err(e),
                        };
                        let _ = tx.send(Action::AuditLoaded(result));
                    }),
                )
            }
            Effect::LoadBoard { repository } => {
                let (setup, subs) = (self.imports.clone(), self.subscriptions.clone());
                (
                    "board".into(),
                    Box::pin(async move {
                        let result = match acr {
                            Ok(acr) => match resolved_stages(&acr, &subs, &setup.config).await {
                                Ok(stages) => {
                                    let board = crate::promote::board::board(&acr, &stages, &repository).await;
                                    Ok((board, stages))
                                }
                                Err(e) => Err(e),
                            },
                            Err(e) => Err(e),
                        };
                        let _ = tx.send(Action::BoardLoaded { repository, result });
                    }),
                )
            }
            Effect::PlanPromotions { items, source, target } => {
                let (setup, subs) = (self.imports.clone(), self.subscriptions.clone());
                (
                    "promotions-plan".into(),
                    Box::pin(async move {
                        let result = match acr {
                            Ok(acr) => plan_promotions(&acr, &subs, &setup, &items, source, target).await,
                            Err(e) => Err(e),
                        };
                        let _ = tx.send(Action::PromotionsPlanned(result));
                    }),
                )
            }
            Effect::RunPromotions {
                promotions,
                stages,
                note,
            } => {
                self.batches += 1;
                let audit = self.imports.audit.clone();
                (
                    format!("promotions-run:{}", self.batches),
                    Box::pin(run_promotions(acr, audit, stages, promotions, note, tx)),
                )
            }
            Effect::CloseLog { login_server, run_id } => {
                if let Some(h) = self.in_flight.remove(&format!("log:{login_server}:{run_id}")) {
                    h.abort();
                }
                return;
            }
            Effect::RefreshLater { after, refresh } => {
                let key = match &refresh {
                    Refresh::Registries => "timer:registries".to_string(),
                    Refresh::Runs { login_server } => format!("timer:runs:{login_server}"),
                };
                (
                    key,
                    Box::pin(async move {
                        tokio::time::sleep(after).await;
                        let _ = tx.send(Action::RefreshDue(refresh));
                    }),
                )
            }
        };
        // The latest request wins: a new load of the same thing replaces the one in flight.
        if let Some(old) = self.in_flight.remove(&key) {
            old.abort();
        }
        let handle = tokio::spawn(task).abort_handle();
        self.in_flight.insert(key, handle);
        self.in_flight.retain(|_, h| !h.is_finished());
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        for h in self.in_flight.values() {
            h.abort();
        }
    }
}

/// Registries of the configured subscriptions, or of every one the identity sees.
async fn load_registries(acr: &Acr, configured: Vec<String>) -> (Vec<crate::acr::model::Registry>, Option<String>) {
    let arm = match acr.arm() {
        Ok(a) => a,
        Err(e) => return (vec![], Some(e.to_string())),
    };
    let subs = if configured.is_empty() {
        match arm.list_subscriptions().await {
            Ok(s) => s,
            Err(e) => return (vec![], Some(e.to_string())),
        }
    } else {
        configured
    };
    let mut all = Vec::new();
    let mut error = None;
    for sub in subs {
        let listed = collect(arm.list_registries(&sub)).await;
        all.extend(listed.items);
        if let Some(e) = listed.error {
            error = Some(e.to_string());
        }
    }
    (all, error)
}

/// Makes a confirmed change, then reads the result back from the registry: what it reports now
/// is what the operator is told, never what was asked for.
/// A change with its audit records: the intent first (nothing is sent if it cannot be written),
/// then the outcome as read back.
pub async fn audited_mutate(
    acr: &Acr,
    audit: &crate::audit::AuditTrail,
    mutation: &Mutation,
) -> Result<String, String> {
    let operator = acr
        .identity()
        .await
        .map(|i| crate::audit::Operator::from(&i))
        .map_err(|e| format!("cannot tell who is signed in, for the audit trail: {e}"))?;
    let intent = crate::audit::Record::intent(mutation.audit_action(), operator, mutation.audit_target());
    audit
        .append(&intent)
        .map_err(|e| format!("not started: {e}; nothing changes without its audit record"))?;
    let result = mutate(acr, mutation).await;
    let mut record = intent.outcome(if result.is_ok() { "done" } else { "failed" });
    match &result {
        Ok(read_back) => record.detail = Some(read_back.clone()),
        Err(e) => record.error = Some(e.clone()),
    }
    match audit.append(&record) {
        Ok(()) => result,
        Err(e) => result.map(|r| format!("{r} (but the audit outcome record failed: {e})")),
    }
}

async fn mutate(acr: &Acr, mutation: &Mutation) -> Result<String, String> {
    match mutation {
        Mutation::Locks {
            login_server,
            repository,
            target,
            write,
            delete,
            lock,
            ..
        } => {
            let client = acr.registry(login_server).map_err(|e| e.to_string())?;
            let update = AttributesUpdate::lock(*write, *delete, *lock);
            let e = |e: AcrError| e.to_string();
            // Send, then read the target back: only what the registry reports counts.
            let now = match target {
                LockTarget::Repository => {
                    client.update_repository(repository, &update).await.map_err(e)?;
                    client.repository(repository).await.map_err(e)?.changeable_attributes
                }
                LockTarget::Tag(tag) => {
                    client.update_tag(repository, tag, &update).await.map_err(e)?;
                    client.tag(repository, tag).await.map_err(e)?.changeable_attributes
                }
                LockTarget::Manifest(digest) => {
                    client.update_manifest(repository, digest, &update).await.map_err(e)?;
                    client
                        .manifest(repository, digest)
                        .await
                        .map_err(e)?
                        .changeable_attributes
                }
            };
            let wrong = (*write && now.write_enabled == *lock) || (*delete && now.delete_enabled == *lock);
            if wrong {
                return Err(format!(
                    "the registry accepted the change but reads back write={} delete={}",
                    if now.write_enabled { "enabled" } else { "disabled" },
                    if now.delete_enabled { "enabled" } else { "disabled" },
                ));
            }
            let word = |on: bool| if on { "enabled" } else { "disabled" };
            Ok(if now.write_enabled == now.delete_enabled {
                format!("write and delete {}", word(now.write_enabled))
            } else {
                format!("write {}, delete {}", word(now.write_enabled), word(now.delete_enabled))
            })
        }
        Mutation::ScheduleRun { registry, task, .. } => {
            let arm = acr.arm().map_err(|e| e.to_string())?;
            let run = arm.schedule_run(registry, task).await.map_err(|e| e.to_string())?;
            // Read the run back: it exists and has a state.
            let run = arm.get_run(registry, run.run_id()).await.map_err(|e| e.to_string())?;
            Ok(format!("run {} {}", run.run_id(), run.status()))
        }
        Mutation::CancelRun { registry, run_id, .. } => {
            let arm = acr.arm().map_err(|e| e.to_string())?;
            let run = arm.cancel_run(registry, run_id).await.map_err(|e| e.to_string())?;
            Ok(format!("run {run_id} {}", run.status()))
        }
    }
}

/// Finds everything locked in a registry: each repository's own switches, its tags' and its
/// manifests'. Repositories are scanned a few at a time and each one's findings are sent as soon
/// as it is done, so the pane fills in while the scan goes on. Things whose listing is disabled
/// are, by ACR's design, not listed and so cannot be found this way.
async fn scan_locks(client: RegistryClient, login_server: &str, tx: &UnboundedSender<Action>) {
    let repos = collect(client.repositories(100)).await;
    let total = repos.items.len();
    let mut error = repos.error.map(|e| e.to_string());
    let mut scans = futures::stream::iter(repos.items.into_iter().map(|repo| {
        let client = client.clone();
        async move { scan_repository(&client, &repo).await }
    }))
    .buffer_unordered(4);
    let mut scanned = 0;
    while let Some((items, failed)) = scans.next().await {
        scanned += 1;
        if let Some(e) = failed {
            error.get_or_insert(e);
        }
        let _ = tx.send(Action::LocksFound {
            login_server: login_server.to_string(),
            items,
            scanned,
            total,
        });
    }
    let _ = tx.send(Action::LocksDone {
        login_server: login_server.to_string(),
        error,
    });
}

/// One repository's locks, and the first error that cut its scan short.
async fn scan_repository(client: &RegistryClient, repo: &str) -> (Vec<LockedItem>, Option<String>) {
    let mut items = Vec::new();
    match client.repository(repo).await {
        Ok(p) if p.changeable_attributes.is_locked() => items.push(LockedItem {
            kind: LockedKind::Repository,
            repository: repo.to_string(),
            reference: String::new(),
            attributes: p.changeable_attributes,
            tags: vec![],
        }),
        Ok(_) => {}
        Err(e) => return (items, Some(e.to_string())),
    }
    let (tags, manifests) = futures::join!(
        collect(client.tags(repo, TagOrder::Name, 100)),
        collect(client.manifests(repo, 100))
    );
    for t in tags.items.into_iter().filter(|t| t.changeable_attributes.is_locked()) {
        items.push(LockedItem {
            kind: LockedKind::Tag,
            repository: repo.to_string(),
            reference: t.name,
            attributes: t.changeable_attributes,
            tags: vec![],
        });
    }
    for m in manifests
        .items
        .into_iter()
        .filter(|m| m.changeable_attributes.is_locked())
    {
        items.push(LockedItem {
            kind: LockedKind::Manifest,
            repository: repo.to_string(),
            reference: m.digest,
            attributes: m.changeable_attributes,
            tags: m.tags,
        });
    }
    let error = tags.error.or(manifests.error).map(|e| e.to_string());
    (items, error)
}

/// How often the images files are checked for changes: an edit shows within seconds, and a stat
/// of a few files costs nothing.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Tells the dashboard when an images file changes (or appears, or goes).
async fn watch_files(paths: Vec<PathBuf>, tx: UnboundedSender<Action>) {
    let mut seen: Vec<_> = paths.iter().map(|p| crate::imports::modified(p)).collect();
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let now: Vec<_> = paths.iter().map(|p| crate::imports::modified(p)).collect();
        if now != seen {
            seen = now;
            if tx.send(Action::ImportsChanged).is_err() {
                return;
            }
        }
    }
}

/// Reads and plans every configured images file.
async fn plan_imports(acr: &Acr, subscriptions: &[String], setup: &ImportsSetup) -> Action {
    use crate::app::imports::PlannedFile;
    if setup.files.is_empty() {
        return Action::ImportsPlanned {
            files: vec![],
            error: None,
        };
    }
    let reads = crate::imports::read_files(&setup.files);
    let registries = match crate::imports::environment(acr, subscriptions).await {
        Ok(r) => r,
        Err(e) => {
            return Action::ImportsPlanned {
                files: vec![],
                error: Some(format!("cannot list the registries to plan imports against: {e}")),
            };
        }
    };
    let readable: std::collections::HashSet<String> =
        registries.iter().map(|r| r.properties.login_server.clone()).collect();
    let mut files = Vec::new();
    for read in reads {
        let target = crate::imports::target_for(&registries, &setup.config, &read.file);
        let (login_server, entries, error) = match (&read.error, target) {
            (Some(e), _) => (None, vec![], Some(e.clone())),
            (None, Err(e)) => (None, vec![], Some(e)),
            (None, Ok(t)) => {
                let statuses = crate::imports::plan::plan(acr, &t.login_server, &read.parsed.entries, &readable).await;
                (
                    Some(t.login_server),
                    read.parsed.entries.into_iter().zip(statuses).collect(),
                    None,
                )
            }
        };
        files.push(PlannedFile {
            label: read.file.label.clone(),
            login_server,
            registry: read.file.registry.clone(),
            lock_after_import: read.file.lock_after_import,
            entries,
            problems: read.parsed.problems,
            error,
        });
    }
    Action::ImportsPlanned { files, error: None }
}

/// Runs a batch of approved imports, a few at a time, each with its audit records; records the
/// skipped lines; reports every step and outcome.
async fn run_imports(
    acr: Result<Acr, String>,
    subscriptions: Vec<String>,
    setup: ImportsSetup,
    items: Vec<crate::app::imports::ApproveItem>,
    note: Option<String>,
    tx: UnboundedSender<Action>,
) {
    use crate::imports::execute::{self, Approval, Outcome};
    let fail_all = |items: &[crate::app::imports::ApproveItem], error: String| {
        for i in items.iter().filter(|i| i.skip.is_none()) {
            let _ = tx.send(Action::ImportDone {
                key: i.key.clone(),
                outcome: Outcome::Failed {
                    error: error.clone(),
                    request_ids: vec![],
                },
                audit_error: None,
            });
        }
    };
    let (acr, audit) = match (acr, &setup.audit) {
        (Ok(a), Ok(t)) => (a, t.clone()),
        (Err(e), _) => return fail_all(&items, e),
        (_, Err(e)) => {
            return fail_all(
                &items,
                format!("not started: the audit trail is unavailable ({e}); nothing is imported without it"),
            );
        }
    };
    let registries = match crate::imports::environment(&acr, &subscriptions).await {
        Ok(r) => r,
        Err(e) => return fail_all(&items, format!("cannot list the registries: {e}")),
    };
    let operator = match acr.identity().await {
        Ok(i) => crate::audit::Operator::from(&i),
        Err(e) => {
            return fail_all(
                &items,
                format!("cannot tell who is signed in, for the audit trail: {e}"),
            );
        }
    };
    let approval = Approval { operator, note };
    let mut runs = Vec::new();
    for item in &items {
        let target = setup
            .files
            .iter()
            .find(|f| f.label == item.file)
            .ok_or_else(|| format!("{} is no longer in the config", item.file))
            .and_then(|f| crate::imports::target_for(&registries, &setup.config, f));
        match (target, &item.skip) {
            (Ok(t), Some(why)) => {
                if let Err(e) = execute::skip(&t, &item.approved, &approval, why, &audit) {
                    tracing::error!(error = %e, "audit record of a skipped import");
                }
            }
            (Ok(t), None) => runs.push((item.clone(), t)),
            (Err(e), None) => fail_all(std::slice::from_ref(item), e),
            (Err(_), Some(_)) => {}
        }
    }
    futures::stream::iter(runs.into_iter().map(|(item, target)| {
        let (acr, approval, audit, tx) = (acr.clone(), approval.clone(), audit.clone(), tx.clone());
        async move {
            let key = item.key.clone();
            let (outcome, audit_error) = execute::run(&acr, &target, &item.approved, &approval, &audit, |step| {
                let _ = tx.send(Action::ImportStep { key: key.clone(), step });
            })
            .await;
            let _ = tx.send(Action::ImportDone {
                key,
                outcome,
                audit_error,
            });
        }
    }))
    .buffer_unordered(crate::imports::execute::IMPORT_CONCURRENCY)
    .collect::<Vec<()>>()
    .await;
}

/// The config's stages, each with its registry found among the environment's.
async fn resolved_stages(
    acr: &Acr,
    subscriptions: &[String],
    config: &crate::config::Config,
) -> Result<Vec<crate::promote::ResolvedStage>, String> {
    let stages = crate::promote::stages(config);
    if stages.is_empty() {
        return Err("no stages are configured: add [[stages]] (dev first, prod last) to the config".into());
    }
    let registries = crate::imports::environment(acr, subscriptions).await?;
    crate::promote::resolve(&registries, &stages)
}

async fn plan_promotions(
    acr: &Acr,
    subscriptions: &[String],
    setup: &ImportsSetup,
    items: &[(String, String)],
    source: usize,
    target: usize,
) -> Result<Vec<crate::promote::promotion::Promotion>, String> {
    let stages = resolved_stages(acr, subscriptions, &setup.config).await?;
    let mut plans = Vec::new();
    for (repository, tag) in items {
        plans.push(crate::promote::promotion::plan(acr, &stages, source, target, repository, tag).await?);
    }
    Ok(plans)
}

/// Runs approved promotions a few at a time, each with its audit records.
async fn run_promotions(
    acr: Result<Acr, String>,
    audit: Result<std::sync::Arc<crate::audit::AuditTrail>, String>,
    stages: Vec<crate::promote::ResolvedStage>,
    promotions: Vec<crate::promote::promotion::Promotion>,
    note: String,
    tx: UnboundedSender<Action>,
) {
    use crate::imports::execute::{Approval, Outcome};
    let fail_all = |error: String| {
        for p in promotions
            .iter()
            .filter(|p| matches!(p.verdict, crate::promote::promotion::Verdict::Go(_)))
        {
            let _ = tx.send(Action::PromotionDone {
                repository: p.repository.clone(),
                tag: p.tag.clone(),
                outcome: Outcome::Failed {
                    error: error.clone(),
                    request_ids: vec![],
                },
                audit_error: None,
            });
        }
    };
    let (acr, audit) = match (acr, audit) {
        (Ok(a), Ok(t)) => (a, t),
        (Err(e), _) => return fail_all(e),
        (_, Err(e)) => {
            return fail_all(format!(
                "not started: the audit trail is unavailable ({e}); nothing is promoted without it"
            ));
        }
    };
    let operator = match acr.identity().await {
        Ok(i) => crate::audit::Operator::from(&i),
        Err(e) => return fail_all(format!("cannot tell who is signed in, for the audit trail: {e}")),
    };
    let approval = Approval {
        operator,
        note: Some(note),
    };
    // Owned values in each future (see `imports::plan`): the batch runs inside a boxed job.
    let stages = std::sync::Arc::new(stages);
    futures::stream::iter(promotions.clone().into_iter().map(|p| {
        let (acr, approval, audit, tx, stages) =
            (acr.clone(), approval.clone(), audit.clone(), tx.clone(), stages.clone());
        async move {
            let tag = p.tag.clone();
            let (outcome, audit_error) =
                crate::promote::promotion::promote(&acr, &stages, &p, &approval, &audit, |step| {
                    let _ = tx.send(Action::PromotionStep {
                        repository: p.repository.clone(),
                        tag: tag.clone(),
                        step,
                    });
                })
                .await;
            // Refusals the operator confirmed past are only recorded; the pane knows them already.
            if matches!(p.verdict, crate::promote::promotion::Verdict::Go(_)) {
                let _ = tx.send(Action::PromotionDone {
                    repository: p.repository.clone(),
                    tag,
                    outcome,
                    audit_error,
                });
            }
        }
    }))
    .buffer_unordered(crate::imports::execute::IMPORT_CONCURRENCY)
    .collect::<Vec<()>>()
    .await;
}
