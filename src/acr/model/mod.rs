//! The service's resources as Rust types. They tolerate what real Azure sends: unknown fields are
//! ignored, unknown enum values are kept (`Other`) instead of failing, and enum values are read
//! case-insensitively (`linux`/`Linux`, `systemAssigned`/`SystemAssigned`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

mod rollout;
pub use rollout::*;

/// An enum of known string values that keeps unknown ones and ignores case when reading.
macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
            /// A value this version does not know, kept as sent.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => stringify!($variant),)*
                    $name::Other(s) => s,
                }
            }

            pub fn parse(s: &str) -> $name {
                $(if s.eq_ignore_ascii_case(stringify!($variant)) { return $name::$variant; })*
                $name::Other(s.to_string())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

open_enum!(
    /// A task run's status.
    RunStatus { Queued, Started, Running, Succeeded, Failed, Canceled, Error, Timeout }
);

impl RunStatus {
    /// Still going: the runs pane refreshes faster while any run is.
    pub fn is_active(&self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Started | RunStatus::Running)
    }
}

open_enum!(SkuName {
    Basic,
    Standard,
    Premium,
    Classic
});
open_enum!(ProvisioningState {
    Creating,
    Updating,
    Deleting,
    Succeeded,
    Failed,
    Canceled
});
open_enum!(Os { Linux, Windows });
open_enum!(ImportMode { NoForce, Force });
open_enum!(HealthStatus { Healthy, Unhealthy });

/// A page of an ARM listing.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmPage<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    pub next_link: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub sku: Sku,
    #[serde(default)]
    pub properties: RegistryProperties,
}

impl Registry {
    /// The resource group, from the resource id.
    pub fn resource_group(&self) -> Option<&str> {
        let parts: Vec<&str> = self.id.split('/').collect();
        parts
            .iter()
            .position(|p| p.eq_ignore_ascii_case("resourceGroups"))
            .and_then(|i| parts.get(i + 1).copied())
    }

    pub fn subscription(&self) -> Option<&str> {
        let parts: Vec<&str> = self.id.split('/').collect();
        parts
            .iter()
            .position(|p| p.eq_ignore_ascii_case("subscriptions"))
            .and_then(|i| parts.get(i + 1).copied())
    }

