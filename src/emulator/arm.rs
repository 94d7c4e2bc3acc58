//! Azure Resource Manager for Microsoft.ContainerRegistry: registries, usages, importImage as a
//! long-running operation, cache rules, credential sets, tasks, runs and their logs, webhooks.
//! Paths are matched case-insensitively, as ARM does; every answer carries x-ms-request-id.

use super::Emu;
use super::errors::arm as arm_error;
use super::server::json;
use super::world::{
    CacheRule, ImportPlan, ImportSource, Operation, OperationKind, Registry, Run, RunStatus, Trigger, World,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use http::{HeaderMap, Method, Uri};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub const REGISTRY_API: &str = "2025-11-01";
pub const TASKS_API: &str = "2025-03-01-preview";

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
    // Every ARM call needs a bearer token from the emulator's token service.
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
            &format!(
                "The api-version '{api_version}' is invalid. The supported versions are '{REGISTRY_API},{TASKS_API}'."
            ),
        );
    }
    let segs: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
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
                    {"name": "ScopeMaps", "limit": 100, "currentValue": 0, "unit": "Count"},
                    {"name": "Tokens", "limit": 100, "currentValue": 0, "unit": "Count"},
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
        [t, name] if eq(t, "tasks") => {
            let w = r.emu.world();
            let reg = &w.registries[idx];
            match reg.tasks.get(*name) {
                Some(t) if r.method == Method::GET => json(200, &task_json(&w, reg, t)),
                Some(_) => method_not_allowed(),
                None => not_found("Microsoft.ContainerRegistry/registries/tasks", name),
            }
        }
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

fn cache_rule_json(w: &World, reg: &Registry, c: &CacheRule) -> Value {
    let mut props = json!({
        "sourceRepository": c.source,
        "targetRepository": c.target,
        "creationDate": ts(c.created).replace('Z', "+00:00"),
        "provisioningState": c.provisioning,
    });
    if let Some(cs) = &c.credential_set {
        props["credentialSetResourceId"] = json!(child_id(w, reg, "credentialSets", cs));
    }
    json!({
        "type": "Microsoft.ContainerRegistry/registries/cacheRules",
        "id": child_id(w, reg, "cacheRules", &c.name),
        "name": c.name,
        "properties": props,
    })
}

fn credential_set_json(w: &World, reg: &Registry, c: &super::world::CredentialSet) -> Value {
    json!({
        "type": "Microsoft.ContainerRegistry/registries/credentialSets",
        "identity": {"principalId": w.principal.object_id, "tenantId": w.tenant, "type": "SystemAssigned"},
        "id": child_id(w, reg, "credentialSets", &c.name),
        "name": c.name,
        "properties": {
            "loginServer": c.login_server,
            "authCredentials": [{
                "name": "Credential1",
                "usernameSecretIdentifier": c.secrets.as_ref().map(|s| s.0.clone()).unwrap_or_else(|| format!("https://kv-{}.vault.azure.net/secrets/{}-username", reg.name, c.name)),
                "passwordSecretIdentifier": c.secrets.as_ref().map(|s| s.1.clone()).unwrap_or_else(|| format!("https://kv-{}.vault.azure.net/secrets/{}-password", reg.name, c.name)),
                "credentialHealth": if c.healthy { json!({"status": "Healthy"}) } else {
                    json!({"status": "Unhealthy", "errorCode": "AccessDenied", "errorMessage": "Access to the Key Vault secret was denied for the credential set's identity."})
                },
            }],
            "creationDate": c.created.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string(),
            "provisioningState": "Succeeded",
        }
    })
}

