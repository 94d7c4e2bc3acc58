//! Geo-replicas: listed and read in the shapes of the official examples, each with the status
//! the service reports (`Ready`, `Syncing`, …) that a dashboard counts in a registry's health.

use super::super::world::{Registry, Replication, World};
use super::*;

pub(super) fn replication_json(w: &World, reg: &Registry, rep: &Replication) -> Value {
    json!({
        "id": child_id(w, reg, "replications", &rep.name),
        "name": rep.name,
        "type": "Microsoft.ContainerRegistry/registries/replications",
        "location": rep.location,
        "tags": {},
        "properties": {
            "provisioningState": "Succeeded",
            "status": {
                "displayStatus": rep.status,
                "message": rep.message,
                "timestamp": ts(rep.since),
            },
            "regionEndpointEnabled": rep.region_endpoint_enabled,
            "zoneRedundancy": "Disabled",
        }
    })
}

/// `replications/{name}` (GET).
pub(super) fn replication(r: &Req<'_>, idx: usize, name: &str) -> Response {
    if r.method != Method::GET {
        return method_not_allowed();
    }
    let w = r.emu.world();
    let reg = &w.registries[idx];
    match reg.replications.get(name) {
        Some(rep) => json(200, &replication_json(&w, reg, rep)),
        None => not_found("Microsoft.ContainerRegistry/registries/replications", name),
    }
}

/// `replications` (list) and `replications/{name}`.
pub(super) fn route(r: &Req<'_>, idx: usize, rest: &[&str]) -> Response {
    match rest {
        [] => list_child(r, idx, |w, reg| {
            reg.replications
                .values()
                .map(|rep| replication_json(w, reg, rep))
                .collect()
        }),
        [name] => replication(r, idx, name),
        _ => super::super::errors::arm(404, "InvalidResourceType", &format!("No route for '{}'.", r.path)),
    }
}
