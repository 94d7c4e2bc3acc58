//! Runs the dashboard's effects as tokio tasks on the shared ACR client and sends their results
//! back as actions. A new load of the same thing replaces the one in flight (the latest request
//! wins), and refresh timers are replaced rather than stacked.

use crate::acr::logs::{FollowOptions, LogEvent};
use crate::acr::model::AttributesUpdate;
use crate::acr::paging::collect;
use crate::acr::registry::TagOrder;
use crate::acr::{Acr, RunFilter};
use crate::acr::{AcrError, ErrorKind};
use crate::app::mutation::Mutation;
use crate::app::{Action, Effect, Refresh};
use futures::StreamExt;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

pub struct Runner {
    /// `None` when no client could be built; every load then reports why.
    acr: Result<Acr, String>,
    tx: UnboundedSender<Action>,
    /// Subscriptions from the config; empty: every one the identity sees.
    subscriptions: Vec<String>,
    in_flight: HashMap<String, AbortHandle>,
}

impl Runner {
    pub fn new(acr: Result<Acr, String>, subscriptions: Vec<String>, tx: UnboundedSender<Action>) -> Runner {
        Runner {
            acr,
            tx,
            subscriptions,
            in_flight: HashMap::new(),
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
            Effect::OpenLog {
                registry,
                login_server,
                run_id,
            } => (
                "log".into(),
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
            Effect::Mutate { job, mutation } => (
                format!("mutate:{}", job.0),
                Box::pin(async move {
                    let result = match acr {
                        Ok(acr) => mutate(&acr, &mutation).await,
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(Action::Mutated { job, mutation, result });
                }),
            ),
            Effect::CloseLog => {
                if let Some(h) = self.in_flight.remove("log") {
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
async fn mutate(acr: &Acr, mutation: &Mutation) -> Result<String, String> {
    match mutation {
        Mutation::TagLocks {
            login_server,
            repository,
            tag,
            lock,
            ..
        } => {
            let client = acr.registry(login_server).map_err(|e| e.to_string())?;
            let update = AttributesUpdate::lock(true, true, *lock);
            client
                .update_tag(repository, tag, &update)
                .await
                .map_err(|e| e.to_string())?;
            let now = client.tag(repository, tag).await.map_err(|e| e.to_string())?;
            let a = &now.changeable_attributes;
            if a.write_enabled == *lock || a.delete_enabled == *lock {
                return Err(format!(
                    "the registry accepted the change but reads back write={} delete={}",
                    a.write_enabled, a.delete_enabled
                ));
            }
            Ok(if *lock {
                "write and delete disabled".into()
            } else {
                "write and delete enabled".into()
            })
        }
        Mutation::CancelRun { registry, run_id, .. } => {
            let arm = acr.arm().map_err(|e| e.to_string())?;
            let run = arm.cancel_run(registry, run_id).await.map_err(|e| e.to_string())?;
            Ok(format!("run {run_id} {}", run.status()))
        }
    }
}