    /// The `stage` resource tag (dev, staging, uat, prod), if set.
    pub fn stage(&self) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("stage"))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Sku {
    pub name: SkuName,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryProperties {
    #[serde(default)]
    pub login_server: String,
    pub creation_date: Option<DateTime<Utc>>,
    pub provisioning_state: Option<ProvisioningState>,
    #[serde(default)]
    pub admin_user_enabled: bool,
    pub public_network_access: Option<String>,
    #[serde(default)]
    pub data_endpoint_enabled: bool,
    #[serde(default)]
    pub data_endpoint_host_names: Vec<String>,
    #[serde(default)]
    pub anonymous_pull_enabled: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub name: String,
    pub limit: Option<u64>,
    pub current_value: Option<u64>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct UsageList {
    #[serde(default)]
    pub value: Vec<Usage>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheRule {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub properties: CacheRuleProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheRuleProperties {
    #[serde(default)]
    pub source_repository: String,
    #[serde(default)]
    pub target_repository: String,
    pub credential_set_resource_id: Option<String>,
    pub creation_date: Option<DateTime<Utc>>,
    pub provisioning_state: Option<ProvisioningState>,
}

impl CacheRule {
    /// A rule for a whole namespace (`docker.io/library/*`) rather than one repository.
    pub fn is_wildcard(&self) -> bool {
        self.properties.source_repository.ends_with("/*") || self.properties.target_repository.ends_with("/*")
    }

    pub fn credential_set_name(&self) -> Option<&str> {
        self.properties
            .credential_set_resource_id
            .as_deref()
            .and_then(|id| id.rsplit('/').next())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSet {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub properties: CredentialSetProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSetProperties {
    #[serde(default)]
    pub login_server: String,
    #[serde(default)]
    pub auth_credentials: Vec<AuthCredential>,
    pub creation_date: Option<DateTime<Utc>>,
    pub provisioning_state: Option<ProvisioningState>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthCredential {
    pub name: Option<String>,
    pub username_secret_identifier: Option<String>,
    pub password_secret_identifier: Option<String>,
    pub credential_health: Option<CredentialHealth>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialHealth {
    pub status: Option<HealthStatus>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl CredentialSet {
    /// Healthy unless a credential says otherwise.
    pub fn health(&self) -> HealthStatus {
        self.properties
            .auth_credentials
            .iter()
            .filter_map(|c| c.credential_health.as_ref()?.status.clone())
            .find(|s| *s != HealthStatus::Healthy)
            .unwrap_or(HealthStatus::Healthy)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Platform {
    pub os: Option<Os>,
    pub architecture: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub properties: TaskProperties,
}

/// A task with its secrets filled in (`POST …/tasks/{name}/listDetails`): the step's secret
/// arguments and the custom registries' credentials. The service names neither the task nor its
/// id here; the caller knows which it asked for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDetails {
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub properties: TaskProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskProperties {
    pub provisioning_state: Option<ProvisioningState>,
    pub creation_date: Option<DateTime<Utc>>,
    pub status: Option<String>,
    pub platform: Option<Platform>,
    pub timeout: Option<u64>,
    /// The step as sent (Docker, FileTask or EncodedTask): shown, not interpreted.
    pub step: Option<serde_json::Value>,
    pub trigger: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub properties: RunProperties,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunProperties {
    pub run_id: Option<String>,
    pub status: Option<RunStatus>,
    pub last_updated_time: Option<DateTime<Utc>>,
    pub run_type: Option<String>,
    pub create_time: Option<DateTime<Utc>>,
    pub start_time: Option<DateTime<Utc>>,
    pub finish_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub output_images: Vec<ImageDescriptor>,
    pub task: Option<String>,
    pub image_update_trigger: Option<serde_json::Value>,
    pub source_trigger: Option<serde_json::Value>,
    pub timer_trigger: Option<serde_json::Value>,
    pub platform: Option<Platform>,
    pub run_error_message: Option<String>,
    #[serde(default)]
    pub is_archive_enabled: bool,
    pub log_artifact: Option<ImageDescriptor>,
    pub provisioning_state: Option<ProvisioningState>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ImageDescriptor {
    pub registry: Option<String>,
    pub repository: Option<String>,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Commit,
    BaseImageUpdate,
    Timer,
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Commit => "Commit",
            Trigger::BaseImageUpdate => "Image Update",
            Trigger::Timer => "Timer",
            Trigger::Manual => "Manual",
        }
    }
}

impl Run {
    pub fn run_id(&self) -> &str {
        self.properties.run_id.as_deref().unwrap_or(&self.name)
    }

    pub fn status(&self) -> RunStatus {
        self.properties
            .status
            .clone()
            .unwrap_or(RunStatus::Other("Unknown".into()))
    }

    pub fn trigger(&self) -> Trigger {
        let p = &self.properties;
        if p.source_trigger.is_some() {
            Trigger::Commit
        } else if p.image_update_trigger.is_some() {
            Trigger::BaseImageUpdate
        } else if p.timer_trigger.is_some() {
            Trigger::Timer
        } else {
            Trigger::Manual
        }
    }
}

// ---------------------------------------------------------------- data plane

/// ACR's lock switches (`changeableAttributes`). Absent means enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeableAttributes {
    #[serde(default = "yes")]
    pub delete_enabled: bool,
    #[serde(default = "yes")]
    pub write_enabled: bool,
    #[serde(default = "yes")]
    pub read_enabled: bool,
    #[serde(default = "yes")]
    pub list_enabled: bool,
}

fn yes() -> bool {
    true
}

impl Default for ChangeableAttributes {
    fn default() -> Self {
        ChangeableAttributes {
            delete_enabled: true,
            write_enabled: true,
            read_enabled: true,
            list_enabled: true,
        }
    }
}

impl ChangeableAttributes {
    pub fn is_locked(&self) -> bool {
        !(self.delete_enabled && self.write_enabled && self.read_enabled && self.list_enabled)
    }
}

/// A PATCH of changeableAttributes: only the fields set change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributesUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_enabled: Option<bool>,
}

impl AttributesUpdate {
    /// Lock (or unlock) against writes and/or deletes.
    pub fn lock(write: bool, delete: bool, locked: bool) -> AttributesUpdate {
        AttributesUpdate {
            write_enabled: write.then_some(!locked),
            delete_enabled: delete.then_some(!locked),
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == AttributesUpdate::default()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryProperties {
    pub registry: Option<String>,
    pub image_name: String,
    pub created_time: Option<DateTime<Utc>>,
    pub last_update_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub manifest_count: u64,
    #[serde(default)]
    pub tag_count: u64,
    #[serde(default)]
    pub changeable_attributes: ChangeableAttributes,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagProperties {
    pub name: String,
    pub digest: String,
    pub created_time: Option<DateTime<Utc>>,
    pub last_update_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub signed: bool,
    #[serde(default)]
    pub changeable_attributes: ChangeableAttributes,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagList {
    pub registry: Option<String>,
    pub image_name: Option<String>,
    #[serde(default)]
    pub tags: Vec<TagProperties>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagAttributesResponse {
    pub registry: Option<String>,
    pub image_name: Option<String>,
    pub tag: TagProperties,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestProperties {
    pub digest: String,
    #[serde(default)]
    pub image_size: u64,
    pub created_time: Option<DateTime<Utc>>,
    pub last_update_time: Option<DateTime<Utc>>,
    pub architecture: Option<String>,
    pub os: Option<Os>,
    pub media_type: Option<String>,
    pub config_media_type: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub changeable_attributes: ChangeableAttributes,
    /// Platforms of an index (multi-arch image).
    #[serde(default)]
    pub references: Vec<ManifestReference>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ManifestReference {
    pub digest: String,
    pub architecture: Option<String>,
    pub os: Option<Os>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestList {
    pub registry: Option<String>,
    pub image_name: Option<String>,
    #[serde(default)]
    pub manifests: Vec<ManifestProperties>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestAttributesResponse {
    pub registry: Option<String>,
    pub image_name: Option<String>,
    pub manifest: ManifestProperties,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    #[serde(default)]
    pub repositories: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_ignore_case_and_keep_unknown_values() {
        let s: RunStatus = serde_json::from_str("\"running\"").unwrap();
        assert_eq!(s, RunStatus::Running);
        let s: RunStatus = serde_json::from_str("\"Paused\"").unwrap();
        assert_eq!(s, RunStatus::Other("Paused".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"Paused\"");
        let p: Platform = serde_json::from_str(r#"{"os":"linux","architecture":"amd64"}"#).unwrap();
        assert_eq!(p.os, Some(Os::Linux));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let r: Registry = serde_json::from_str(r#"{"id":"/subscriptions/s/resourceGroups/RG/providers/x/registries/a","name":"a","sku":{"name":"Premium","tier":"Premium"},"newThing":1,"properties":{"loginServer":"a.azurecr.io","futureFlag":true}}"#).unwrap();
        assert_eq!(r.resource_group(), Some("RG"));
        assert_eq!(r.sku.name, SkuName::Premium);
    }

    #[test]
    fn lock_updates_touch_only_what_is_asked() {
        let u = AttributesUpdate::lock(true, false, true);
        assert_eq!(
            serde_json::to_value(u).unwrap(),
            serde_json::json!({"writeEnabled": false})
        );
    }
}
