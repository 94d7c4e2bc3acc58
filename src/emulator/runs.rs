//! Creating task runs (from a task, or a quick run of an encoded task) with the script of log
//! lines the clock writes into their blobs as time passes.

use super::scripts;
use super::world::{Registry, Run, RunEffect, RunStatus, TaskKind, Trigger, Upstream};
use chrono::{DateTime, Duration, Utc};

/// Appends one log line with the CRLF ending the service writes.
pub fn append_line(log: &mut Vec<u8>, line: &str) {
    for l in line.split('\n') {
        log.extend_from_slice(l.as_bytes());
        log.extend_from_slice(b"\r\n");
    }
}

/// Writes every script line that is due by `now`.
pub fn flush_due(run: &mut Run, now: DateTime<Utc>) {
    while run.script.front().is_some_and(|(t, _)| *t <= now) {
        if let Some((_, line)) = run.script.pop_front() {
            append_line(&mut run.log, &line);
            // One stamp per line of the blob (a script entry can hold several).
            let at = Utc::now();
            run.appended.extend(line.split('\n').map(|_| at));
        }
    }
}

/// Creates a queued run of `task` with its script; the clock moves it on from `start`.
pub fn new_run(
    reg: &mut Registry,
    task_name: &str,
    trigger: Trigger,
    start: DateTime<Utc>,
    duration_secs: i64,
    fail: bool,
    upstream: &Upstream,
) -> Result<Run, String> {
    let task = reg
        .tasks
        .get(task_name)
        .cloned()
        .ok_or_else(|| format!("unknown task `{task_name}`"))?;
    let id = reg.new_run_id();
    let (script, outcome, effect, outputs) = match &task.kind {
        TaskKind::Build { image, base } => {
            let image = image.replace("{{.Run.ID}}", &id);
            let lines = (duration_secs.max(20) as usize / 2).clamp(5, 400);
            let (repo, tag) = image.split_once(':').unwrap_or((&image, "latest"));
            let seed = format!("{repo}:{tag}");
            // The image is built now, aside, so the log prints the digest and size the push
            // will have (and the run's outputImages report).
            let pushed = built_manifest(repo, tag, &seed, start)?;
            let s = scripts::build_log(
                &id,
                &reg.login_server,
                &image,
                base,
                (start, duration_secs),
                lines,
                fail,
                &pushed,
            );
            let effect = RunEffect::PushBuilt {
                repo: repo.into(),
                tag: tag.into(),
                seed,
                created: start,
            };
            let status = if fail { RunStatus::Failed } else { RunStatus::Succeeded };
            (
                s,
                status,
                Some(effect),
                vec![(
                    reg.login_server.clone(),
                    repo.to_string(),
                    tag.to_string(),
                    Some(pushed.0),
                )],
            )
        }
        TaskKind::GatedImport { source, target } => {
            let (host_repo, tag) = source.rsplit_once(':').unwrap_or((source, "latest"));
            let (host, repo) = host_repo.split_once('/').unwrap_or(("docker.io", host_repo));
            let resolved = upstream.repository_for(host, repo).map(|(r, _)| r);
            let digest = resolved
                .as_ref()
                .and_then(|r| upstream.store.repos.get(r))
                .and_then(|r| r.tags.get(tag))
                .map(|t| t.digest.clone());
            // A history run that failed failed at the gate, when the base image was Red.
            let color = match (&resolved, &digest) {
                _ if fail => Some("Red".to_string()),
                (Some(r), Some(d)) => super::images::image_env(&upstream.store, r, d, "BACKGROUND_COLOR"),
                _ => None,
            };
            let (s, ok) = scripts::gated_import_log(&id, source, target, color.as_deref(), &reg.login_server, start);
            let (trepo, ttag) = target.split_once(':').unwrap_or((target, "latest"));
            let output_digest = digest.clone();
            let effect = match (resolved, digest) {
                (Some(r), Some(d)) if ok => Some(RunEffect::ImportFromUpstream {
                    upstream_repo: r,
                    digest: d,
                    target_repo: trepo.into(),
                    tag: ttag.into(),
                }),
                _ => None,
            };
            let status = if ok { RunStatus::Succeeded } else { RunStatus::Failed };
            (
                s,
                status,
                effect,
                vec![(
                    reg.login_server.clone(),
                    trepo.to_string(),
                    ttag.to_string(),
                    output_digest,
                )],
            )
        }
        TaskKind::Validate { repository } => {
            // The newest tag of the repository: what a validation triggered now would test.
            let newest = reg.store.repos.get(repository).and_then(|r| {
                r.tags
                    .values()
                    .max_by_key(|t| t.updated)
                    .map(|t| (t.name.clone(), t.digest.clone()))
            });
            let (tag, digest) = newest.unwrap_or_else(|| ("latest".into(), String::new()));
            let script = scripts::validate_log(&id, &format!("{repository}@{digest}"), !fail, start);
            let status = if fail { RunStatus::Failed } else { RunStatus::Succeeded };
            let outputs = vec![(
                reg.login_server.clone(),
                repository.clone(),
                tag,
                Some(digest).filter(|d| !d.is_empty()),
            )];
            (script, status, None, outputs)
        }
    };
    Ok(Run {
        id,
        task: Some(task.name.clone()),
        status: RunStatus::Queued,
        trigger,
        os: task.os.clone(),
        arch: task.arch.clone(),
        created: start,
        started: None,
        finished: None,
        output_images: outputs,
        log: Vec::new(),
        log_complete: false,
        appended: Vec::new(),
        script: script.lines.into(),
        outcome,
        on_success: effect,
        archive_enabled: false,
    })
}

