//! Repository-scoped tokens and their scope maps, read-only: listed and read in the shapes of
//! the official examples. A token's password is never in an answer (the service shows it once,
//! from generateCredentials, which the emulator does not serve); its expiry is.

use super::super::world::{Registry, RepoToken, ScopeMap, World};
use super::*;

pub(super) fn token_json(w: &World, reg: &Registry, t: &RepoToken) -> Value {
    json!({
        "id": child_id(w, reg, "tokens", &t.name),
        "name": t.name,
        "type": "Microsoft.ContainerRegistry/registries/tokens",
        "properties": {
            "creationDate": ts(t.created),
            "scopeMapId": child_id(w, reg, "scopeMaps", &t.scope_map),
            "provisioningState": "Succeeded",
            "status": if t.enabled { "enabled" } else { "disabled" },
            "credentials": {
                "certificates": [],
                "passwords": [{
                    "name": "password1",
                    "creationTime": ts(t.created),
                    "expiry": t.expiry.map(ts),
                }],
            },
        }
    })
}

pub(super) fn scope_map_json(w: &World, reg: &Registry, m: &ScopeMap) -> Value {
    json!({
        "id": child_id(w, reg, "scopeMaps", &m.name),
        "name": m.name,
        "type": "Microsoft.ContainerRegistry/registries/scopeMaps",
        "properties": {
            "creationDate": ts(m.created),
            "type": "IsUserDefined",
            "actions": m.actions,
            "provisioningState": "Succeeded",
        }
    })
}

/// `tokens/{name}` (GET).
pub(super) fn token(r: &Req<'_>, idx: usize, name: &str) -> Response {
    if r.method != Method::GET {
        return method_not_allowed();
    }
    let w = r.emu.world();
    let reg = &w.registries[idx];
    match reg.tokens.get(name) {
        Some(t) => json(200, &token_json(&w, reg, t)),
        None => not_found("Microsoft.ContainerRegistry/registries/tokens", name),
    }
}

/// `scopeMaps/{name}` (GET).
pub(super) fn scope_map(r: &Req<'_>, idx: usize, name: &str) -> Response {
    if r.method != Method::GET {
        return method_not_allowed();
    }
    let w = r.emu.world();
    let reg = &w.registries[idx];
    match reg.scope_maps.get(name) {
        Some(m) => json(200, &scope_map_json(&w, reg, m)),
        None => not_found("Microsoft.ContainerRegistry/registries/scopeMaps", name),
    }
}
