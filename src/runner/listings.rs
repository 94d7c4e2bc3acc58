//! The listings the panes show, each sent page by page as the service answers (the Locks pane's
//! scan sends what it finds repository by repository), every page carrying its read's
//! generation.

use super::Ctx;
use crate::acr::model::{ManifestProperties, TagProperties};
use crate::acr::paging::collect;
use crate::acr::registry::TagOrder;
use crate::acr::{Acr, Failure, RegistryClient, RegistryRef, RunFilter};
use crate::app::data::{LockedItem, LockedKind};
use crate::app::{Action, Page};
use futures::StreamExt;
use futures::future::Either;
use tokio::sync::mpsc::UnboundedSender;

/// How many repositories' details (or lock scans) are read at once.
const DETAIL_CONCURRENCY: usize = 4;

/// The newest runs the Runs pane shows.
const RUNS_SHOWN: u32 = 50;

/// The most repository details sent to the pane in one action.
const DETAIL_BATCH: usize = 32;

/// Items asked for per page of a listing: the most the service returns in one page (it answers
/// at most 1,000 tags whatever `n` asks), so a listing takes as few round trips as it can.
const PAGE: u32 = 1000;

pub async fn sign_in(ctx: Ctx) {
    let result = match &ctx.acr {
        Ok(acr) => acr.identity().await.map_err(Failure::from),
        Err(e) => Err(e.clone()),
    };
    ctx.send(Action::SignedIn(result));
}

pub async fn registries(ctx: Ctx, subscriptions: Vec<String>, generation: u64) {
    let (registries, error) = match &ctx.acr {
        Ok(acr) => load_registries(acr, subscriptions).await,
        Err(e) => (vec![], Some(e.clone())),
    };
    ctx.send(Action::RegistriesLoaded {
        page: Page::whole(generation),
        registries,
        error,
    });
}

pub async fn usage(ctx: Ctx, registry: RegistryRef, login_server: String) {
    let usage = match arm(&ctx) {
        Ok(arm) => arm.usages(&registry).await.map_err(Failure::from).map(|u| {
            u.iter()
                .find(|u| u.name == "Size")
                .map(|s| (s.current_value.unwrap_or(0), s.limit.unwrap_or(0)))
                .unwrap_or((0, 0))
        }),
        Err(e) => Err(e),
    };
    ctx.send(Action::UsageLoaded {
        login_server: login_server.clone(),
        usage,
    });
    // Its geo-replicas, for the Registries pane's health (a few per registry, one page).
    let replicas = match arm(&ctx) {
        Ok(arm) => collect(arm.list_replications(&registry))
            .await
            .into_result()
            .map_err(Failure::from),
        Err(e) => Err(e),
    };
    ctx.send(Action::ReplicasLoaded { login_server, replicas });
}

/// The client of a registry's data plane, or why there is none.
fn registry_client(ctx: &Ctx, login_server: &str) -> Result<RegistryClient, Failure> {
    ctx.acr
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|a| a.registry(login_server).map_err(Failure::from))
}

/// The ARM client, or why there is none.
pub(super) fn arm(ctx: &Ctx) -> Result<crate::acr::ArmClient, Failure> {
    ctx.acr
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|a| a.arm().cloned().map_err(Failure::from))
}

/// Repository names page by page. Their details are read apart, for the rows on screen.
pub async fn repositories(ctx: Ctx, login_server: String, generation: u64) {
    let send = |names: Vec<String>, last: bool, error: Option<Failure>| {
        ctx.send(Action::RepositoriesLoaded {
            login_server: login_server.clone(),
            page: Page { generation, last },
            names,
            error,
        })
    };
    let client = match registry_client(&ctx, &login_server) {
        Ok(c) => c,
        Err(e) => return send(vec![], true, Some(e)),
    };
    let mut pages = client.repositories(PAGE);
    let mut error = None;
    while let Some(page) = pages.next().await {
        match page {
            Ok(names) => send(names, false, None),
            Err(e) => error = Some(Failure::from(e)),
        }
    }
    send(vec![], true, error);
}

