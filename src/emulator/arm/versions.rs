//! The api-versions ARM accepts for each resource type the emulator serves. ARM refuses any
//! other version before the resource provider sees the request: with `NoRegisteredProviderFound`
//! for a provider's types, `InvalidApiVersionParameter` for Microsoft.Resources' own, naming
//! the versions that are supported. The emulator answers every accepted version with the shape
//! of the newest; clients that send an older one read a superset of what they expect.

use super::super::errors::arm as arm_error;
use axum::response::Response;

/// Microsoft.ContainerRegistry: the published stable and preview versions (registries and
/// their children, tasks and runs included; ARM keeps one list per type, the emulator the
/// union). `2026-09-01-preview` is what the az CLI 2.91 sends.
pub const CONTAINER_REGISTRY: &[&str] = &[
    "2016-06-27-preview",
    "2017-03-01",
    "2017-06-01-preview",
    "2017-10-01",
    "2018-02-01-preview",
    "2018-09-01",
    "2019-04-01",
    "2019-05-01",
    "2019-06-01-preview",
    "2019-12-01-preview",
    "2020-11-01-preview",
    "2021-06-01-preview",
    "2021-08-01-preview",
    "2021-09-01",
    "2021-12-01-preview",
    "2022-02-01-preview",
    "2022-12-01",
    "2023-01-01-preview",
    "2023-06-01-preview",
    "2023-07-01",
    "2023-08-01-preview",
    "2023-11-01-preview",
    "2024-11-01-preview",
    "2025-03-01-preview",
    "2025-04-01",
    "2025-05-01-preview",
    "2025-06-01-preview",
    "2025-11-01",
    "2026-09-01-preview",
];

/// Microsoft.Resources: subscriptions (`Subscriptions_List`, `Subscriptions_Get`).
pub const SUBSCRIPTIONS: &[&str] = &[
    "2014-04-01-preview",
    "2015-01-01",
    "2016-06-01",
    "2018-06-01",
    "2019-06-01",
    "2019-11-01",
    "2020-01-01",
    "2021-01-01",
    "2022-01-01",
    "2022-12-01",
];

/// Microsoft.Resources: the generic resources listing (`Resources_List`).
pub const RESOURCES: &[&str] = &[
    "2021-04-01",
    "2022-09-01",
    "2023-07-01",
    "2024-03-01",
    "2024-07-01",
    "2024-11-01",
    "2025-03-01",
    "2025-04-01",
];

/// Which list a request is checked against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    ContainerRegistry,
    Subscriptions,
    Resources,
}

impl Family {
    fn versions(self) -> &'static [&'static str] {
        match self {
            Family::ContainerRegistry => CONTAINER_REGISTRY,
            Family::Subscriptions => SUBSCRIPTIONS,
            Family::Resources => RESOURCES,
        }
    }
}

/// ARM's refusal of `version` for `family` (`resource_type` and `location` name the type in
/// the provider's message), or None when it is accepted. Versions compare case-insensitively.
pub fn refuse(family: Family, version: &str, resource_type: &str, location: &str) -> Option<Response> {
    let known = family.versions();
    if known.iter().any(|v| v.eq_ignore_ascii_case(version)) {
        return None;
    }
    let list = known.join(", ");
    Some(match family {
        Family::ContainerRegistry => arm_error(
            400,
            "NoRegisteredProviderFound",
            &format!(
                "No registered resource provider found for location '{location}' and API version '{version}' for type '{resource_type}'. The supported api-versions are '{list}'. The supported locations are '{location}'."
            ),
        ),
        Family::Subscriptions | Family::Resources => arm_error(
            400,
            "InvalidApiVersionParameter",
            &format!("The api-version '{version}' is invalid. The supported versions are '{list}'."),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_versions_pass_and_others_are_refused_naming_the_list() {
        assert!(refuse(Family::ContainerRegistry, "2025-11-01", "registries", "westus").is_none());
        assert!(refuse(Family::ContainerRegistry, "2019-06-01-PREVIEW", "runs", "westus").is_none());
        assert!(refuse(Family::ContainerRegistry, "2099-01-01", "registries", "westus").is_some());
        assert!(refuse(Family::Resources, "2024-11-01", "", "").is_none());
        assert!(refuse(Family::Resources, "2020-06-01", "", "").is_some());
        assert!(refuse(Family::Subscriptions, "2022-12-01", "", "").is_none());
    }
}
