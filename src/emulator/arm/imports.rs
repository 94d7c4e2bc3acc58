//! importImage: the body validated as the service does, the operation started (202 with Location
//! and Retry-After), and its result when polled.

use super::super::errors::arm as arm_error;
use super::super::server::json;
use super::super::world::{ImportPlan, ImportSource, Operation, OperationKind};
use super::*;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use http::Method;
use serde_json::Value;

/// Validates an importImage body and starts the operation: 202 with Location and Retry-After.
pub(super) fn import_image(r: &Req<'_>, idx: usize) -> Response {
    let b = r.body;
    let bad = |m: &str| arm_error(400, "InvalidParameter", m);
    let Some(source) = b.get("source") else {
        return bad("The 'source' property is required.");
    };
    let body = match ImportBody::parse(b, source) {
        Ok(body) => body,
        Err(message) => return bad(&message),
    };
    let ImportBody {
        source_image,
        targets: parsed_targets,
        untagged,
        force,
        repo: src_repo,
        reference: src_ref,
    } = body;
    let now = Utc::now();
    let mut w = r.emu.world();
    let sub = w.subscription.clone();
    let target_loc = w.registries[idx].location.clone();
    let target_rg = w.registries[idx].resource_group.clone();
    // Resolve the source and what it points at now; problems with the image itself surface in
    // the operation, as the service reports them after it tried to pull.
    let mut failure: Option<(u16, String, String)> = None;
    let (src, repo_in_store) = if let Some(id) = source["resourceId"].as_str() {
        match w.registries.iter().position(|x| eq(&x.resource_id(&sub), id)) {
            Some(i) => (ImportSource::Registry(i), src_repo.clone()),
            None => {
                return arm_error(
                    400,
                    "InvalidParameter",
                    &format!("The source registry '{id}' could not be found."),
                );
            }
        }
    } else if let Some(uri) = source["registryUri"].as_str() {
        // An ACR login server by URI is the same as naming it by resource id.
        if let Some(i) = w.registries.iter().position(|x| eq(&x.login_server, uri)) {
            (ImportSource::Registry(i), src_repo.clone())
        } else {
            match w.upstream.repository_for(uri, &src_repo) {
                Some((repo, host)) => {
                    failure = upstream_credentials(source, uri, host.credentials.as_ref());
                    (ImportSource::Upstream, repo)
                }
                None => {
                    return arm_error(
                        400,
                        "InvalidParameter",
                        &format!("The source registry '{uri}' is not reachable from the registry."),
                    );
                }
            }
        }
    } else {
        return bad("source.resourceId or source.registryUri is required.");
    };
    let store = match src {
        ImportSource::Registry(i) => &w.registries[i].store,
        ImportSource::Upstream => &w.upstream.store,
    };
    let digest = store
        .repos
        .get(&repo_in_store)
        .and_then(|r| r.resolve(&src_ref))
        .map(|m| m.digest.clone());
    let digest = match digest {
        Some(d) => d,
        None => {
            failure.get_or_insert((
                404,
                "SourceImageNotFound".into(),
                format!("The source image '{source_image}' was not found in the source registry."),
            ));
            String::new()
        }
    };
    if failure.is_none() {
        failure = target_conflict(&w.registries[idx].store, &parsed_targets, force, &digest);
    }
    let id = format!("registries-{}", uuid::Uuid::new_v4());
    let done_at = now + Duration::milliseconds((w.import_seconds * 1000.0) as i64);
    w.operations.insert(
        id.clone(),
        Operation {
            done_at,
            error: failure,
            applied: false,
            kind: OperationKind::Import(ImportPlan {
                target_registry: idx,
                source: src,
                source_repo: repo_in_store,
                digest,
                target_tags: parsed_targets,
                untagged_repos: untagged,
                force,
            }),
        },
    );
    let location = format!(
        "{}/subscriptions/{sub}/resourceGroups/{target_rg}/providers/Microsoft.ContainerRegistry/locations/{target_loc}/operationResults/{id}?api-version={}",
        r.emu.arm_base, r.api
    );
    accepted(&location, 1)
}

/// What an importImage body asks for, checked as the service checks it.
struct ImportBody {
    source_image: String,
    /// `(repository, tag)` of each target tag.
    targets: Vec<(String, String)>,
    untagged: Vec<String>,
    force: bool,
    /// The source's repository and tag or digest.
    repo: String,
    reference: String,
}

