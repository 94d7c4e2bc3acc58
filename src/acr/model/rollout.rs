//! What operators check on a registry during a rollout besides its images: webhooks and their
//! deliveries, repository-scoped tokens and their scope maps, geo-replicas, private endpoints,
//! and the admin user's credentials. Unknown enum values are kept as text (the service adds
//! values; a dashboard must not fail on one), and everything secret is redacted from `Debug`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub properties: WebhookProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookProperties {
    /// `enabled` or `disabled`.
    pub status: Option<String>,
    /// The repositories (and tags) whose events trigger it; empty: every one.
    #[serde(default)]
    pub scope: String,
    /// `push`, `delete`, `quarantine`, `chart_push`, `chart_delete`.
    #[serde(default)]
    pub actions: Vec<String>,
    pub provisioning_state: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    pub id: String,
    pub event_request_message: Option<serde_json::Value>,
    pub event_response_message: Option<serde_json::Value>,
}

/// What one delivery of a webhook was about and how its receiver answered, read from the
/// request and response messages the service records (their headers and URI are left out:
/// they carry the receiver's credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: String,
    pub at: Option<DateTime<Utc>>,
    /// `push`, `delete`, `ping`, …
    pub action: String,
    pub repository: Option<String>,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// The receiver's HTTP status; none when it never answered.
    pub status: Option<u16>,
}

impl Delivery {
    /// Whether the receiver took it (a 2xx answer).
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

impl WebhookEvent {
    pub fn delivery(&self) -> Delivery {
        let content = self
            .event_request_message
            .as_ref()
            .and_then(|m| m.get("content"))
            .cloned()
            .unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        let target = &content["target"];
        // The status code is a string in the service's answer ("200"); accept a number too.
        let status = self
            .event_response_message
            .as_ref()
            .map(|m| &m["statusCode"])
            .and_then(|s| s.as_u64().or_else(|| s.as_str()?.trim().parse().ok()))
            .and_then(|s| u16::try_from(s).ok());
        Delivery {
            id: self.id.clone(),
            at: content["timestamp"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc)),
            action: text(&content["action"]).unwrap_or_default(),
            repository: text(&target["repository"]),
            tag: text(&target["tag"]),
            digest: text(&target["digest"]),
            status,
        }
    }
}

/// Where a webhook delivers (`POST …/webhooks/{name}/getCallbackConfig`). The URI's query and
/// user info, and every custom header, can carry credentials: none of them reaches `Debug`.
#[derive(Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackConfig {
    pub service_uri: String,
    #[serde(default)]
    pub custom_headers: BTreeMap<String, String>,
}

impl CallbackConfig {
    /// The host the webhook delivers to: all of the URI that may be shown.
    pub fn host(&self) -> Option<String> {
        url::Url::parse(&self.service_uri)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    }
}