/// The details of the repositories named, a few at a time, sent in small batches as they come
/// (so a screenful arriving together is one change to the pane, not forty).
pub async fn repository_details(ctx: Ctx, login_server: String, names: Vec<String>) {
    let client = match registry_client(&ctx, &login_server) {
        Ok(c) => c,
        Err(e) => {
            return ctx.send(Action::RepositoryDetails {
                login_server,
                details: vec![],
                error: Some(e),
            });
        }
    };
    let mut batches = client
        .repository_details(names, DETAIL_CONCURRENCY)
        .ready_chunks(DETAIL_BATCH);
    while let Some(batch) = batches.next().await {
        let mut details = Vec::new();
        let mut error = None;
        for (_, r) in batch {
            match r {
                Ok(p) => details.push(p),
                Err(e) => {
                    error.get_or_insert(Failure::from(e));
                }
            }
        }
        ctx.send(Action::RepositoryDetails {
            login_server: login_server.clone(),
            details,
            error,
        });
    }
}

/// Tags, newest first, and the repository's manifests to join them to: both read side by side
/// and sent page by page as they come, so the pane shows the newest tags at once.
pub async fn tags(ctx: Ctx, login_server: String, repository: String, generation: u64) {
    let send = |page: Page, tags: Vec<TagProperties>, manifests: Vec<ManifestProperties>, error: Option<Failure>| {
        ctx.send(Action::TagsLoaded {
            login_server: login_server.clone(),
            repository: repository.clone(),
            page,
            tags,
            manifests,
            error,
        })
    };
    let last = Page { generation, last: true };
    let more = Page {
        generation,
        last: false,
    };
    let client = match registry_client(&ctx, &login_server) {
        Ok(c) => c,
        Err(e) => return send(last, vec![], vec![], Some(e)),
    };
    let tags = client
        .tags(&repository, TagOrder::NewestFirst, PAGE)
        .map(|page| page.map(Either::Left));
    let manifests = client.manifests(&repository, PAGE).map(|page| page.map(Either::Right));
    let mut pages = futures::stream::select(tags, manifests);
    let mut error = None;
    while let Some(page) = pages.next().await {
        match page {
            Ok(Either::Left(tags)) => send(more, tags, vec![], None),
            Ok(Either::Right(manifests)) => send(more, vec![], manifests, None),
            // The first listing to fail says why; the other goes on to its end.
            Err(e) => {
                error.get_or_insert(Failure::from(e));
            }
        }
    }
    send(last, vec![], vec![], error);
}

/// The cheap check of a tags listing: one page of the newest tags and the repository's tag
/// count, read side by side. Without the count the check cannot vouch for the rows (deletions
/// would go unseen), so a failure to read either fails the check.
pub async fn check_tags(ctx: Ctx, login_server: String, repository: String, generation: u64) {
    let checked = match registry_client(&ctx, &login_server) {
        Ok(client) => {
            let page = crate::app::panes::tags::CHECK_PAGE as u32;
            let mut pages = client.tags(&repository, TagOrder::NewestFirst, page);
            let (first, props) = futures::join!(pages.next(), client.repository(&repository));
            first
                .unwrap_or_else(|| Ok(vec![]))
                .and_then(|newest| Ok((newest, props?.tag_count)))
                .map_err(Failure::from)
        }
        Err(e) => Err(e),
    };
    let (newest, count) = match checked {
        Ok((newest, count)) => (Ok(newest), Some(count)),
        Err(e) => (Err(e), None),
    };
    ctx.send(Action::TagsChecked {
        login_server,
        repository,
        generation,
        newest,
        count,
    });
}

