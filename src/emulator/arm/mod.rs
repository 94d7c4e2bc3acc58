//! Azure Resource Manager for Microsoft.ContainerRegistry: registries, usages, importImage as a
//! long-running operation, cache rules, credential sets, tasks, runs and their logs, webhooks.
//! Paths are matched case-insensitively, as ARM does; every answer carries x-ms-request-id.

use super::Emu;
use super::errors::arm as arm_error;
use super::server::json;
use super::world::{Registry, World};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, Uri};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// ACR's timestamps: seven fractional digits and a Z (`2018-09-06T06:17:21.0856539Z`).
pub fn ts(t: DateTime<Utc>) -> String {
    use chrono::Timelike;
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.nanosecond() % 1_000_000_000 / 100
    )
}

fn query_map(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

pub async fn dispatch(
    State(emu): State<Arc<Emu>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The cloud's metadata is read before anyone signs in (and clients join the endpoint to a
    // base that may end in a slash: `//metadata/endpoints` is the same resource).
    let segs: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    if let [m, e] = segs[..]
        && eq(m, "metadata")
        && eq(e, "endpoints")
    {
        return resources::metadata_endpoints(&emu);
    }
    // Every other ARM call needs a bearer token from the emulator's token service.
    let token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.map(|t| emu.verify(t)) {
        None => {
            return unauthorized(
                &emu,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            );
        }
        Some(Err("expired")) => {
            return unauthorized(
                &emu,
                "ExpiredAuthenticationToken",
                "The access token has expired. Get a new token and retry.",
            );
        }
        Some(Err(_)) => {
            return unauthorized(&emu, "InvalidAuthenticationToken", "The access token is invalid.");
        }
        Some(Ok(_)) => {}
    }
    let q = query_map(&uri);
    let Some(api_version) = q.get("api-version").cloned() else {
        return arm_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    };
    if !looks_like_api_version(&api_version) {
        return arm_error(
            400,
            "InvalidApiVersionParameter",
            &format!("The api-version '{api_version}' is invalid."),
        );
    }
    if let Some(refused) = refuse_version(&emu, &segs, &api_version) {
        return refused;
    }
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return arm_error(
                    400,
                    "InvalidRequestContent",
                    &format!("The request content was invalid and could not be deserialized: '{e}'."),
                );
            }
        }
    };
    let ctx = Req {
        emu: &emu,
        method: &method,
        q: &q,
        path: uri.path(),
        api: &api_version,
        body: &body,
    };
    route(&ctx, &segs)
}

/// ARM's check of the api-version against the versions of the resource type addressed.
fn refuse_version(emu: &Emu, segs: &[&str], version: &str) -> Option<Response> {
    use versions::Family;
    let provider = segs
        .iter()
        .position(|s| eq(s, "Microsoft.ContainerRegistry"))
        .filter(|&i| i > 0 && eq(segs[i - 1], "providers"));
    let (family, resource_type) = match (provider, segs) {
        (Some(i), _) => {
            // registries/{name}/tasks/{task}/listDetails -> registries/tasks: names of child
            // collections are kept, actions (listDetails, listUsages) dropped.
            const CHILDREN: &[&str] = &[
                "tasks",
                "runs",
                "cacheRules",
                "credentialSets",
                "webhooks",
                "tokens",
                "scopeMaps",
                "replications",
                "operationResults",
                "operationStatuses",
            ];
            let kinds: Vec<&str> = segs[i + 1..]
                .iter()
                .step_by(2)
                .enumerate()
                .filter(|(n, k)| *n == 0 || CHILDREN.iter().any(|c| eq(c, k)))
                .map(|(_, k)| *k)
                .collect();
            (Family::ContainerRegistry, kinds.join("/"))
        }
        (None, [_, _, res]) if eq(res, "resources") => (Family::Resources, String::new()),
        (None, [sub] | [sub, _]) if eq(sub, "subscriptions") => (Family::Subscriptions, String::new()),
        _ => return None,
    };
    let location = emu
        .world()
        .registries
        .first()
        .map(|r| r.location.clone())
        .unwrap_or_else(|| "westus".into());
    versions::refuse(family, version, &resource_type, &location)
}

fn looks_like_api_version(v: &str) -> bool {
    let date = v.split('-').take(3).collect::<Vec<_>>();
    date.len() == 3 && date[0].len() == 4 && date.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn unauthorized(emu: &Emu, code: &str, message: &str) -> Response {
    let mut r = arm_error(401, code, message);
    let tenant = emu.world().tenant.clone();
    let v = format!(
        "Bearer authorization_uri=\"{}/{tenant}\", error=\"invalid_token\", error_description=\"{message}\"",
        emu.arm_base
    );
    if let Ok(v) = http::HeaderValue::from_str(&v) {
        r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
    }
    r
}

struct Req<'a> {
    emu: &'a Emu,
    method: &'a Method,
    q: &'a HashMap<String, String>,
    path: &'a str,
    api: &'a str,
    body: &'a Value,
}

