//! Tasks, their runs (listed with OData filters, cancelled, updated) and scheduleRun.

use super::super::errors::arm as arm_error;
use super::super::server::json;
use super::super::world::{Registry, Run, RunStatus, Trigger, World};
use super::*;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use http::Method;
use serde_json::{Value, json};

pub(super) fn task_json(w: &World, reg: &Registry, t: &super::super::world::Task) -> Value {
    use super::super::world::TaskKind;
    let (step, base) = match &t.kind {
        TaskKind::Build { image, base } => (
            json!({"type": "Docker", "imageNames": [image], "dockerFilePath": "Dockerfile", "contextPath": format!("https://github.com/contoso/{}.git#main", t.name), "isPushEnabled": true, "noCache": false, "arguments": [{"name": "NODE_BASE", "value": base, "isSecret": false}]}),
            Some(base.clone()),
        ),
        TaskKind::GatedImport { source, target } => (
            json!({"type": "EncodedTask", "encodedTaskContent": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("version: v1.1.0\nsteps:\n  - id: gate\n    cmd: ./check-color.sh {source}\n  - cmd: az acr import --source {source} --image {target} --force\n")), "values": []}),
            None,
        ),
        TaskKind::Validate { repository } => (
            json!({"type": "EncodedTask", "encodedTaskContent": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("version: v1.1.0\nsteps:\n  - id: validate\n    cmd: ./validate.sh {{{{.Run.Registry}}}}/{repository}\n")), "values": []}),
            None,
        ),
    };
    let mut trigger = json!({});
    if let Some(repo) = &t.base_image_repo {
        trigger["baseImageTrigger"] = json!({"baseImageTriggerType": "Runtime", "updateTriggerPayloadType": "Default", "status": "Enabled", "name": "defaultBaseimageTriggerName", "baseImage": format!("{}/{repo}", reg.login_server), "updateTriggerEndpoint": format!("https://hooks.contoso.invalid/acr/{}", t.name)});
    }
    if let Some(m) = t.timer_minutes {
        trigger["timerTriggers"] = json!([{"schedule": format!("*/{m} * * * *"), "status": "Enabled", "name": "t1"}]);
    }
    let _ = base;
    json!({
        "id": child_id(w, reg, "tasks", &t.name),
        "name": t.name,
        "type": "Microsoft.ContainerRegistry/registries/tasks",
        "location": reg.location,
        "identity": {"type": "SystemAssigned", "principalId": w.principal.object_id, "tenantId": w.tenant},
        "properties": {
            "provisioningState": "Succeeded",
            "creationDate": ts(t.created),
            "status": if t.enabled { "Enabled" } else { "Disabled" },
            "platform": {"os": t.os, "architecture": t.arch},
            "agentConfiguration": {"cpu": 2},
            "timeout": 3600,
            "step": step,
            "trigger": trigger,
            "isSystemTask": false,
        }
    })
}

/// `tasks/{name}` (GET) and `tasks/{name}/listDetails` (POST, `action`).
pub(super) fn task(r: &Req<'_>, idx: usize, name: &str, action: Option<&str>) -> Response {
    let w = r.emu.world();
    let reg = &w.registries[idx];
    match (reg.tasks.get(name), action) {
        (Some(t), None) if r.method == Method::GET => json(200, &task_json(&w, reg, t)),
        (Some(t), Some(_)) if r.method == Method::POST => json(200, &task_details_json(&w, reg, t)),
        (Some(_), _) => method_not_allowed(),
        (None, _) => not_found("Microsoft.ContainerRegistry/registries/tasks", name),
    }
}

/// `tasks/{name}/listDetails`: the task as GET shows it, plus what GET leaves out: the
/// credentials it logs in with (the registry's own, by the task's identity; the demo tasks pull
/// from no custom registry) and its steps' values, secret ones included.
pub(super) fn task_details_json(w: &World, reg: &Registry, t: &super::super::world::Task) -> Value {
    let mut v = task_json(w, reg, t);
    v["properties"]["credentials"] = json!({
        "sourceRegistry": {"loginMode": "Default"},
        "customRegistries": {},
    });
    v
}