fn credential_set(r: &Req<'_>, idx: usize, name: &str) -> Response {
    let mut w = r.emu.world();
    let sub = w.subscription.clone();
    let api = r.api.to_string();
    let reg_id = w.registries[idx].resource_id(&sub);
    let op_url = format!(
        "{}{reg_id}/credentialSets/{name}/operationStatuses/credentialsets-{}?api-version={api}",
        r.emu.arm_base,
        uuid::Uuid::new_v4()
    );
    match *r.method {
        Method::GET => {
            let reg = &w.registries[idx];
            match reg.credential_sets.get(name) {
                Some(c) => json(200, &credential_set_json(&w, reg, c)),
                None => not_found("Microsoft.ContainerRegistry/registries/credentialSets", name),
            }
        }
        Method::PUT | Method::PATCH => {
            let props = &r.body["properties"];
            let exists = w.registries[idx].credential_sets.contains_key(name);
            if !exists && r.method == Method::PATCH {
                return not_found("Microsoft.ContainerRegistry/registries/credentialSets", name);
            }
            let secrets = props["authCredentials"][0].as_object().and_then(|c| {
                Some((
                    c.get("usernameSecretIdentifier")?.as_str()?.to_string(),
                    c.get("passwordSecretIdentifier")?.as_str()?.to_string(),
                ))
            });
            let reg = &mut w.registries[idx];
            if exists {
                if let Some(c) = reg.credential_sets.get_mut(name)
                    && secrets.is_some()
                {
                    c.secrets = secrets;
                }
            } else {
                let Some(login) = props["loginServer"].as_str() else {
                    return arm_error(400, "InvalidParameter", "properties.loginServer is required.");
                };
                if secrets.is_none() {
                    return arm_error(
                        400,
                        "InvalidParameter",
                        "properties.authCredentials needs usernameSecretIdentifier and passwordSecretIdentifier.",
                    );
                }
                reg.credential_sets.insert(
                    name.to_string(),
                    super::world::CredentialSet {
                        name: name.to_string(),
                        login_server: login.to_string(),
                        healthy: true,
                        created: Utc::now(),
                        secrets,
                    },
                );
            }
            let reg = &w.registries[idx];
            let Some(c) = reg.credential_sets.get(name) else {
                return not_found("Microsoft.ContainerRegistry/registries/credentialSets", name);
            };
            let mut resp = json(if exists { 200 } else { 201 }, &credential_set_json(&w, reg, c));
            if let Ok(v) = http::HeaderValue::from_str(&op_url) {
                resp.headers_mut().insert("azure-asyncoperation", v);
            }
            resp
        }
        Method::DELETE => {
            let reg = &mut w.registries[idx];
            if let Some(rule) = reg
                .cache_rules
                .values()
                .find(|c| c.credential_set.as_deref() == Some(name))
            {
                return arm_error(
                    409,
                    "CredentialSetInUse",
                    &format!(
                        "Credential set '{name}' is used by cache rule '{}'; delete or change the rule first.",
                        rule.name
                    ),
                );
            }
            if reg.credential_sets.remove(name).is_none() {
                return (http::StatusCode::NO_CONTENT, ()).into_response();
            }
            accepted(&op_url, 1)
        }
        _ => method_not_allowed(),
    }
}