impl fmt::Debug for CallbackConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackConfig")
            .field("host", &self.host())
            .field("custom_headers", &self.custom_headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What a webhook ping answers: the id of the event it sent.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EventInfo {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replication {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub properties: ReplicationProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicationProperties {
    pub provisioning_state: Option<String>,
    pub status: Option<ResourceStatus>,
    pub region_endpoint_enabled: Option<bool>,
    pub zone_redundancy: Option<String>,
}

impl Replication {
    /// Provisioned and reported `Ready` (a replica whose status is not reported counts as ready
    /// once provisioned: older API versions leave it out).
    pub fn ready(&self) -> bool {
        let p = &self.properties;
        let provisioned = p
            .provisioning_state
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("Succeeded"));
        let status = p.status.as_ref().and_then(|s| s.display_status.as_deref());
        provisioned && status.is_none_or(|s| s.eq_ignore_ascii_case("Ready"))
    }

    /// `Ready`, `Syncing`, … or the provisioning state while it is not provisioned.
    pub fn state(&self) -> String {
        let p = &self.properties;
        match (
            p.provisioning_state.as_deref(),
            p.status.as_ref().and_then(|s| s.display_status.as_deref()),
        ) {
            (Some(prov), _) if !prov.eq_ignore_ascii_case("Succeeded") => prov.to_string(),
            (_, Some(status)) => status.to_string(),
            (Some(prov), None) => prov.to_string(),
            (None, None) => "unknown".into(),
        }
    }
}

/// The health the service reports for a replica: `Ready`, `Syncing`, … with a message.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceStatus {
    pub display_status: Option<String>,
    pub message: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeMap {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub properties: ScopeMapProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeMapProperties {
    pub description: Option<String>,
    /// `SystemDefined` or `IsUserDefined` (the service's word).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub creation_date: Option<DateTime<Utc>>,
    pub provisioning_state: Option<String>,
    /// `repositories/<name>/<action>` for each permission.
    #[serde(default)]
    pub actions: Vec<String>,
}

/// What a scope map grants on one repository: `content/read`, `content/write`, `metadata/read`…
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepositoryPermission {
    pub repository: String,
    pub actions: Vec<String>,
}

impl ScopeMap {
    /// Its actions grouped by repository, in the map's order. ACR writes each as
    /// `repositories/<name>/<kind>/<verb>`; anything else is kept whole under its own name.
    pub fn permissions(&self) -> Vec<RepositoryPermission> {
        let mut out: Vec<RepositoryPermission> = Vec::new();
        for action in &self.properties.actions {
            let (repository, verb) = match action.strip_prefix("repositories/").and_then(|rest| {
                let mut cut = rest.rsplitn(3, '/');
                let (verb, kind, repo) = (cut.next()?, cut.next()?, cut.next()?);
                Some((repo.to_string(), format!("{kind}/{verb}")))
            }) {
                Some(split) => split,
                None => (action.clone(), String::new()),
            };
            match out.iter_mut().find(|p| p.repository == repository) {
                Some(p) if !verb.is_empty() => p.actions.push(verb),
                Some(_) => {}
                None => out.push(RepositoryPermission {
                    repository,
                    actions: if verb.is_empty() { vec![] } else { vec![verb] },
                }),
            }
        }
        out
    }
}

/// A repository-scoped token (a CI system's push token, a cluster's pull token).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub properties: TokenProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenProperties {
    pub creation_date: Option<DateTime<Utc>>,
    pub scope_map_id: Option<String>,
    /// `enabled` or `disabled`.
    pub status: Option<String>,
    pub provisioning_state: Option<String>,
    pub credentials: Option<TokenCredentials>,
}

/// How near a token's expiry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Never,
    Later,
    /// Within the warning window asked for.
    Soon,
    Expired,
}

impl Token {
    /// How near its expiry is at `now`, warning `window` ahead.
    pub fn expiry_at(&self, now: DateTime<Utc>, window: chrono::Duration) -> Expiry {
        match self.expiry() {
            None => Expiry::Never,
            Some(e) if e <= now => Expiry::Expired,
            Some(e) if e <= now + window => Expiry::Soon,
            Some(_) => Expiry::Later,
        }
    }

    /// What its scope map (found among `maps`) lets it do; nothing when the map is not there.
    pub fn grants(&self, maps: &[ScopeMap]) -> Vec<RepositoryPermission> {
        self.properties
            .scope_map_name()
            .and_then(|name| maps.iter().find(|m| m.name == name))
            .map(ScopeMap::permissions)
            .unwrap_or_default()
    }

    /// When the first of its passwords expires; none when none does (or it has none).
    pub fn expiry(&self) -> Option<DateTime<Utc>> {
        self.properties
            .credentials
            .as_ref()?
            .passwords
            .iter()
            .filter_map(|p| p.expiry)
            .min()
    }
}

impl TokenProperties {
    /// The scope map's name, from its resource id.
    pub fn scope_map_name(&self) -> Option<&str> {
        self.scope_map_id.as_deref()?.rsplit('/').next()
    }
}

/// A token's credentials as listed: names and expiry only (the service never lists a value).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCredentials {
    #[serde(default)]
    pub passwords: Vec<TokenPassword>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenPassword {
    pub name: Option<String>,
    pub creation_time: Option<DateTime<Utc>>,
    pub expiry: Option<DateTime<Utc>>,
}

/// The admin user's name and passwords (`POST …/listCredentials`). The values never reach
/// `Debug`.
#[derive(Clone, Deserialize, Serialize)]
pub struct RegistryCredentials {
    pub username: Option<String>,
    #[serde(default)]
    pub passwords: Vec<NamedPassword>,
}

#[derive(Clone, Deserialize, Serialize)]
pub struct NamedPassword {
    pub name: Option<String>,
    pub value: Option<String>,
}

impl fmt::Debug for RegistryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.passwords.iter().filter_map(|p| p.name.as_deref()).collect();
        f.debug_struct("RegistryCredentials")
            .field("username", &self.username)
            .field("passwords", &names)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateLinkResource {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub properties: PrivateLinkResourceProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateLinkResourceProperties {
    pub group_id: Option<String>,
    #[serde(default)]
    pub required_members: Vec<String>,
    #[serde(default)]
    pub required_zone_names: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointConnection {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub properties: PrivateEndpointConnectionProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointConnectionProperties {
    pub provisioning_state: Option<String>,
    pub private_endpoint: Option<ResourceId>,
    pub private_link_service_connection_state: Option<ConnectionState>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ResourceId {
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionState {
    /// `Approved`, `Pending`, `Rejected`, `Disconnected`.
    pub status: Option<String>,
    pub description: Option<String>,
    pub actions_required: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_map_permissions_by_repository() {
        let m: ScopeMap = serde_json::from_value(serde_json::json!({
            "name": "ci",
            "properties": {"actions": [
                "repositories/apps/web/content/read",
                "repositories/apps/web/content/write",
                "repositories/base/node/metadata/read",
                "gateways/edge/config/read"
            ]}
        }))
        .expect("a scope map");
        let p = m.permissions();
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(p[0].repository, "apps/web");
        assert_eq!(p[0].actions, ["content/read", "content/write"]);
        assert_eq!(p[1].repository, "base/node");
        assert_eq!(p[1].actions, ["metadata/read"]);
        assert_eq!(p[2].repository, "gateways/edge/config/read");
    }

    #[test]
    fn delivery_read_from_an_event() {
        let e: WebhookEvent = serde_json::from_value(serde_json::json!({
            "id": "e1",
            "eventRequestMessage": {"content": {"timestamp": "2026-12-01T10:00:00Z", "action": "push",
                "target": {"repository": "apps/web", "tag": "1.0", "digest": "sha256:ab"}},
                "requestUri": "https://hooks.example/x?sig=secret"},
            "eventResponseMessage": {"statusCode": "503"}
        }))
        .expect("an event");
        let d = e.delivery();
        assert_eq!(d.action, "push");
        assert_eq!(d.repository.as_deref(), Some("apps/web"));
        assert_eq!(d.status, Some(503));
        assert!(!d.delivered());
        assert!(!format!("{d:?}").contains("secret"));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let c: CallbackConfig = serde_json::from_value(serde_json::json!({
            "serviceUri": "https://user:pass@hooks.contoso.com/deploy?sig=abc",
            "customHeaders": {"Authorization": "Bearer xyz"}
        }))
        .expect("a callback config");
        let shown = format!("{c:?}");
        assert!(
            shown.contains("hooks.contoso.com") && shown.contains("Authorization"),
            "{shown}"
        );
        assert!(
            !shown.contains("pass") && !shown.contains("sig=") && !shown.contains("xyz"),
            "{shown}"
        );
        let r: RegistryCredentials = serde_json::from_value(serde_json::json!({
            "username": "myRegistry", "passwords": [{"name": "password", "value": "s3cret"}]
        }))
        .expect("credentials");
        let shown = format!("{r:?}");
        assert!(shown.contains("myRegistry") && !shown.contains("s3cret"), "{shown}");
    }
}
