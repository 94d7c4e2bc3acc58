//! The OCI distribution content API: manifests (with ACR's lock semantics), blobs, uploads, and
//! a cache rule's first-pull fill from upstream.

use super::super::Emu;
use super::super::errors::dataplane as dp_error;
use super::super::model::{DpError, Store, sha256_digest};
use super::super::world::World;
use super::*;
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::{HeaderMap, Method};
use std::collections::HashMap;

#[allow(clippy::too_many_arguments)]
pub(super) fn manifest(
    place: &mut Place<'_>,
    name: &str,
    reference: &str,
    method: &Method,
    headers: &HeaderMap,
    body: Bytes,
    now: chrono::DateTime<Utc>,
) -> Result<Response, DpError> {
    match *method {
        Method::GET | Method::HEAD => {
            let r = place
                .store()
                .repos
                .get(name)
                .ok_or_else(|| DpError::manifest_unknown(reference))?;
            let m = r
                .resolve(reference)
                .ok_or_else(|| DpError::manifest_unknown(reference))?;
            let tag_attrs = r.tags.get(reference).map(|t| t.attrs).unwrap_or_default();
            if !r.attrs.and(m.attrs).and(tag_attrs).read_enabled {
                return Err(DpError::disallowed());
            }
            let mut resp = if *method == Method::HEAD {
                let mut r = (http::StatusCode::OK, ()).into_response();
                r.headers_mut()
                    .insert(http::header::CONTENT_LENGTH, m.body.len().into());
                r
            } else {
                (http::StatusCode::OK, Body::from(m.body.clone())).into_response()
            };
            let h = resp.headers_mut();
            if let Ok(v) = http::HeaderValue::from_str(&m.media_type) {
                h.insert(http::header::CONTENT_TYPE, v);
            }
            if let Ok(v) = http::HeaderValue::from_str(&m.digest) {
                h.insert("docker-content-digest", v.clone());
                h.insert(http::header::ETAG, v);
            }
            Ok(resp)
        }
        Method::PUT => {
            let media_type = headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(super::super::model::OCI_MANIFEST)
                .to_string();
            let subject = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("subject")?.get("digest")?.as_str().map(str::to_string));
            let digest = place.store().put_manifest(name, reference, &media_type, body, now)?;
            if let Some(reg) = place.reg() {
                let tag = (!reference.starts_with("sha256:")).then_some(reference);
                let upstream = super::super::world::Upstream::default();
                super::super::clock::pushed(reg, name, tag, &digest, now, &upstream);
            }
            let mut resp = (http::StatusCode::CREATED, ()).into_response();
            let h = resp.headers_mut();
            if let Ok(v) = http::HeaderValue::from_str(&format!("/v2/{name}/manifests/{digest}")) {
                h.insert(http::header::LOCATION, v);
            }
            if let Ok(v) = http::HeaderValue::from_str(&digest) {
                h.insert("docker-content-digest", v);
            }
            // A registry that keeps the subject says so: the client need not tag a fallback.
            if let Some(v) = subject.and_then(|s| http::HeaderValue::from_str(&s).ok()) {
                h.insert("oci-subject", v);
            }
            Ok(resp)
        }
        Method::DELETE => {
            if reference.starts_with("sha256:") {
                place.store().delete_manifest(name, reference)?;
            } else {
                place.store().delete_tag(name, reference)?;
            }
            if let Some(reg) = place.reg() {
                super::super::clock::record_event(reg, "delete", name, None, reference, now);
            }
            Ok((http::StatusCode::ACCEPTED, ()).into_response())
        }
        _ => Err(DpError::new(405, "UNSUPPORTED", "method not allowed")),
    }
}