pub fn run_json(sub: &str, reg: &Registry, run: &Run) -> Value {
    let mut props = json!({
        "runId": run.id,
        "status": run.status.as_str(),
        "lastUpdatedTime": ts(run.finished.or(run.started).unwrap_or(run.created)),
        "runType": if run.trigger == Trigger::Manual { "QuickRun" } else { "AutoRun" },
        "createTime": ts(run.created),
        "outputImages": run.output_images.iter().filter(|_| run.status == RunStatus::Succeeded).map(|(registry, repo, tag, digest)| {
            json!({"registry": registry, "repository": repo, "tag": tag, "digest": digest})
        }).collect::<Vec<_>>(),
        "isArchiveEnabled": run.archive_enabled,
        // Real responses mix case: platform os is "Linux" here and "linux" on tasks.
        "platform": {"os": capitalize(&run.os), "architecture": run.arch},
        "agentConfiguration": {"cpu": 2},
        "provisioningState": "Succeeded",
    });
    if let Some(t) = run.started {
        props["startTime"] = json!(ts(t));
    }
    if let Some(t) = run.finished {
        props["finishTime"] = json!(ts(t));
    }
    if let Some(task) = &run.task {
        props["task"] = json!(task);
    }
    match run.trigger {
        Trigger::BaseImage => {
            props["imageUpdateTrigger"] = json!({"id": uuid::Uuid::new_v4().to_string(), "timestamp": ts(run.created), "images": [{"registry": reg.login_server, "repository": "base/node", "tag": "15-alpine",
                "digest": reg.store.repos.get("base/node").and_then(|r| r.tags.get("15-alpine")).map(|t| t.digest.clone())}]})
        }
        Trigger::Commit => {
            props["sourceTrigger"] = json!({"id": format!("commit-{}", run.id), "eventType": "commit", "commitId": format!("{:040x}", run.created.timestamp()), "repositoryUrl": "https://github.com/contoso/hello-world.git", "branchName": "main", "providerType": "Github"})
        }
        Trigger::Timer => {
            props["timerTrigger"] = json!({"timerTriggerName": "t1", "scheduleOccurrence": ts(run.created)})
        }
        Trigger::Manual => {}
    }
    if run.status == RunStatus::Failed {
        props["runErrorMessage"] = json!("failed during run, err: exit status 1");
    }
    json!({
        "id": format!("{}/runs/{}", reg.resource_id(sub), run.id),
        "name": run.id,
        "type": "Microsoft.ContainerRegistry/registries/runs",
        "properties": props,
    })
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// `$filter` clauses as the az CLI writes them: `TaskName eq 'x' and Status eq 'Running'`,
/// `contains(OutputImageManifests, 'repo:tag')`, joined by `and`.
pub(super) fn run_filter(filter: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    if filter.trim().is_empty() {
        return Ok(out);
    }
    let lower = filter.to_ascii_lowercase();
    let mut clauses = Vec::new();
    let mut start = 0;
    while let Some(pos) = lower[start..].find(" and ") {
        clauses.push(&filter[start..start + pos]);
        start += pos + 5;
    }
    clauses.push(&filter[start..]);
    for c in clauses {
        let c = c.trim();
        let quoted = |s: &str| -> Option<String> {
            let s = s.trim();
            s.strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .map(str::to_string)
        };
        if let Some(inner) = c.strip_prefix("contains(").and_then(|s| s.strip_suffix(')')) {
            let (field, value) = inner.split_once(',').ok_or_else(|| format!("bad clause `{c}`"))?;
            out.push((
                format!("contains:{}", field.trim()),
                quoted(value).ok_or_else(|| format!("bad value in `{c}`"))?,
            ));
        } else {
            let parts: Vec<&str> = c.splitn(3, ' ').collect();
            match parts.as_slice() {
                [field, op, value] if op.eq_ignore_ascii_case("eq") => {
                    out.push((
                        field.to_string(),
                        quoted(value).ok_or_else(|| format!("bad value in `{c}`"))?,
                    ));
                }
                _ => return Err(format!("unsupported clause `{c}`")),
            }
        }
    }
    Ok(out)
}

pub(super) fn list_runs(r: &Req<'_>, idx: usize) -> Response {
    if r.method != Method::GET {
        return method_not_allowed();
    }
    let filters = match run_filter(r.q.get("$filter").map(String::as_str).unwrap_or("")) {
        Ok(f) => f,
        Err(e) => {
            return arm_error(400, "InvalidFilterParameter", &format!("The $filter is invalid: {e}."));
        }
    };
    let top: usize = r.q.get("$top").and_then(|t| t.parse().ok()).unwrap_or(usize::MAX);
    let items: Vec<Value> = {
        let w = r.emu.world();
        let reg = &w.registries[idx];
        reg.runs
            .iter()
            .rev()
            .filter(|run| {
                filters
                    .iter()
                    .all(|(field, value)| match field.to_ascii_lowercase().as_str() {
                        "taskname" => run.task.as_deref().is_some_and(|t| eq(t, value)),
                        "status" => eq(run.status.as_str(), value),
                        "runid" => run.id == *value,
                        "runtype" => eq(
                            if run.trigger == Trigger::Manual {
                                "QuickRun"
                            } else {
                                "AutoRun"
                            },
                            value,
                        ),
                        f if f.starts_with("contains:") => run
                            .output_images
                            .iter()
                            .any(|(_, repo, tag, _)| format!("{repo}:{tag}").contains(value.as_str())),
                        _ => false,
                    })
            })
            .take(top)
            .map(|run| run_json(&w.subscription, reg, run))
            .collect()
    };
    page(r, items, 50)
}

pub(super) fn run_action(r: &Req<'_>, idx: usize, id: &str, action: &str) -> Response {
    if r.method != Method::POST {
        return method_not_allowed();
    }
    let now = Utc::now();
    let mut w = r.emu.world();
    let sub = w.subscription.clone();
    let blob_base = r.emu.blob_base.clone();
    let reg = &mut w.registries[idx];
    let reg_name = reg.name.clone();
    let Some(run) = reg.run_mut(id) else {
        return not_found("Microsoft.ContainerRegistry/registries/runs", id);
    };
    if eq(action, "cancel") {
        if !run.status.is_terminal() {
            run.status = RunStatus::Canceled;
            run.outcome = RunStatus::Canceled;
            run.script.clear();
            run.on_success = None;
            run.finished = Some(now);
            super::super::runs::append_line(
                &mut run.log,
                &format!("{} Run canceled by user", now.format("%Y/%m/%d %H:%M:%S")),
            );
            run.log_complete = true;
        }
        return (http::StatusCode::OK, ()).into_response();
    }
    if eq(action, "listLogSasUrl") {
        let expiry = now + Duration::hours(1);
        let path = format!("/{reg_name}logs/logs/{id}/rawtext.log");
        let se = expiry.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let sig = r.emu.sas_signature(&format!("{path}\n{se}"));
        let mut u = url::Url::parse(&format!("{blob_base}{path}")).ok();
        if let Some(u) = u.as_mut() {
            u.query_pairs_mut()
                .append_pair("sv", "2015-04-05")
                .append_pair("se", &se)
                .append_pair("sr", "b")
                .append_pair("sp", "r")
                .append_pair("spr", "https")
                .append_pair("sig", &sig);
        }
        let link = u.map(|u| u.to_string()).unwrap_or_default();
        let _ = sub;
        // An archived, finished run also has its log kept beside the registry; the emulator
        // serves the same bytes there.
        let artifact = (run.archive_enabled && run.log_complete).then(|| link.clone());
        return json(200, &json!({"logLink": link, "logArtifactLink": artifact}));
    }
    arm_error(404, "InvalidResourceType", &format!("Unknown run action '{action}'."))
}

pub(super) fn schedule_run(r: &Req<'_>, idx: usize) -> Response {
    if r.method != Method::POST {
        return method_not_allowed();
    }
    let kind = r.body["type"].as_str().unwrap_or("");
    if eq(kind, "EncodedTaskRunRequest") {
        let content = r.body["encodedTaskContent"].as_str().unwrap_or("");
        let Some(yaml) = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, content)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
        else {
            return arm_error(
                400,
                "InvalidParameter",
                "encodedTaskContent must be base64-encoded UTF-8 task YAML.",
            );
        };
        let os = r.body["platform"]["os"]
            .as_str()
            .unwrap_or("Linux")
            .to_ascii_lowercase();
        let mut w = r.emu.world();
        let sub = w.subscription.clone();
        let reg = &mut w.registries[idx];
        let run = super::super::runs::quick_run(reg, &yaml, &os, Utc::now() + Duration::seconds(1));
        let body = run_json(&sub, reg, &run);
        reg.runs.push(run);
        return json(200, &body);
    }
    if !eq(kind, "TaskRunRequest") {
        return arm_error(
            400,
            "InvalidRunRequest",
            &format!(
                "Run request type '{kind}' is not one of TaskRunRequest, EncodedTaskRunRequest (the emulator does not build uploaded sources)."
            ),
        );
    }
    let Some(task_id) = r.body["taskId"].as_str() else {
        return arm_error(400, "InvalidParameter", "taskId is required for a TaskRunRequest.");
    };
    let task_name = task_id.rsplit('/').next().unwrap_or(task_id).to_string();
    let now = Utc::now();
    let mut w = r.emu.world();
    let sub = w.subscription.clone();
    let World {
        registries, upstream, ..
    } = &mut *w;
    let reg = &mut registries[idx];
    if !reg.tasks.contains_key(&task_name) {
        return not_found("Microsoft.ContainerRegistry/registries/tasks", &task_name);
    }
    match super::super::runs::new_run(
        reg,
        &task_name,
        Trigger::Manual,
        now + Duration::seconds(2),
        24,
        false,
        upstream,
    ) {
        Ok(run) => {
            let body = run_json(&sub, reg, &run);
            reg.runs.push(run);
            json(200, &body)
        }
        Err(e) => arm_error(400, "InvalidParameter", &e),
    }
}