/// Manifests of a repository read one by one (those of tags new since the listing was read).
pub async fn tag_manifests(ctx: Ctx, login_server: String, repository: String, digests: Vec<String>) {
    let client = match registry_client(&ctx, &login_server) {
        Ok(c) => c,
        Err(e) => {
            return ctx.send(Action::TagManifests {
                login_server,
                repository,
                manifests: vec![],
                error: Some(e),
            });
        }
    };
    let read: Vec<_> = futures::stream::iter(digests)
        .map(|d| {
            let (client, repository) = (client.clone(), repository.clone());
            async move { client.manifest(&repository, &d).await }
        })
        .buffer_unordered(DETAIL_CONCURRENCY)
        .collect()
        .await;
    let mut manifests = Vec::new();
    let mut error = None;
    for r in read {
        match r {
            Ok(m) => manifests.push(m),
            Err(e) => {
                error.get_or_insert(Failure::from(e));
            }
        }
    }
    ctx.send(Action::TagManifests {
        login_server,
        repository,
        manifests,
        error,
    });
}

/// Whether a manifest is in a registry: read by digest; not found is an answer, not a failure.
pub async fn manifest_presence(ctx: Ctx, login_server: String, repository: String, digest: String) {
    let present = match registry_client(&ctx, &login_server) {
        Err(e) => Err(e),
        Ok(client) => match client.manifest(&repository, &digest).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind == crate::acr::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Failure::from(e)),
        },
    };
    ctx.send(Action::ManifestPresence {
        key: (login_server, repository, digest),
        present,
    });
}

/// The newest runs, page by page.
pub async fn runs(ctx: Ctx, registry: RegistryRef, login_server: String, generation: u64) {
    let send = |runs, last, error| {
        ctx.send(Action::RunsLoaded {
            login_server: login_server.clone(),
            page: Page { generation, last },
            runs,
            error,
        })
    };
    let arm = match arm(&ctx) {
        Ok(a) => a,
        Err(e) => return send(vec![], true, Some(e)),
    };
    let mut pages = arm.list_runs(&registry, &RunFilter::default(), Some(RUNS_SHOWN));
    let (mut error, mut count) = (None, 0);
    while let Some(page) = pages.next().await {
        match page {
            Ok(runs) => {
                count += runs.len();
                send(runs, false, None);
            }
            Err(e) => {
                error = Some(Failure::from(e));
                break;
            }
        }
        // `$top` bounds what the service returns, not the pages it offers after it.
        if count >= RUNS_SHOWN as usize {
            break;
        }
    }
    send(vec![], true, error);
}

pub async fn tasks(ctx: Ctx, registry: RegistryRef, login_server: String, generation: u64) {
    let (tasks, error) = match arm(&ctx) {
        Ok(arm) => {
            let listed = collect(arm.list_tasks(&registry)).await;
            (listed.items, listed.error.map(Failure::from))
        }
        Err(e) => (vec![], Some(e)),
    };
    ctx.send(Action::TasksLoaded {
        login_server,
        page: Page::whole(generation),
        tasks,
        error,
    });
}

/// Cache rules with the credential sets they use: the credential sets first (a registry has
/// a few), then the rules page by page, each page sent with them to be joined.
pub async fn cache_rules(ctx: Ctx, registry: RegistryRef, login_server: String, generation: u64) {
    let send = |rules, credentials, last, error| {
        ctx.send(Action::CacheRulesLoaded {
            login_server: login_server.clone(),
            page: Page { generation, last },
            rules,
            credentials,
            error,
        })
    };
    let arm = match arm(&ctx) {
        Ok(a) => a,
        Err(e) => return send(vec![], vec![], true, Some(e)),
    };
    let creds = collect(arm.list_credential_sets(&registry)).await;
    let mut error = creds.error.map(Failure::from);
    let mut pages = arm.list_cache_rules(&registry);
    while let Some(page) = pages.next().await {
        match page {
            Ok(rules) => send(rules, creds.items.clone(), false, None),
            Err(e) => {
                error.get_or_insert(Failure::from(e));
                break;
            }
        }
    }
    send(vec![], vec![], true, error);
}