pub(super) fn blob(
    store: &mut Store,
    name: &str,
    digest: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, DpError> {
    let unknown = || DpError::new(404, "BLOB_UNKNOWN", format!("blob unknown to registry: {digest}"));
    match *method {
        Method::GET | Method::HEAD => {
            if !store.repos.contains_key(name) && !store.blobs.contains_key(digest) {
                return Err(unknown());
            }
            let b = store.blobs.get(digest).ok_or_else(unknown)?;
            let mut resp = if *method == Method::HEAD {
                let mut r = (http::StatusCode::OK, ()).into_response();
                r.headers_mut().insert(http::header::CONTENT_LENGTH, b.len().into());
                r
            } else if let Some((start, end)) = headers
                .get(http::header::RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(super::super::blobs::parse_range)
            {
                // Chunked downloads (the SDKs fetch blobs in ranges).
                if b.is_empty() || start >= b.len() {
                    return Err(DpError::new(416, "BLOB_UNKNOWN", "requested range not satisfiable"));
                }
                let end = end.unwrap_or(b.len() - 1).min(b.len() - 1);
                let mut r = (http::StatusCode::PARTIAL_CONTENT, Body::from(b.slice(start..=end))).into_response();
                if let Ok(v) = http::HeaderValue::from_str(&format!("bytes {start}-{end}/{}", b.len())) {
                    r.headers_mut().insert(http::header::CONTENT_RANGE, v);
                }
                r
            } else {
                (http::StatusCode::OK, Body::from(b.clone())).into_response()
            };
            resp.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/octet-stream"),
            );
            if let Ok(v) = http::HeaderValue::from_str(digest) {
                resp.headers_mut().insert("docker-content-digest", v);
            }
            Ok(resp)
        }
        Method::DELETE => {
            store.blobs.remove(digest).ok_or_else(unknown)?;
            Ok((http::StatusCode::ACCEPTED, ()).into_response())
        }
        _ => Err(DpError::new(405, "UNSUPPORTED", "method not allowed")),
    }
}

pub(super) fn upload(
    place: &mut Place<'_>,
    name: &str,
    id: Option<&str>,
    method: &Method,
    q: &HashMap<String, String>,
    body: Bytes,
) -> Result<Response, DpError> {
    let Place::Reg(reg) = place else {
        return Err(DpError::new(405, "UNSUPPORTED", "the upstream registry is read-only"));
    };
    let created = |digest: &str| {
        let mut r = (http::StatusCode::CREATED, ()).into_response();
        if let Ok(v) = http::HeaderValue::from_str(&format!("/v2/{name}/blobs/{digest}")) {
            r.headers_mut().insert(http::header::LOCATION, v);
        }
        if let Ok(v) = http::HeaderValue::from_str(digest) {
            r.headers_mut().insert("docker-content-digest", v);
        }
        r
    };
    let progress = |id: &str, len: usize, status: http::StatusCode| {
        let mut r = (status, ()).into_response();
        let h = r.headers_mut();
        if let Ok(v) = http::HeaderValue::from_str(&format!("/v2/{name}/blobs/uploads/{id}")) {
            h.insert(http::header::LOCATION, v);
        }
        if let Ok(v) = http::HeaderValue::from_str(id) {
            h.insert("docker-upload-uuid", v);
        }
        if let Ok(v) = http::HeaderValue::from_str(&format!("0-{}", len.saturating_sub(1))) {
            h.insert(http::header::RANGE, v);
        }
        h.insert(http::header::CONTENT_LENGTH, 0.into());
        r
    };
    let finish = |store: &mut Store, data: Vec<u8>, digest: &str| -> Result<Response, DpError> {
        if sha256_digest(&data) != digest {
            return Err(DpError::new(
                400,
                "DIGEST_INVALID",
                "provided digest did not match uploaded content",
            ));
        }
        store.blobs.insert(digest.to_string(), Bytes::from(data));
        Ok(created(digest))
    };
    match (method.clone(), id) {
        (Method::POST, None) => {
            if let (Some(mount), Some(_from)) = (q.get("mount"), q.get("from"))
                && reg.store.blobs.contains_key(mount)
            {
                return Ok(created(mount));
            }
            if let Some(d) = q.get("digest") {
                return finish(&mut reg.store, body.to_vec(), d);
            }
            let id = uuid::Uuid::new_v4().to_string();
            reg.uploads.insert(id.clone(), body.to_vec());
            Ok(progress(&id, body.len(), http::StatusCode::ACCEPTED))
        }
        (Method::PATCH, Some(id)) => {
            let buf = reg
                .uploads
                .get_mut(id)
                .ok_or_else(|| DpError::new(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"))?;
            buf.extend_from_slice(&body);
            let len = buf.len();
            Ok(progress(id, len, http::StatusCode::ACCEPTED))
        }
        (Method::PUT, Some(id)) => {
            let mut buf = reg
                .uploads
                .remove(id)
                .ok_or_else(|| DpError::new(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"))?;
            buf.extend_from_slice(&body);
            let digest = q
                .get("digest")
                .ok_or_else(|| DpError::new(400, "DIGEST_INVALID", "digest parameter missing"))?;
            finish(&mut reg.store, buf, digest)
        }
        (Method::GET, Some(id)) => {
            let len = reg
                .uploads
                .get(id)
                .map(Vec::len)
                .ok_or_else(|| DpError::new(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"))?;
            Ok(progress(id, len, http::StatusCode::NO_CONTENT))
        }
        (Method::DELETE, Some(id)) => {
            reg.uploads.remove(id);
            Ok((http::StatusCode::NO_CONTENT, ()).into_response())
        }
        _ => Err(DpError::new(405, "UNSUPPORTED", "method not allowed")),
    }
}

/// Pull-through cache: when a repository is the target of a cache rule and the manifest is not
/// here yet, copy it from upstream, then answer as if it had been here.
pub(super) fn cache_fill(
    emu: &Emu,
    registry: &str,
    repo: &str,
    reference: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Option<Response> {
    if !matches!(*method, Method::GET | Method::HEAD) {
        return None;
    }
    let now = Utc::now();
    let mut w = emu.world();
    let World {
        registries, upstream, ..
    } = &mut *w;
    let reg = registries.iter_mut().find(|r| r.name == registry)?;
    let source = reg.cache_rules.values().find_map(|rule| {
        if rule.provisioning != "Succeeded" {
            return None;
        }
        match (rule.target.strip_suffix("/*"), rule.source.strip_suffix("/*")) {
            (Some(tp), Some(sp)) => repo
                .strip_prefix(&format!("{tp}/"))
                .map(|rest| (format!("{sp}/{rest}"), rule.credential_set.clone())),
            _ => (rule.target == repo).then(|| (rule.source.clone(), rule.credential_set.clone())),
        }
    })?;
    let (source_repo, cred) = source;
    if let Some(c) = cred
        && reg.credential_sets.get(&c).is_some_and(|c| !c.healthy)
    {
        return Some(dp_error(&DpError::new(
            401,
            "UNAUTHORIZED",
            format!("the credential set `{c}` of this cache rule is unhealthy; the upstream cannot be reached"),
        )));
    }
    let (host, path) = source_repo.split_once('/')?;
    let (up_repo, _) = upstream.repository_for(host, path)?;
    let digest = upstream.store.repos.get(&up_repo)?.resolve(reference)?.digest.clone();
    let src = super::super::clock::extract(&upstream.store, &up_repo, &digest);
    let tags: Vec<String> = if reference.starts_with("sha256:") {
        vec![]
    } else {
        vec![reference.to_string()]
    };
    reg.store
        .copy_image_from(&src, &up_repo, &digest, repo, &tags, now)
        .ok()?;
    let upstream_empty = super::super::world::Upstream::default();
    super::super::clock::pushed(
        reg,
        repo,
        tags.first().map(String::as_str),
        &digest,
        now,
        &upstream_empty,
    );
    let resp = manifest(
        &mut Place::Up(&mut reg.store),
        repo,
        reference,
        method,
        headers,
        Bytes::new(),
        now,
    );
    Some(resp.unwrap_or_else(|e| dp_error(&e)))
}

/// `GET /v2/<name>/referrers/<digest>[?artifactType=…]`: an image index of the manifests whose
/// subject is `digest` (an empty one when there are none, never 404).
pub(super) fn referrers(store: &Store, name: &str, digest: &str, q: &HashMap<String, String>) -> Response {
    let valid = digest
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()));
    if !valid {
        return dp_error(&DpError::new(400, "DIGEST_INVALID", "invalid digest"));
    }
    let filter = q.get("artifactType").map(String::as_str);
    let manifests = store.referrers(name, digest, filter);
    let mut resp = (
        http::StatusCode::OK,
        [(http::header::CONTENT_TYPE, "application/vnd.oci.image.index.v1+json")],
        serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        })
        .to_string(),
    )
        .into_response();
    if filter.is_some() {
        resp.headers_mut()
            .insert("oci-filters-applied", http::HeaderValue::from_static("artifactType"));
    }
    resp
}