impl ImportBody {
    fn parse(b: &Value, source: &Value) -> Result<ImportBody, String> {
        let Some(source_image) = source["sourceImage"].as_str() else {
            return Err("source.sourceImage is required.".into());
        };
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        let target_tags = strings(&b["targetTags"]);
        let untagged = strings(&b["untaggedTargetRepositories"]);
        if target_tags.is_empty() && untagged.is_empty() {
            return Err("At least one of targetTags or untaggedTargetRepositories must be given.".into());
        }
        let force = match b["mode"].as_str() {
            None => false,
            Some(m) if eq(m, "NoForce") => false,
            Some(m) if eq(m, "Force") => true,
            Some(m) => return Err(format!("mode '{m}' is not one of NoForce, Force.")),
        };
        let mut targets = Vec::new();
        for t in &target_tags {
            match t.rsplit_once(':') {
                Some((repo, tag)) if !repo.is_empty() && !tag.is_empty() && !tag.contains('/') => {
                    targets.push((repo.to_string(), tag.to_string()))
                }
                _ => return Err(format!("targetTags entry '{t}' is not of the form repository:tag.")),
            }
        }
        let (repo, reference) = match source_image.split_once('@') {
            Some((repo, digest)) => (repo.split(':').next().unwrap_or(repo).to_string(), digest.to_string()),
            None => match source_image.rsplit_once(':') {
                Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
                _ => (source_image.to_string(), "latest".to_string()),
            },
        };
        Ok(ImportBody {
            source_image: source_image.to_string(),
            targets,
            untagged,
            force,
            repo,
            reference,
        })
    }
}

/// Why an upstream that needs credentials refuses the ones given (or their absence).
fn upstream_credentials(source: &Value, uri: &str, needed: Option<&(String, String)>) -> Option<(u16, String, String)> {
    let (user, pass) = needed?;
    match (
        source["credentials"]["username"].as_str(),
        source["credentials"]["password"].as_str(),
    ) {
        (Some(u), Some(p)) if u == user && p == pass => None,
        (Some(_), Some(_)) => Some((
            400,
            "InvalidCredentials".into(),
            format!("Invalid credentials for source registry '{uri}'. Check the user name and password or token."),
        )),
        _ => Some((
            400,
            "SourceCredentialsRequired".into(),
            format!(
                "The source registry '{uri}' requires authentication; provide source.credentials (username and password or token)."
            ),
        )),
    }
}

/// Why the target refuses the import: a tag that exists without Force, or a write-locked tag
/// that would point elsewhere.
fn target_conflict(
    target: &super::super::model::Store,
    targets: &[(String, String)],
    force: bool,
    digest: &str,
) -> Option<(u16, String, String)> {
    for (repo, tag) in targets {
        let existing = target
            .repos
            .get(repo)
            .and_then(|r| r.tags.get(tag).map(|t| (r.effective_tag_attrs(t), t.digest.clone())));
        match existing {
            Some(_) if !force => {
                return Some((
                    409,
                    "Conflict".into(),
                    format!("Tag {repo}:{tag} already exists in target registry. Use mode Force to overwrite it."),
                ));
            }
            Some((attrs, d)) if !attrs.write_enabled && d != digest => {
                return Some((
                    409,
                    "TargetLocked".into(),
                    format!(
                        "The target tag {repo}:{tag} is locked (writeEnabled=false); the operation is disallowed on this registry, repository or image."
                    ),
                ));
            }
            _ => {}
        }
    }
    None
}

pub(super) fn accepted(location: &str, retry_after: u64) -> Response {
    let mut resp = json(202, &Value::Null);
    *resp.body_mut() = axum::body::Body::empty();
    resp.headers_mut().remove(http::header::CONTENT_TYPE);
    if let Ok(v) = http::HeaderValue::from_str(location) {
        resp.headers_mut().insert(http::header::LOCATION, v);
    }
    if let Ok(v) = http::HeaderValue::from_str(&retry_after.to_string()) {
        resp.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
    resp
}

/// The Location of an operation: 202 while it runs, then 200 (or the failure).
pub(super) fn operation_result(r: &Req<'_>, id: &str) -> Response {
    if r.method != Method::GET {
        return method_not_allowed();
    }
    let now = Utc::now();
    let done = {
        let w = r.emu.world();
        match w.operations.get(id) {
            None => {
                return arm_error(
                    404,
                    "OperationNotFound",
                    &format!("The operation '{id}' was not found."),
                );
            }
            Some(op) => op.done_at <= now,
        }
    };
    if !done {
        let url = format!(
            "{}{}?{}",
            r.emu.arm_base,
            r.path,
            r.q.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        );
        return accepted(&url, 1);
    }
    super::super::clock::complete_operations(r.emu, now);
    let w = r.emu.world();
    match w.operations.get(id).and_then(|op| op.error.clone()) {
        Some((status, code, message)) => arm_error(status, &code, &message),
        None => (http::StatusCode::OK, ()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn az_cli_filters_parse() {
        let f = run_filter("TaskName eq 'hello-world' and Status eq 'Running'").unwrap();
        assert_eq!(
            f,
            vec![
                ("TaskName".into(), "hello-world".into()),
                ("Status".into(), "Running".into())
            ]
        );
        let f = run_filter("contains(OutputImageManifests, 'hello-world:cf1')").unwrap();
        assert_eq!(f[0].1, "hello-world:cf1");
        assert!(run_filter("TaskName ne 'x'").is_err());
        assert!(run_filter("").unwrap().is_empty());
    }
}