pub async fn locks(ctx: Ctx, login_server: String, generation: u64) {
    match registry_client(&ctx, &login_server) {
        Ok(client) => scan_locks(client, &login_server, generation, &ctx.tx).await,
        Err(e) => ctx.send(Action::LocksDone {
            login_server,
            generation,
            error: Some(e),
        }),
    }
}

/// Registries of the configured subscriptions, or of every one the identity sees.
async fn load_registries(acr: &Acr, configured: Vec<String>) -> (Vec<crate::acr::model::Registry>, Option<Failure>) {
    let arm = match acr.arm() {
        Ok(a) => a,
        Err(e) => return (vec![], Some(e.into())),
    };
    let subs = if configured.is_empty() {
        match arm.list_subscriptions().await {
            Ok(s) => s,
            Err(e) => return (vec![], Some(e.into())),
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
            error = Some(e.into());
        }
    }
    (all, error)
}

/// Finds everything locked in a registry: each repository's own switches, its tags' and its
/// manifests'. Repositories are scanned a few at a time and each one's findings are sent as soon
/// as it is done, so the pane fills in while the scan goes on. Things whose listing is disabled
/// are, by ACR's design, not listed and so cannot be found this way.
async fn scan_locks(client: RegistryClient, login_server: &str, generation: u64, tx: &UnboundedSender<Action>) {
    let repos = collect(client.repositories(PAGE)).await;
    let total = repos.items.len();
    let mut error = repos.error.map(Failure::from);
    // The tokens of each fifty repositories are asked for together before they are read.
    let mut scans = client
        .with_metadata_tokens(repos.items)
        .map(|repo| {
            let client = client.clone();
            async move { scan_repository(&client, &repo).await }
        })
        .buffer_unordered(DETAIL_CONCURRENCY)
        .boxed();
    let mut scanned = 0;
    while let Some((items, failed)) = scans.next().await {
        scanned += 1;
        if let Some(e) = failed {
            error.get_or_insert(e);
        }
        let _ = tx.send(Action::LocksFound {
            login_server: login_server.to_string(),
            generation,
            items,
            scanned,
            total,
        });
    }
    let _ = tx.send(Action::LocksDone {
        login_server: login_server.to_string(),
        generation,
        error,
    });
}

/// One repository's locks, and the first error that cut its scan short.
async fn scan_repository(client: &RegistryClient, repo: &str) -> (Vec<LockedItem>, Option<Failure>) {
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
        Err(e) => return (items, Some(e.into())),
    }
    // Only what is locked is kept of each page: a repository of 100,000 tags is scanned
    // without holding them.
    let (tags, manifests) = futures::join!(
        locked_in(client.tags(repo, TagOrder::Name, PAGE), |t| {
            t.changeable_attributes.is_locked().then(|| LockedItem {
                kind: LockedKind::Tag,
                repository: repo.to_string(),
                reference: t.name,
                attributes: t.changeable_attributes,
                tags: vec![],
            })
        }),
        locked_in(client.manifests(repo, PAGE), |m| {
            m.changeable_attributes.is_locked().then(|| LockedItem {
                kind: LockedKind::Manifest,
                repository: repo.to_string(),
                reference: m.digest,
                attributes: m.changeable_attributes,
                tags: m.tags,
            })
        })
    );
    items.extend(tags.0);
    items.extend(manifests.0);
    (items, tags.1.or(manifests.1))
}

/// The locked items of a listing, page by page, and the error that cut it short.
async fn locked_in<T>(
    mut pages: crate::acr::paging::Pages<T>,
    locked: impl Fn(T) -> Option<LockedItem>,
) -> (Vec<LockedItem>, Option<Failure>) {
    let mut items = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => items.extend(page.into_iter().filter_map(&locked)),
            Err(e) => return (items, Some(e.into())),
        }
    }
    (items, None)
}