fn cache_rule(r: &Req<'_>, idx: usize, name: &str, rest: &[&str]) -> Response {
    let now = Utc::now();
    let mut w = r.emu.world();
    if let [ops, _op] = rest
        && eq(ops, "operationStatuses")
    {
        let reg = &w.registries[idx];
        let status = match reg.cache_rules.get(name) {
            Some(c) if c.settle_at.is_some_and(|t| t > now) => "InProgress",
            _ => "Succeeded",
        };
        return json(200, &json!({"status": status, "startTime": ts(now)}));
    }
    if !rest.is_empty() {
        return arm_error(404, "InvalidResourceType", "No such cache rule action.");
    }
    let sub = w.subscription.clone();
    let api = r.api.to_string();
    let async_url = |reg: &Registry| {
        format!(
            "{}{}/cacheRules/{name}/operationStatuses/cacherules-{}?api-version={api}",
            r.emu.arm_base,
            reg.resource_id(&sub),
            uuid::Uuid::new_v4()
        )
    };
    match *r.method {
        Method::GET => {
            let reg = &w.registries[idx];
            match reg.cache_rules.get(name) {
                Some(c) => json(200, &cache_rule_json(&w, reg, c)),
                None => not_found("Microsoft.ContainerRegistry/registries/cacheRules", name),
            }
        }
        Method::PUT | Method::PATCH => {
            let props = &r.body["properties"];
            let creating = !w.registries[idx].cache_rules.contains_key(name);
            if creating && r.method == Method::PATCH {
                return not_found("Microsoft.ContainerRegistry/registries/cacheRules", name);
            }
            let cred = props["credentialSetResourceId"]
                .as_str()
                .map(|id| id.rsplit('/').next().unwrap_or(id).to_string());
            if let Some(c) = &cred
                && !w.registries[idx].credential_sets.contains_key(c)
            {
                return arm_error(
                    400,
                    "InvalidCredentialSet",
                    &format!(
                        "Credential set '{c}' does not exist in registry '{}'.",
                        w.registries[idx].name
                    ),
                );
            }
            let reg = &mut w.registries[idx];
            if creating {
                let (Some(source), Some(target)) =
                    (props["sourceRepository"].as_str(), props["targetRepository"].as_str())
                else {
                    return arm_error(
                        400,
                        "InvalidParameter",
                        "sourceRepository and targetRepository are required.",
                    );
                };
                reg.cache_rules.insert(
                    name.to_string(),
                    CacheRule {
                        name: name.to_string(),
                        source: source.to_string(),
                        target: target.to_string(),
                        credential_set: cred,
                        created: now,
                        provisioning: "Creating".into(),
                        settle_at: Some(now + Duration::seconds(2)),
                    },
                );
            } else if let Some(c) = reg.cache_rules.get_mut(name) {
                if props.get("credentialSetResourceId").is_some() {
                    c.credential_set = cred;
                }
                c.provisioning = "Updating".into();
                c.settle_at = Some(now + Duration::seconds(1));
            }
            let reg = &w.registries[idx];
            let Some(c) = reg.cache_rules.get(name) else {
                return not_found("Microsoft.ContainerRegistry/registries/cacheRules", name);
            };
            let mut resp = json(if creating { 201 } else { 200 }, &cache_rule_json(&w, reg, c));
            if let Ok(v) = http::HeaderValue::from_str(&async_url(reg)) {
                resp.headers_mut().insert("azure-asyncoperation", v);
            }
            resp
        }
        Method::DELETE => {
            let reg = &mut w.registries[idx];
            if reg.cache_rules.remove(name).is_none() {
                return (http::StatusCode::NO_CONTENT, ()).into_response();
            }
            let mut resp = (http::StatusCode::ACCEPTED, ()).into_response();
            if let Ok(v) = http::HeaderValue::from_str(&async_url(reg)) {
                resp.headers_mut().insert(http::header::LOCATION, v);
            }
            resp.headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
            resp
        }
        _ => method_not_allowed(),
    }
}