/// The digest and manifest size of the image a build run pushes.
fn built_manifest(repo: &str, tag: &str, seed: &str, created: DateTime<Utc>) -> Result<(String, usize), String> {
    let mut scratch = super::model::Store::default();
    let spec = super::images::ImageSpec {
        seed,
        platforms: &[],
        env: &[],
        created,
    };
    let digest = super::images::build_image(&mut scratch, repo, Some(tag), &spec)?;
    let size = scratch
        .repos
        .get(repo)
        .and_then(|r| r.manifests.get(&digest))
        .map_or(0, |m| m.body.len());
    Ok((digest, size))
}

/// A quick run of an encoded task (`EncodedTaskRunRequest`): each line of the task is echoed as
/// a step, and the run succeeds.
pub fn quick_run(reg: &mut Registry, task_yaml: &str, os: &str, start: DateTime<Utc>) -> Run {
    let id = reg.new_run_id();
    let mut lines = Vec::new();
    let mut t = start;
    let stamp = |t: DateTime<Utc>| t.format("%Y/%m/%d %H:%M:%S").to_string();
    lines.push((t, format!("{} Alias support enabled for version >= 1.1.0, please see https://aka.ms/acr/tasks/task-aliases for more information.", stamp(t))));
    for (i, l) in task_yaml.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        t += Duration::milliseconds(400);
        lines.push((t, format!("{} Executing step ID: acb_step_{i}: {}", stamp(t), l.trim())));
    }
    t += Duration::milliseconds(400);
    let elapsed = (t - start).num_seconds().max(1);
    lines.push((t, format!("Run ID: {id} was successful after {elapsed}s")));
    Run {
        id,
        task: None,
        status: RunStatus::Queued,
        trigger: Trigger::Manual,
        os: os.to_string(),
        arch: "amd64".into(),
        created: start,
        started: None,
        finished: None,
        output_images: vec![],
        log: Vec::new(),
        log_complete: false,
        appended: Vec::new(),
        script: lines.into(),
        outcome: RunStatus::Succeeded,
        on_success: None,
        archive_enabled: false,
    }
}
