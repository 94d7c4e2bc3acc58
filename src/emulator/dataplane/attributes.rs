//! Repository, tag and manifest attributes (ACR's `/acr/v1/` API): their JSON, and the locks
//! (`changeableAttributes`) read and changed with PATCH.

use super::super::arm::ts;
use super::super::model::{Attrs, AttrsPatch, DpError, Manifest, Repository, Store, Tag};
use super::super::server::json;
use super::*;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::Method;
use serde_json::{Value, json};

pub(super) fn attrs_json(a: Attrs) -> Value {
    serde_json::to_value(a).unwrap_or(Value::Null)
}

pub(super) fn tag_json(r: &Repository, t: &Tag) -> Value {
    json!({
        "name": t.name,
        "digest": t.digest,
        "createdTime": ts(t.created),
        "lastUpdateTime": ts(t.updated),
        "signed": false,
        "changeableAttributes": attrs_json(r.attrs.and(t.attrs)),
    })
}

pub(super) fn manifest_json(r: &Repository, m: &Manifest) -> Value {
    let mut v = json!({
        "digest": m.digest,
        "imageSize": m.image_size,
        "createdTime": ts(m.created),
        "lastUpdateTime": ts(m.updated),
        "mediaType": m.media_type,
        "tags": m.tags.iter().collect::<Vec<_>>(),
        "changeableAttributes": attrs_json(r.attrs.and(m.attrs)),
    });
    if let Some((os, arch)) = &m.platform {
        v["architecture"] = json!(arch);
        v["os"] = json!(os);
    }
    if let Some(c) = &m.config_media_type {
        v["configMediaType"] = json!(c);
    }
    if !m.references.is_empty() {
        v["references"] = json!(
            m.references
                .iter()
                .map(|(d, os, arch)| json!({"digest": d, "architecture": arch, "os": os}))
                .collect::<Vec<_>>()
        );
    }
    v
}

/// A PATCH body as clients send it: an object, or (as one official example shows) a JSON string.
pub(super) fn attrs_patch(body: &[u8]) -> Result<AttrsPatch, DpError> {
    let bad = |e: String| DpError::new(400, "INVALID_REQUEST", format!("invalid changeableAttributes: {e}"));
    let v: Value = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    let v = match v {
        Value::String(s) => serde_json::from_str(&s).map_err(|e| bad(e.to_string()))?,
        other => other,
    };
    serde_json::from_value(v).map_err(|e| bad(e.to_string()))
}

pub(super) fn repo_attrs(
    store: &mut Store,
    login: &str,
    name: &str,
    method: &Method,
    body: &[u8],
) -> Result<Response, DpError> {
    match *method {
        Method::DELETE => {
            let (manifests, tags) = store.delete_repository(name)?;
            Ok(json(202, &json!({"manifestsDeleted": manifests, "tagsDeleted": tags})))
        }
        Method::PATCH => {
            let patch = attrs_patch(body)?;
            let r = store.repos.get_mut(name).ok_or_else(|| DpError::name_unknown(name))?;
            r.attrs.apply(&patch);
            Ok(json(200, &repo_json(login, r)))
        }
        Method::GET => {
            let r = store.repos.get(name).ok_or_else(|| DpError::name_unknown(name))?;
            Ok(json(200, &repo_json(login, r)))
        }
        _ => Err(DpError::new(405, "UNSUPPORTED", "method not allowed")),
    }
}

pub(super) fn repo_json(login: &str, r: &Repository) -> Value {
    json!({
        "registry": login,
        "imageName": r.name,
        "createdTime": ts(r.created),
        "lastUpdateTime": ts(r.updated),
        "manifestCount": r.manifests.len(),
        "tagCount": r.tags.len(),
        "changeableAttributes": attrs_json(r.attrs),
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn tag_attrs(
    place: &mut Place<'_>,
    login: &str,
    name: &str,
    tag: &str,
    method: &Method,
    body: &[u8],
    now: chrono::DateTime<Utc>,
) -> Result<Response, DpError> {
    match *method {
        Method::DELETE => {
            let store = place.store();
            let digest = store
                .repos
                .get(name)
                .and_then(|r| r.tags.get(tag))
                .map(|t| t.digest.clone());
            store.delete_tag(name, tag)?;
            if let (Some(reg), Some(d)) = (place.reg(), digest) {
                super::super::clock::record_event(reg, "delete", name, Some(tag), &d, now);
            }
            Ok((http::StatusCode::ACCEPTED, ()).into_response())
        }
        Method::PATCH => {
            let patch = attrs_patch(body)?;
            let store = place.store();
            let r = store.repos.get_mut(name).ok_or_else(|| DpError::name_unknown(name))?;
            let t = r.tags.get_mut(tag).ok_or_else(|| DpError::tag_unknown(tag))?;
            t.attrs.apply(&patch);
            let r = &store.repos[name];
            Ok(json(
                200,
                &json!({"registry": login, "imageName": name, "tag": tag_json(r, &r.tags[tag])}),
            ))
        }
        Method::GET => {
            let r = place
                .store()
                .repos
                .get(name)
                .ok_or_else(|| DpError::name_unknown(name))?;
            let t = r.tags.get(tag).ok_or_else(|| DpError::tag_unknown(tag))?;
            Ok(json(
                200,
                &json!({"registry": login, "imageName": name, "tag": tag_json(r, t)}),
            ))
        }
        _ => Err(DpError::new(405, "UNSUPPORTED", "method not allowed")),
    }
}

pub(super) fn manifest_attrs(
    store: &mut Store,
    login: &str,
    name: &str,
    reference: &str,
    method: &Method,
    body: &[u8],
    _now: chrono::DateTime<Utc>,
) -> Result<Response, DpError> {
    let r = store.repos.get_mut(name).ok_or_else(|| DpError::name_unknown(name))?;
    let digest = r
        .resolve(reference)
        .map(|m| m.digest.clone())
        .ok_or_else(|| DpError::manifest_unknown(reference))?;
    match *method {
        Method::PATCH => {
            let patch = attrs_patch(body)?;
            if let Some(m) = r.manifests.get_mut(&digest) {
                m.attrs.apply(&patch);
            }
        }
        Method::GET => {}
        Method::DELETE => {
            store.delete_manifest(name, &digest)?;
            return Ok((http::StatusCode::ACCEPTED, ()).into_response());
        }
        _ => return Err(DpError::new(405, "UNSUPPORTED", "method not allowed")),
    }
    let r = &store.repos[name];
    Ok(json(
        200,
        &json!({"registry": login, "imageName": name, "manifest": manifest_json(r, &r.manifests[&digest])}),
    ))
}