fn task_json(w: &World, reg: &Registry, t: &super::world::Task) -> Value {
    use super::world::TaskKind;
    let (step, base) = match &t.kind {
        TaskKind::Build { image, base } => (
            json!({"type": "Docker", "imageNames": [image], "dockerFilePath": "Dockerfile", "contextPath": format!("https://github.com/contoso/{}.git#main", t.name), "isPushEnabled": true, "noCache": false, "arguments": [{"name": "NODE_BASE", "value": base, "isSecret": false}]}),
            Some(base.clone()),
        ),
        TaskKind::GatedImport { source, target } => (
            json!({"type": "EncodedTask", "encodedTaskContent": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("version: v1.1.0\nsteps:\n  - id: gate\n    cmd: ./check-color.sh {source}\n  - cmd: az acr import --source {source} --image {target} --force\n")), "values": []}),
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

pub fn run_json(sub: &str, reg: &Registry, run: &Run) -> Value {
    let mut props = json!({
        "runId": run.id,
        "status": run.status.as_str(),
        "lastUpdatedTime": ts(run.finished.or(run.started).unwrap_or(run.created)),
        "runType": if run.trigger == Trigger::Manual { "QuickRun" } else { "AutoRun" },
        "createTime": ts(run.created),
        "outputImages": run.output_images.iter().filter(|_| run.status == RunStatus::Succeeded).map(|(registry, repo, tag)| {
            let digest = reg.store.repos.get(repo).and_then(|r| r.tags.get(tag)).map(|t| t.digest.clone());
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

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// `$filter` clauses as the az CLI writes them: `TaskName eq 'x' and Status eq 'Running'`,
/// `contains(OutputImageManifests, 'repo:tag')`, joined by `and`.
fn run_filter(filter: &str) -> Result<Vec<(String, String)>, String> {
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

fn list_runs(r: &Req<'_>, idx: usize) -> Response {
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
                            .any(|(_, repo, tag)| format!("{repo}:{tag}").contains(value.as_str())),
                        _ => false,
                    })
            })
            .take(top)
            .map(|run| run_json(&w.subscription, reg, run))
            .collect()
    };
    page(r, items, 50)
}

fn run_action(r: &Req<'_>, idx: usize, id: &str, action: &str) -> Response {
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
            super::worldfile::append_line(
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

fn schedule_run(r: &Req<'_>, idx: usize) -> Response {
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
        let run = super::worldfile::quick_run(reg, &yaml, &os, Utc::now() + Duration::seconds(1));
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
    match super::worldfile::new_run(
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

fn webhook_json(w: &World, reg: &Registry, h: &super::world::Webhook) -> Value {
    json!({
        "id": child_id(w, reg, "webhooks", &h.name),
        "name": h.name,
        "type": "Microsoft.ContainerRegistry/registries/webhooks",
        "location": reg.location,
        "tags": {},
        "properties": {"status": if h.enabled { "enabled" } else { "disabled" }, "scope": h.scope, "actions": h.actions, "provisioningState": "Succeeded"}
    })
}

fn webhook_action(r: &Req<'_>, idx: usize, name: &str, action: &str) -> Response {
    if r.method != Method::POST {
        return method_not_allowed();
    }
    let mut w = r.emu.world();
    let reg = &mut w.registries[idx];
    let login = reg.login_server.clone();
    let Some(h) = reg.webhooks.get_mut(name) else {
        return not_found("Microsoft.ContainerRegistry/registries/webhooks", name);
    };
    if eq(action, "ping") {
        let id = uuid::Uuid::new_v4().to_string();
        h.events.push(super::world::WebhookEvent {
            id: id.clone(),
            timestamp: Utc::now(),
            action: "ping".into(),
            repository: String::new(),
            tag: None,
            digest: String::new(),
            media_type: String::new(),
            size: 0,
        });
        return json(200, &json!({"id": id}));
    }
    if eq(action, "listEvents") {
        let items: Vec<Value> = h.events.iter().rev().map(|e| event_json(&login, e)).collect();
        return json(200, &json!({"value": items}));
    }
    if eq(action, "getCallbackConfig") {
        return json(
            200,
            &json!({"serviceUri": h.service_uri, "customHeaders": h.custom_headers}),
        );
    }
    arm_error(
        404,
        "InvalidResourceType",
        &format!("Unknown webhook action '{action}'."),
    )
}

fn event_json(login: &str, e: &super::world::WebhookEvent) -> Value {
    let content = json!({
        "id": e.id, "timestamp": ts(e.timestamp), "action": e.action,
        "target": {"mediaType": e.media_type, "size": e.size, "digest": e.digest, "length": e.size, "repository": e.repository,
                   "url": format!("https://{login}/v2/{}/manifests/{}", e.repository, e.digest), "tag": e.tag},
        "request": {"id": uuid::Uuid::new_v4().to_string(), "addr": "127.0.0.1:50412", "host": login, "method": "PUT", "useragent": "acrdeck-emulator"},
        "actor": {}, "source": {"addr": login, "instanceID": uuid::Uuid::new_v4().to_string()},
    });
    json!({
        "id": e.id,
        "eventRequestMessage": {"content": content, "headers": {"Content-Type": "application/json", "Content-Length": content.to_string().len().to_string(), "Authorization": "******"}, "method": "POST", "requestUri": "https://hooks.contoso.invalid/acr", "version": "1.1"},
        "eventResponseMessage": {"content": "", "headers": {"Content-Length": "0"}, "reasonPhrase": "OK", "statusCode": "200", "version": "1.1"},
    })
}

/// Validates an importImage body and starts the operation: 202 with Location and Retry-After.
fn import_image(r: &Req<'_>, idx: usize) -> Response {
    let b = r.body;
    let bad = |m: &str| arm_error(400, "InvalidParameter", m);
    let Some(source) = b.get("source") else {
        return bad("The 'source' property is required.");
    };
    let Some(source_image) = source["sourceImage"].as_str() else {
        return bad("source.sourceImage is required.");
    };
    let target_tags: Vec<String> = b["targetTags"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let untagged: Vec<String> = b["untaggedTargetRepositories"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    if target_tags.is_empty() && untagged.is_empty() {
        return bad("At least one of targetTags or untaggedTargetRepositories must be given.");
    }
    let force = match b["mode"].as_str() {
        None => false,
        Some(m) if eq(m, "NoForce") => false,
        Some(m) if eq(m, "Force") => true,
        Some(m) => return bad(&format!("mode '{m}' is not one of NoForce, Force.")),
    };
    let mut parsed_targets = Vec::new();
    for t in &target_tags {
        match t.rsplit_once(':') {
            Some((repo, tag)) if !repo.is_empty() && !tag.is_empty() && !tag.contains('/') => {
                parsed_targets.push((repo.to_string(), tag.to_string()))
            }
            _ => {
                return bad(&format!("targetTags entry '{t}' is not of the form repository:tag."));
            }
        }
    }
    let (src_repo, src_ref) = match source_image.split_once('@') {
        Some((repo, digest)) => (repo.split(':').next().unwrap_or(repo).to_string(), digest.to_string()),
        None => match source_image.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
            _ => (source_image.to_string(), "latest".to_string()),
        },
    };
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
                    let creds = (
                        source["credentials"]["username"].as_str(),
                        source["credentials"]["password"].as_str(),
                    );
                    if let Some((user, pass)) = &host.credentials {
                        match creds {
                            (Some(u), Some(p)) if u == user && p == pass => {}
                            (Some(_), Some(_)) => {
                                failure = Some((
                                    400,
                                    "InvalidCredentials".into(),
                                    format!(
                                        "Invalid credentials for source registry '{uri}'. Check the user name and password or token."
                                    ),
                                ))
                            }
                            _ => {
                                failure = Some((
                                    400,
                                    "SourceCredentialsRequired".into(),
                                    format!(
                                        "The source registry '{uri}' requires authentication; provide source.credentials (username and password or token)."
                                    ),
                                ))
                            }
                        }
                    }
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
        let target = &w.registries[idx].store;
        for (repo, tag) in &parsed_targets {
            let existing = target
                .repos
                .get(repo)
                .and_then(|r| r.tags.get(tag).map(|t| (r.effective_tag_attrs(t), t.digest.clone())));
            match existing {
                Some((_, _)) if !force => {
                    failure = Some((
                        409,
                        "Conflict".into(),
                        format!("Tag {repo}:{tag} already exists in target registry. Use mode Force to overwrite it."),
                    ));
                    break;
                }
                Some((attrs, d)) if !attrs.write_enabled && d != digest => {
                    failure = Some((
                        409,
                        "TargetLocked".into(),
                        format!(
                            "The target tag {repo}:{tag} is locked (writeEnabled=false); the operation is disallowed on this registry, repository or image."
                        ),
                    ));
                    break;
                }
                _ => {}
            }
        }
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

fn accepted(location: &str, retry_after: u64) -> Response {
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
fn operation_result(r: &Req<'_>, id: &str) -> Response {
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
    super::clock::complete_operations(r.emu, now);
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