fn not_found(kind: &str, name: &str) -> Response {
    arm_error(
        404,
        "ResourceNotFound",
        &format!(
            "The Resource '{kind}/{name}' under resource group was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

fn method_not_allowed() -> Response {
    arm_error(
        405,
        "MethodNotAllowed",
        "The requested resource does not support this HTTP method.",
    )
}

fn route(r: &Req<'_>, s: &[&str]) -> Response {
    match s {
        [sub] if eq(sub, "subscriptions") => subscriptions(r),
        [sub, id] if eq(sub, "subscriptions") => {
            let w = r.emu.world();
            if *id != w.subscription {
                return arm_error(
                    404,
                    "SubscriptionNotFound",
                    &format!("The subscription '{id}' could not be found."),
                );
            }
            json(200, &subscription_json(&w))
        }
        [sub, id, rest @ ..] if eq(sub, "subscriptions") => {
            if *id != r.emu.world().subscription {
                return arm_error(
                    404,
                    "SubscriptionNotFound",
                    &format!("The subscription '{id}' could not be found."),
                );
            }
            match rest {
                [p, ns, regs]
                    if eq(p, "providers") && eq(ns, "Microsoft.ContainerRegistry") && eq(regs, "registries") =>
                {
                    list_registries(r, None)
                }
                [res] if eq(res, "resources") => resources::list(r),
                [p, ns, loc, _, ops, .., op]
                    if eq(p, "providers")
                        && eq(ns, "Microsoft.ContainerRegistry")
                        && eq(loc, "locations")
                        && eq(ops, "operationResults") =>
                {
                    operation_result(r, op)
                }
                [rgs, rg, rest @ ..] if eq(rgs, "resourceGroups") => resource_group(r, rg, rest),
                _ => arm_error(
                    404,
                    "InvalidResourceType",
                    &format!("The resource type could not be found for path '{}'.", r.path),
                ),
            }
        }
        _ => arm_error(404, "InvalidResourceType", &format!("No route for '{}'.", r.path)),
    }
}

fn resource_group(r: &Req<'_>, rg: &str, s: &[&str]) -> Response {
    match s {
        [p, ns, regs] if eq(p, "providers") && eq(ns, "Microsoft.ContainerRegistry") && eq(regs, "registries") => {
            list_registries(r, Some(rg))
        }
        [p, ns, loc, _, ops, .., op]
            if eq(p, "providers")
                && eq(ns, "Microsoft.ContainerRegistry")
                && eq(loc, "locations")
                && eq(ops, "operationResults") =>
        {
            operation_result(r, op)
        }
        [p, ns, regs, name, rest @ ..]
            if eq(p, "providers") && eq(ns, "Microsoft.ContainerRegistry") && eq(regs, "registries") =>
        {
            let idx = {
                let w = r.emu.world();
                w.registries
                    .iter()
                    .position(|x| eq(&x.name, name) && eq(&x.resource_group, rg))
            };
            let Some(idx) = idx else {
                return not_found("Microsoft.ContainerRegistry/registries", name);
            };
            registry_child(r, idx, rest)
        }
        _ => arm_error(404, "InvalidResourceType", &format!("No route for '{}'.", r.path)),
    }
}

fn subscription_json(w: &World) -> Value {
    json!({
        "id": format!("/subscriptions/{}", w.subscription),
        "subscriptionId": w.subscription,
        "tenantId": w.tenant,
        "displayName": "Contoso Platform (emulated)",
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "EnterpriseAgreement_2014-09-01", "spendingLimit": "Off"},
        "authorizationSource": "RoleBased",
    })
}

fn subscriptions(r: &Req<'_>) -> Response {
    let w = r.emu.world();
    json(
        200,
        &json!({"value": [subscription_json(&w)], "count": {"type": "Total", "value": 1}}),
    )
}

pub fn registry_json(reg: &Registry, sub: &str) -> Value {
    json!({
        "id": reg.resource_id(sub),
        "name": reg.name,
        "type": "Microsoft.ContainerRegistry/registries",
        "location": reg.location,
        "tags": reg.tags,
        "sku": {"name": reg.sku, "tier": reg.sku},
        "systemData": {"createdBy": "platform-team@contoso.com", "createdByType": "User", "createdAt": ts(reg.created)},
        "properties": {
            "loginServer": reg.login_server,
            "creationDate": ts(reg.created),
            "provisioningState": "Succeeded",
            "adminUserEnabled": reg.admin_user_enabled,
            "networkRuleSet": {"defaultAction": if reg.public_network_access { "Allow" } else { "Deny" }, "ipRules": []},
            "policies": {
                "quarantinePolicy": {"status": "disabled"},
                "trustPolicy": {"type": "Notary", "status": "disabled"},
                "retentionPolicy": {"days": 7, "lastUpdatedTime": ts(reg.created), "status": "disabled"},
                "exportPolicy": {"status": "enabled"},
                "azureADAuthenticationAsArmPolicy": {"status": "enabled"},
            },
            "encryption": {"status": "disabled"},
            "status": null,
            "dataEndpointEnabled": false,
            "dataEndpointHostNames": [],
            "privateEndpointConnections": [],
            "publicNetworkAccess": if reg.public_network_access { "Enabled" } else { "Disabled" },
            "networkRuleBypassOptions": "AzureServices",
            "networkRuleBypassAllowedForTasks": false,
            "zoneRedundancy": "Disabled",
            "anonymousPullEnabled": false,
            "roleAssignmentMode": "LegacyRegistryPermissions",
        }
    })
}

/// One page of a listing, with `nextLink` carrying a skip token when more follow.
fn page(r: &Req<'_>, items: Vec<Value>, page_size: usize) -> Response {
    let skip: usize = r.q.get("$skipToken").and_then(|s| s.parse().ok()).unwrap_or(0);
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(skip).take(page_size).collect();
    let mut body = json!({"value": value});
    if skip + page_size < total {
        let mut next = url::Url::parse(&format!("{}{}", r.emu.arm_base, r.path)).ok();
        if let Some(u) = next.as_mut() {
            u.query_pairs_mut()
                .append_pair("api-version", r.api)
                .append_pair("$skipToken", &(skip + page_size).to_string());
            for (k, v) in r.q.iter().filter(|(k, _)| *k != "api-version" && *k != "$skipToken") {
                u.query_pairs_mut().append_pair(k, v);
            }
        }
        body["nextLink"] = json!(next.map(|u| u.to_string()));
    }
    json(200, &body)
}

fn list_registries(r: &Req<'_>, rg: Option<&str>) -> Response {
    if r.method != Method::GET {
        return method_not_allowed();
    }
    let (items, size) = {
        let w = r.emu.world();
        let items: Vec<Value> = w
            .registries
            .iter()
            .filter(|x| rg.is_none_or(|g| eq(g, &x.resource_group)))
            .map(|x| registry_json(x, &w.subscription))
            .collect();
        (items, w.arm_page_size)
    };
    page(r, items, size)
}

fn registry_child(r: &Req<'_>, idx: usize, s: &[&str]) -> Response {
    match s {
        [] => match *r.method {
            Method::GET => {
                let w = r.emu.world();
                json(200, &registry_json(&w.registries[idx], &w.subscription))
            }
            Method::PATCH => {
                let mut w = r.emu.world();
                let sub = w.subscription.clone();
                let reg = &mut w.registries[idx];
                if let Some(tags) = r.body.get("tags").and_then(|t| t.as_object()) {
                    reg.tags = tags
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect();
                }
                if let Some(sku) = r.body["sku"]["name"].as_str() {
                    reg.sku = sku.to_string();
                }
                if let Some(p) = r.body.get("properties") {
                    if let Some(a) = p.get("adminUserEnabled").and_then(|a| a.as_bool()) {
                        reg.admin_user_enabled = a;
                    }
                    if let Some(a) = p.get("publicNetworkAccess").and_then(|a| a.as_str()) {
                        reg.public_network_access = eq(a, "Enabled");
                    }
                }
                json(200, &registry_json(reg, &sub))
            }
            _ => method_not_allowed(),
        },
        [u] if eq(u, "listUsages") => {
            let w = r.emu.world();
            let reg = &w.registries[idx];
            let limit: u64 = match reg.sku.to_ascii_lowercase().as_str() {
                "basic" => 10 * 1024 * 1024 * 1024,
                "standard" => 100 * 1024 * 1024 * 1024,
                _ => 500 * 1024 * 1024 * 1024,
            };
            json(
                200,
                &json!({"value": [
                    {"name": "Size", "limit": limit, "currentValue": reg.store.size_bytes(), "unit": "Bytes"},
                    {"name": "Webhooks", "limit": if reg.sku == "Basic" { 2 } else { 500 }, "currentValue": reg.webhooks.len(), "unit": "Count"},
                    {"name": "ScopeMaps", "limit": 100, "currentValue": reg.scope_maps.len(), "unit": "Count"},
                    {"name": "Tokens", "limit": 100, "currentValue": reg.tokens.len(), "unit": "Count"},
                ]}),
            )
        }
        [c] if eq(c, "listCredentials") => {
            if r.method != Method::POST {
                return method_not_allowed();
            }
            let w = r.emu.world();
            let reg = &w.registries[idx];
            if !reg.admin_user_enabled {
                return arm_error(
                    400,
                    "AdminUserDisabled",
                    &format!(
                        "The admin user is disabled on registry '{}'. Enable it or sign in with Microsoft Entra ID.",
                        reg.name
                    ),
                );
            }
            json(
                200,
                &json!({"username": reg.name, "passwords": [
                    {"name": "password", "value": reg.admin_password},
                    {"name": "password2", "value": format!("{}2", reg.admin_password)},
                ]}),
            )
        }
        [i] if eq(i, "importImage") => {
            if r.method != Method::POST {
                return method_not_allowed();
            }
            import_image(r, idx)
        }
        [c] if eq(c, "cacheRules") => list_child(r, idx, |w, reg| {
            reg.cache_rules.values().map(|c| cache_rule_json(w, reg, c)).collect()
        }),
        [c, name, rest @ ..] if eq(c, "cacheRules") => cache_rule(r, idx, name, rest),
        [c] if eq(c, "credentialSets") => list_child(r, idx, |w, reg| {
            reg.credential_sets
                .values()
                .map(|c| credential_set_json(w, reg, c))
                .collect()
        }),
        [c, name] if eq(c, "credentialSets") => credential_set(r, idx, name),
        [c, _, ops, _] if eq(c, "credentialSets") && eq(ops, "operationStatuses") => {
            json(200, &json!({"status": "Succeeded", "startTime": ts(Utc::now())}))
        }
        [t] if eq(t, "tasks") => list_child(r, idx, |w, reg| {
            reg.tasks.values().map(|t| task_json(w, reg, t)).collect()
        }),
        [t, name] if eq(t, "tasks") => task(r, idx, name, None),
        [t, name, d] if eq(t, "tasks") && eq(d, "listDetails") => task(r, idx, name, Some(d)),
        [runs] if eq(runs, "runs") => list_runs(r, idx),
        [runs, id] if eq(runs, "runs") => {
            let mut w = r.emu.world();
            let sub = w.subscription.clone();
            let reg = &mut w.registries[idx];
            let Some(run) = reg.run_mut(id) else {
                return not_found("Microsoft.ContainerRegistry/registries/runs", id);
            };
            match *r.method {
                Method::GET => {}
                Method::PATCH => {
                    if let Some(a) = r.body["isArchiveEnabled"].as_bool() {
                        run.archive_enabled = a;
                    }
                }
                _ => return method_not_allowed(),
            }
            let run = run.clone();
            json(200, &run_json(&sub, reg, &run))
        }
        [runs, id, action] if eq(runs, "runs") => run_action(r, idx, id, action),
        [s] if eq(s, "scheduleRun") => schedule_run(r, idx),
        [wh] if eq(wh, "webhooks") => list_child(r, idx, |w, reg| {
            reg.webhooks.values().map(|h| webhook_json(w, reg, h)).collect()
        }),
        [wh, name] if eq(wh, "webhooks") => {
            let w = r.emu.world();
            let reg = &w.registries[idx];
            match reg.webhooks.get(*name) {
                Some(h) => json(200, &webhook_json(&w, reg, h)),
                None => not_found("Microsoft.ContainerRegistry/registries/webhooks", name),
            }
        }
        [wh, name, action] if eq(wh, "webhooks") => webhook_action(r, idx, name, action),
        [t] if eq(t, "tokens") => list_child(r, idx, |w, reg| {
            reg.tokens.values().map(|t| tokens::token_json(w, reg, t)).collect()
        }),
        [t, name] if eq(t, "tokens") => tokens::token(r, idx, name),
        [m] if eq(m, "scopeMaps") => list_child(r, idx, |w, reg| {
            reg.scope_maps
                .values()
                .map(|m| tokens::scope_map_json(w, reg, m))
                .collect()
        }),
        [m, name] if eq(m, "scopeMaps") => tokens::scope_map(r, idx, name),
        [rp, rest @ ..] if eq(rp, "replications") => replications::route(r, idx, rest),
        _ => arm_error(404, "InvalidResourceType", &format!("No route for '{}'.", r.path)),
    }
}

fn list_child(r: &Req<'_>, idx: usize, f: impl Fn(&World, &Registry) -> Vec<Value>) -> Response {
    if r.method != Method::GET {
        return method_not_allowed();
    }
    let (items, size) = {
        let w = r.emu.world();
        (f(&w, &w.registries[idx]), w.arm_page_size.max(20))
    };
    page(r, items, size)
}

fn child_id(w: &World, reg: &Registry, kind: &str, name: &str) -> String {
    format!("{}/{kind}/{name}", reg.resource_id(&w.subscription))
}

mod cache;
mod imports;
mod replications;
mod resources;
mod tasks;
mod tokens;
mod versions;
mod webhooks;

use cache::*;
use imports::*;
pub use tasks::run_json;
use tasks::*;
use webhooks::*;
