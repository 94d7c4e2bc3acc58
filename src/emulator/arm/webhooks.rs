//! Webhooks: their events (each push and delete the registry records), ping, callback config.

use super::super::errors::arm as arm_error;
use super::super::server::json;
use super::super::world::{Registry, World};
use super::*;
use axum::response::Response;
use chrono::Utc;
use http::Method;
use serde_json::{Value, json};

pub(super) fn webhook_json(w: &World, reg: &Registry, h: &super::super::world::Webhook) -> Value {
    json!({
        "id": child_id(w, reg, "webhooks", &h.name),
        "name": h.name,
        "type": "Microsoft.ContainerRegistry/registries/webhooks",
        "location": reg.location,
        "tags": {},
        "properties": {"status": if h.enabled { "enabled" } else { "disabled" }, "scope": h.scope, "actions": h.actions, "provisioningState": "Succeeded"}
    })
}

pub(super) fn webhook_action(r: &Req<'_>, idx: usize, name: &str, action: &str) -> Response {
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
        h.events.push(super::super::world::WebhookEvent {
            id: id.clone(),
            timestamp: Utc::now(),
            action: "ping".into(),
            repository: String::new(),
            tag: None,
            digest: String::new(),
            media_type: String::new(),
            size: 0,
            status: h.response_status,
        });
        return json(200, &json!({"id": id}));
    }
    if eq(action, "listEvents") {
        let items: Vec<Value> = h
            .events
            .iter()
            .rev()
            .map(|e| event_json(&login, &h.service_uri, e))
            .collect();
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

pub(super) fn event_json(login: &str, service_uri: &str, e: &super::super::world::WebhookEvent) -> Value {
    let reason = http::StatusCode::from_u16(e.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let content = json!({
        "id": e.id, "timestamp": ts(e.timestamp), "action": e.action,
        "target": {"mediaType": e.media_type, "size": e.size, "digest": e.digest, "length": e.size, "repository": e.repository,
                   "url": format!("https://{login}/v2/{}/manifests/{}", e.repository, e.digest), "tag": e.tag},
        "request": {"id": uuid::Uuid::new_v4().to_string(), "addr": "127.0.0.1:50412", "host": login, "method": "PUT", "useragent": "acrdeck-emulator"},
        "actor": {}, "source": {"addr": login, "instanceID": uuid::Uuid::new_v4().to_string()},
    });
    json!({
        "id": e.id,
        "eventRequestMessage": {"content": content, "headers": {"Content-Type": "application/json", "Content-Length": content.to_string().len().to_string(), "Authorization": "******"}, "method": "POST", "requestUri": service_uri, "version": "1.1"},
        "eventResponseMessage": {"content": "", "headers": {"Content-Length": "0"}, "reasonPhrase": reason, "statusCode": e.status.to_string(), "version": "1.1"},
    })
}
