//! The world file: a TOML description of the emulated tenant (registries, images, locks, cache
//! rules, tasks, run history) that the emulator builds its state from. `assets/demo-world.toml` is
//! the demo world and documents the format; `acrdeck emulator --world FILE` loads any other.

use super::images::{ImageSpec, build_image};
use super::runs::{append_line, flush_due, new_run};
pub use super::scale::Scale;
use super::world::{
    CacheRule, CredentialSet, Principal, Registry, Replication, RunEffect, RunStatus, Task, TaskKind, Trigger,
    Upstream, UpstreamHost, Webhook, World, attrs_from_locks,
};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub const DEMO_WORLD: &str = include_str!("../../assets/demo-world.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldFile {
    pub tenant: String,
    pub subscription: String,
    #[serde(default = "default_page")]
    pub arm_page_size: usize,
    #[serde(default = "default_import_seconds")]
    pub import_seconds: f64,
    pub principal: PrincipalFile,
    /// A second operator (another service principal), so that two people can be played: one
    /// requests a promotion, the other approves it.
    #[serde(default)]
    pub approver: Option<PrincipalFile>,
    #[serde(default)]
    pub upstream: UpstreamFile,
    #[serde(default)]
    pub registries: Vec<RegistryFile>,
}

fn default_page() -> usize {
    100
}
fn default_import_seconds() -> f64 {
    2.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalFile {
    pub client_id: String,
    pub object_id: String,
    pub display_name: String,
    /// Fixed secret; a random one is made at start when absent.
    pub client_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamFile {
    #[serde(default)]
    pub hosts: Vec<UpstreamHostFile>,
    #[serde(default)]
    pub images: Vec<ImageFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamHostFile {
    pub host: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFile {
    pub repository: String,
    /// Oldest first.
    pub tags: Vec<String>,
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Age of the oldest tag in hours; later tags are spread evenly up to `newest_hours`.
    #[serde(default = "default_oldest")]
    pub oldest_hours: f64,
    #[serde(default = "default_newest")]
    pub newest_hours: f64,
    /// Tags locked against write and delete.
    #[serde(default)]
    pub locked: Vec<String>,
    /// Locks of the whole repository (`write`, `delete`, `read`, `list`).
    #[serde(default)]
    pub repository_locks: Vec<String>,
    /// Tags built differently here than elsewhere (a different digest: drift).
    #[serde(default)]
    pub drift: Vec<String>,
    /// Image environment (`BACKGROUND_COLOR = "Orange"`).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Build seed prefix; default the repository name without any upstream host.
    pub seed: Option<String>,
}

fn default_oldest() -> f64 {
    24.0 * 30.0
}
fn default_newest() -> f64 {
    2.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryFile {
    pub name: String,
    pub resource_group: String,
    pub location: String,
    pub sku: String,
    pub stage: Option<String>,
    #[serde(default)]
    pub admin_user_enabled: bool,
    #[serde(default = "yes")]
    pub public_network_access: bool,
    #[serde(default)]
    pub images: Vec<ImageFile>,
    #[serde(default)]
    pub credential_sets: Vec<CredentialSetFile>,
    #[serde(default)]
    pub cache_rules: Vec<CacheRuleFile>,
    #[serde(default)]
    pub tasks: Vec<TaskFile>,
    #[serde(default)]
    pub runs: Vec<RunFile>,
    #[serde(default)]
    pub webhooks: Vec<WebhookFile>,
    #[serde(default)]
    pub scope_maps: Vec<ScopeMapFile>,
    #[serde(default)]
    pub tokens: Vec<TokenFile>,
    #[serde(default)]
    pub replications: Vec<ReplicationFile>,
}

/// A geo-replica in another region, with the status the service reports for it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationFile {
    pub location: String,
    /// The replica's name; ACR names one after its region unless told otherwise.
    pub name: Option<String>,
    /// `Ready`, `Syncing`, `Failed`, …
    #[serde(default = "ready")]
    pub status: String,
    pub message: Option<String>,
}

fn ready() -> String {
    "Ready".into()
}

/// A scope map: `actions` as ACR writes them (`repositories/apps/web/content/read`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeMapFile {
    pub name: String,
    pub actions: Vec<String>,
}

/// A repository-scoped token on a scope map of the same registry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenFile {
    pub name: String,
    pub scope_map: String,
    /// Its password (random when not given: then only its name is of use).
    pub password: Option<String>,
    /// Hours until the password expires (negative: expired already); none: never.
    pub expires_in_hours: Option<f64>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSetFile {
    pub name: String,
    pub login_server: String,
    #[serde(default = "yes")]
    pub healthy: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheRuleFile {
    pub name: String,
    pub source: String,
    pub target: String,
    pub credential_set: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskFile {
    pub name: String,
    /// `build`, `gated-import` or `validate`.
    pub kind: String,
    /// build: image to push, `repo:{{.Run.ID}}`; gated-import: target `repo:tag`; validate: the
    /// repository whose newest image it tests.
    pub image: String,
    /// build: base image; gated-import: upstream source `host/repo:tag`; validate: none.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub timer_minutes: Option<u32>,
    /// Repository in this registry whose pushes trigger the task.
    pub base_image_trigger: Option<String>,
    #[serde(default = "default_platform")]
    pub platform: String,
}

fn default_platform() -> String {
    "linux/amd64".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    pub task: String,
    /// Final status: for history runs how they ended, for the live run how it will end.
    #[serde(default = "succeeded")]
    pub status: String,
    #[serde(default = "manual")]
    pub trigger: String,
    pub minutes_ago: f64,
    #[serde(default = "default_duration")]
    pub duration_secs: i64,
    /// Still running when the world starts: its log streams for `duration_secs` from now.
    #[serde(default)]
    pub live: bool,
    /// A validation run: the image (`repo:tag` of this registry) it tested, named with its
    /// digest in the run's outputs.
    #[serde(default)]
    pub validates: Option<String>,
}

fn succeeded() -> String {
    "Succeeded".into()
}
fn manual() -> String {
    "manual".into()
}
fn default_duration() -> i64 {
    45
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookFile {
    pub name: String,
    pub actions: Vec<String>,
    #[serde(default)]
    pub scope: String,
    /// Where it delivers; what `getCallbackConfig` answers.
    #[serde(default = "default_service_uri")]
    pub service_uri: String,
    /// Headers sent with each delivery (often a credential).
    #[serde(default)]
    pub custom_headers: BTreeMap<String, String>,
    /// What its receiver answers each delivery with: 200, or an error status for a webhook
    /// whose deliveries fail.
    #[serde(default = "delivered")]
    pub response_status: u16,
    /// The registry's newest pushes (tags pushed within this many hours) it has delivered
    /// already when the world starts.
    #[serde(default)]
    pub delivered_hours: f64,
}

fn delivered() -> u16 {
    200
}

fn default_service_uri() -> String {
    "https://hooks.contoso.invalid/acr".into()
}

/// Parses a world file; errors say where.
pub fn parse(text: &str) -> Result<WorldFile, String> {
    toml::from_str(text).map_err(|e| {
        let (line, col) = crate::config::line_col_of(text, e.span().map(|s| s.start).unwrap_or(0));
        format!("world file {line}:{col}: {}", e.message().trim())
    })
}

/// Builds the world's state. Times in the file are relative to `now`.
pub fn build(
    file: &WorldFile,
    now: DateTime<Utc>,
    scale: Scale,
    login_servers: &BTreeMap<String, String>,
) -> Result<World, String> {
    let secret = file
        .principal
        .client_secret
        .clone()
        .unwrap_or_else(|| format!("emu~{}", uuid::Uuid::new_v4().simple()));
    let mut upstream = Upstream {
        hosts: file
            .upstream
            .hosts
            .iter()
            .map(|h| UpstreamHost {
                host: h.host.clone(),
                credentials: h.username.clone().zip(h.password.clone()),
            })
            .collect(),
        ..Default::default()
    };
    for img in &file.upstream.images {
        load_images(&mut upstream.store, img, now)?;
    }
    let mut registries = Vec::new();
    for rf in &file.registries {
        let mut reg = registry(rf, now, login_servers)?;
        run_history(&mut reg, rf, now, &upstream)?;
        delivered_events(&mut reg, rf, now);
        registries.push(reg);
    }
    for name in scale.registry_names() {
        let mut reg = super::scale::synthetic_registry(scale, &name, now)?;
        if let Some(ls) = login_servers.get(&name) {
            reg.login_server = ls.clone();
        }
        registries.push(reg);
    }
    Ok(World {
        tenant: file.tenant.clone(),
        subscription: file.subscription.clone(),
        principal: Principal {
            client_id: file.principal.client_id.clone(),
            client_secret: secret,
            object_id: file.principal.object_id.clone(),
            display_name: file.principal.display_name.clone(),
            certificates: Vec::new(),
        },
        approver: file.approver.as_ref().map(|a| Principal {
            client_id: a.client_id.clone(),
            client_secret: a
                .client_secret
                .clone()
                .unwrap_or_else(|| format!("emu~{}", uuid::Uuid::new_v4().simple())),
            object_id: a.object_id.clone(),
            display_name: a.display_name.clone(),
            certificates: Vec::new(),
        }),
        registries,
        upstream,
        operations: HashMap::new(),
        arm_page_size: file.arm_page_size.max(1),
        import_seconds: file.import_seconds,
    })
}

fn load_images(store: &mut super::model::Store, img: &ImageFile, now: DateTime<Utc>) -> Result<(), String> {
    let env: Vec<(String, String)> = img.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let seed_base = img.seed.clone().unwrap_or_else(|| {
        // Upstream repositories are named host/path; the build is the same wherever it lives.
        img.repository.clone()
    });
    let n = img.tags.len().max(1);
    for (i, tag) in img.tags.iter().enumerate() {
        let frac = if n == 1 { 0.0 } else { i as f64 / (n - 1) as f64 };
        let hours = img.oldest_hours + (img.newest_hours - img.oldest_hours) * frac;
        let created = now - Duration::milliseconds((hours * 3_600_000.0) as i64);
        let mut seed = format!("{seed_base}:{tag}");
        if img.drift.contains(tag) {
            seed.push_str("+drift");
        }
        // The image's own build time comes from its seed, not from this registry's timeline:
        // the same build must have the same digest wherever it was promoted to.
        let spec = ImageSpec {
            seed: &seed,
            platforms: &img.platforms,
            env: &env,
            created: build_time(&seed),
        };
        build_image(store, &img.repository, Some(tag), &spec)?;
        if let Some(r) = store.repos.get_mut(&img.repository) {
            r.backdate_tag(tag, created, created);
            r.backdate_push(tag, created);
            if img.locked.contains(tag)
                && let Some(t) = r.tags.get_mut(tag)
            {
                t.attrs = attrs_from_locks(&["write".into(), "delete".into()]);
            }
        }
    }
    if let Some(r) = store.repos.get_mut(&img.repository) {
        r.attrs = attrs_from_locks(&img.repository_locks);
        r.created = now - Duration::milliseconds((img.oldest_hours * 3_600_000.0) as i64);
    }
    Ok(())
}

/// A registry as its file describes it: images, credential sets, cache rules, tasks, webhooks.
fn registry(
    rf: &RegistryFile,
    now: DateTime<Utc>,
    login_servers: &BTreeMap<String, String>,
) -> Result<Registry, String> {
    let mut reg = Registry {
        name: rf.name.clone(),
        resource_group: rf.resource_group.clone(),
        location: rf.location.clone(),
        sku: rf.sku.clone(),
        tags: rf.stage.iter().map(|s| ("stage".to_string(), s.clone())).collect(),
        created: now - Duration::days(400),
        login_server: login_servers
            .get(&rf.name)
            .cloned()
            .unwrap_or_else(|| format!("{}.azurecr.io", rf.name)),
        admin_user_enabled: rf.admin_user_enabled,
        admin_password: format!("adm~{}", uuid::Uuid::new_v4().simple()),
        public_network_access: rf.public_network_access,
        store: Default::default(),
        cache_rules: BTreeMap::new(),
        credential_sets: BTreeMap::new(),
        tasks: BTreeMap::new(),
        runs: Vec::new(),
        webhooks: BTreeMap::new(),
        scope_maps: BTreeMap::new(),
        tokens: BTreeMap::new(),
        replications: BTreeMap::new(),
        uploads: HashMap::new(),
        next_run: 0,
    };
    for img in &rf.images {
        load_images(&mut reg.store, img, now)?;
    }
    for c in &rf.credential_sets {
        reg.credential_sets.insert(
            c.name.clone(),
            CredentialSet {
                name: c.name.clone(),
                login_server: c.login_server.clone(),
                healthy: c.healthy,
                secrets: None,
                created: now - Duration::days(90),
            },
        );
    }
    for c in &rf.cache_rules {
        reg.cache_rules.insert(
            c.name.clone(),
            CacheRule {
                name: c.name.clone(),
                source: c.source.clone(),
                target: c.target.clone(),
                credential_set: c.credential_set.clone(),
                created: now - Duration::days(60),
                provisioning: "Succeeded".into(),
                settle_at: None,
            },
        );
    }
    for t in &rf.tasks {
        let (os, arch) = t.platform.split_once('/').unwrap_or(("linux", "amd64"));
        let kind = match t.kind.as_str() {
            "build" => TaskKind::Build {
                image: t.image.clone(),
                base: t.source.clone(),
            },
            "gated-import" => TaskKind::GatedImport {
                source: t.source.clone(),
                target: t.image.clone(),
            },
            "validate" => TaskKind::Validate {
                repository: t.image.clone(),
            },
            other => {
                return Err(format!(
                    "task {}: unknown kind `{other}` (build, gated-import, validate)",
                    t.name
                ));
            }
        };
        reg.tasks.insert(
            t.name.clone(),
            Task {
                name: t.name.clone(),
                kind,
                os: os.into(),
                arch: arch.into(),
                created: now - Duration::days(120),
                enabled: true,
                timer_minutes: t.timer_minutes,
                last_timer: now,
                base_image_repo: t.base_image_trigger.clone(),
            },
        );
    }
    for m in &rf.scope_maps {
        reg.scope_maps.insert(
            m.name.clone(),
            super::world::ScopeMap {
                name: m.name.clone(),
                actions: m.actions.clone(),
                created: now - Duration::days(90),
            },
        );
    }
    for t in &rf.tokens {
        if !reg.scope_maps.contains_key(&t.scope_map) {
            return Err(format!(
                "registry {}: token {} names scope map {}, which the registry does not have",
                rf.name, t.name, t.scope_map
            ));
        }
        reg.tokens.insert(
            t.name.clone(),
            super::world::RepoToken {
                name: t.name.clone(),
                scope_map: t.scope_map.clone(),
                password: t
                    .password
                    .clone()
                    .unwrap_or_else(|| format!("tok~{}", uuid::Uuid::new_v4().simple())),
                created: now - Duration::days(60),
                expiry: t
                    .expires_in_hours
                    .map(|h| now + Duration::milliseconds((h * 3_600_000.0) as i64)),
                enabled: t.enabled,
            },
        );
    }
    for w in &rf.webhooks {
        reg.webhooks.insert(
            w.name.clone(),
            Webhook {
                name: w.name.clone(),
                actions: w.actions.clone(),
                scope: w.scope.clone(),
                enabled: true,
                service_uri: w.service_uri.clone(),
                custom_headers: w.custom_headers.clone(),
                response_status: w.response_status,
                events: vec![],
            },
        );
    }
    reg.replications = replications(rf, now);
    Ok(reg)
}

/// A registry's geo-replicas, each named after its region unless the file names it.
fn replications(rf: &RegistryFile, now: DateTime<Utc>) -> BTreeMap<String, Replication> {
    let mut out = BTreeMap::new();
    for rep in &rf.replications {
        let name = rep.name.clone().unwrap_or_else(|| rep.location.clone());
        let message = rep.message.clone().unwrap_or_else(|| match rep.status.as_str() {
            "Ready" => "The replication is ready.".into(),
            other => format!("The replication is {}.", other.to_ascii_lowercase()),
        });
        out.insert(
            name.clone(),
            Replication {
                name,
                location: rep.location.clone(),
                status: rep.status.clone(),
                message,
                since: now - Duration::hours(2),
                region_endpoint_enabled: true,
            },
        );
    }
    out
}

/// What each webhook had delivered when the world starts: a push event for every tag pushed
/// within its `delivered_hours`, oldest first, answered as its receiver answers.
fn delivered_events(reg: &mut Registry, rf: &RegistryFile, now: DateTime<Utc>) {
    for wf in rf.webhooks.iter().filter(|w| w.delivered_hours > 0.0) {
        let since = now - Duration::milliseconds((wf.delivered_hours * 3_600_000.0) as i64);
        let mut pushed: Vec<(DateTime<Utc>, String, String, String)> = reg
            .store
            .repos
            .values()
            .flat_map(|repo| {
                repo.tags
                    .values()
                    .filter(|t| t.updated >= since)
                    .map(|t| (t.updated, repo.name.clone(), t.name.clone(), t.digest.clone()))
            })
            .collect();
        pushed.sort();
        for (at, repo, tag, digest) in pushed {
            super::clock::record_event_to(reg, &wf.name, "push", &repo, Some(&tag), &digest, at);
        }
    }
}

/// The runs a registry's file lists, oldest first: finished ones with their whole log (and
/// what a successful one pushed), a live one streaming from now.
fn run_history(reg: &mut Registry, rf: &RegistryFile, now: DateTime<Utc>, upstream: &Upstream) -> Result<(), String> {
    let mut history: Vec<&RunFile> = rf.runs.iter().collect();
    history.sort_by(|a, b| b.minutes_ago.total_cmp(&a.minutes_ago));
    for r in history {
        let created = now - Duration::milliseconds((r.minutes_ago * 60_000.0) as i64);
        let trigger = match r.trigger.to_ascii_lowercase().as_str() {
            "commit" => Trigger::Commit,
            "base-image" | "baseimage" => Trigger::BaseImage,
            "timer" => Trigger::Timer,
            _ => Trigger::Manual,
        };
        let status =
            RunStatus::parse(&r.status).ok_or_else(|| format!("run of {}: unknown status `{}`", r.task, r.status))?;
        let start = if r.live { now - Duration::seconds(3) } else { created };
        let run = new_run(
            reg,
            &r.task,
            trigger,
            start,
            r.duration_secs,
            status == RunStatus::Failed,
            upstream,
        )?;
        let mut run = run;
        run.created = created;
        if let Some(image) = &r.validates {
            let (repo, tag) = image.split_once(':').unwrap_or((image, "latest"));
            let digest = reg
                .store
                .repos
                .get(repo)
                .and_then(|x| x.tags.get(tag))
                .map(|t| t.digest.clone())
                .ok_or_else(|| format!("run of {}: validates `{image}`, which is not in {}", r.task, reg.name))?;
            run.output_images = vec![(reg.login_server.clone(), repo.into(), tag.into(), Some(digest))];
        }
        if r.live {
            run.status = RunStatus::Running;
            run.started = Some(created);
            // Everything due by now is already in the blob; the rest streams.
            flush_due(&mut run, now);
        } else {
            // A finished run: its whole log is written, it ended as the file says.
            run.started = Some(created);
            let end = created + Duration::seconds(r.duration_secs);
            run.finished = Some(end);
            while let Some((_, line)) = run.script.pop_front() {
                append_line(&mut run.log, &line);
            }
            run.status = status;
            run.outcome = status;
            run.log_complete = true;
            // What a successful run pushed is in the registry, dated when it ended.
            if let (RunStatus::Succeeded, Some(effect)) = (status, run.on_success.take()) {
                apply_history_effect(reg, effect, end, upstream)?;
            }
        }
        reg.runs.push(run);
    }
    Ok(())
}

/// When a seed's image was built: a fixed moment in the first half of 2026 derived from the seed.
fn build_time(seed: &str) -> DateTime<Utc> {
    use sha2::Digest;
    let h = sha2::Sha256::digest(seed.as_bytes());
    let offset = u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]) % (180 * 86_400);
    // 2026-01-01T00:00:00Z.
    DateTime::from_timestamp(1_767_225_600 + offset as i64, 0).unwrap_or_default()
}

fn apply_history_effect(
    reg: &mut Registry,
    effect: RunEffect,
    at: DateTime<Utc>,
    upstream: &Upstream,
) -> Result<(), String> {
    match effect {
        RunEffect::PushBuilt {
            repo,
            tag,
            seed,
            created,
            ..
        } => {
            let spec = ImageSpec {
                seed: &seed,
                platforms: &[],
                env: &[],
                created,
            };
            build_image(&mut reg.store, &repo, Some(&tag), &spec)?;
            if let Some(r) = reg.store.repos.get_mut(&repo) {
                r.backdate_tag(&tag, at, at);
            }
        }
        RunEffect::ImportFromUpstream {
            upstream_repo,
            digest,
            target_repo,
            tag,
        } => {
            let src = super::clock::extract(&upstream.store, &upstream_repo, &digest);
            reg.store
                .copy_image_from(
                    &src,
                    &upstream_repo,
                    &digest,
                    &target_repo,
                    std::slice::from_ref(&tag),
                    at,
                )
                .map_err(|e| e.message)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_world_builds() {
        let file = parse(DEMO_WORLD).expect("demo world parses");
        let world = build(&file, Utc::now(), Scale::default(), &BTreeMap::new()).expect("demo world builds");
        let stages: Vec<&str> = world
            .registries
            .iter()
            .filter_map(|r| r.tags.get("stage").map(String::as_str))
            .collect();
        assert_eq!(stages, ["dev", "staging", "uat", "prod"]);
        let live: Vec<(&str, RunStatus)> = world
            .registries
            .iter()
            .flat_map(|reg| reg.runs.iter().map(move |r| (reg.name.as_str(), r)))
            .filter(|(_, r)| r.status == RunStatus::Running)
            .map(|(name, r)| (name, r.outcome))
            .collect();
        assert_eq!(
            live,
            [
                ("contosodev", RunStatus::Succeeded),
                ("contosostaging", RunStatus::Failed),
                ("contosouat", RunStatus::Succeeded)
            ],
            "runs stream in three registries as the demo opens, one of them to fail"
        );
        let staging = &world.registries[1];
        let hook = &staging.webhooks["deploystaging"];
        assert!(
            !hook.events.is_empty() && hook.events.iter().all(|e| e.status == 503),
            "the staging hook has failed deliveries"
        );
        let replicas: Vec<&str> = world.registries[3]
            .replications
            .values()
            .map(|r| r.status.as_str())
            .collect();
        assert_eq!(
            replicas,
            ["Syncing", "Ready"],
            "eastus still syncing, northeurope ready"
        );
        let prod = &world.registries[3];
        assert!(
            prod.store
                .repos
                .values()
                .flat_map(|r| r.tags.values())
                .any(|t| !t.attrs.write_enabled)
        );
    }
}
