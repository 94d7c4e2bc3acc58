//! Cache rules and the credential sets they pull with: create, update, delete as long-running
//! operations, and the credential's health.

use super::super::errors::arm as arm_error;
use super::super::server::json;
use super::super::world::{CacheRule, Registry, World};
use super::*;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use http::Method;
use serde_json::{Value, json};

pub(super) fn cache_rule_json(w: &World, reg: &Registry, c: &CacheRule) -> Value {
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

pub(super) fn credential_set_json(w: &World, reg: &Registry, c: &super::super::world::CredentialSet) -> Value {
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

pub(super) fn credential_set(r: &Req<'_>, idx: usize, name: &str) -> Response {
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
                    super::super::world::CredentialSet {
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

pub(super) fn cache_rule(r: &Req<'_>, idx: usize, name: &str, rest: &[&str]) -> Response {
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
