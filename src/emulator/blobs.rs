//! Run logs as Azure Storage append blobs behind SAS URLs: HEAD and ranged GET (`Range` or
//! `x-ms-range`), 404 until the run has written its first bytes, 403 for a bad or expired
//! signature, `x-ms-meta-Complete` once the run has ended.

use super::Emu;
use super::errors::storage;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, Uri};
use std::collections::HashMap;
use std::sync::Arc;

pub async fn dispatch(State(emu): State<Arc<Emu>>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_string();
    let q: HashMap<String, String> = uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let (Some(se), Some(sig)) = (q.get("se"), q.get("sig")) else {
        return storage(404, "ResourceNotFound", "The specified resource does not exist.");
    };
    if emu.sas_signature(&format!("{path}\n{se}")) != *sig {
        return storage(
            403,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
        );
    }
    if sas_expired(se, Utc::now()) {
        return storage(
            403,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Signed expiry time has passed: the SAS is no longer valid.",
        );
    }
    // /{registry}logs/logs/{run}/rawtext.log
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (Some(container), Some(run_id)) = (parts.first(), parts.get(2)) else {
        return storage(404, "BlobNotFound", "The specified blob does not exist.");
    };
    let registry = container.trim_end_matches("logs");
    let (log, complete, status) = {
        let w = emu.world();
        let Some(run) = w
            .registries
            .iter()
            .find(|r| r.name == registry)
            .and_then(|r| r.runs.iter().find(|x| x.id == *run_id))
        else {
            return storage(404, "BlobNotFound", "The specified blob does not exist.");
        };
        (run.log.clone(), run.log_complete, run.status.as_str())
    };
    if log.is_empty() {
        return storage(404, "BlobNotFound", "The specified blob does not exist.");
    }
    let len = log.len();
    let range = headers
        .get("x-ms-range")
        .or_else(|| headers.get(http::header::RANGE))
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let mut resp = match (&method, range) {
        (&Method::HEAD, _) => {
            let mut r = (http::StatusCode::OK, ()).into_response();
            r.headers_mut().insert(http::header::CONTENT_LENGTH, len.into());
            r
        }
        (&Method::GET, Some((start, _))) if start >= len => {
            let mut r = storage(
                416,
                "InvalidRange",
                "The range specified is invalid for the current size of the resource.",
            );
            if let Ok(v) = http::HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(http::header::CONTENT_RANGE, v);
            }
            return r;
        }
        (&Method::GET, Some((start, end))) => {
            let end = end.unwrap_or(len - 1).min(len - 1);
            let mut r = (http::StatusCode::PARTIAL_CONTENT, Body::from(log[start..=end].to_vec())).into_response();
            if let Ok(v) = http::HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                r.headers_mut().insert(http::header::CONTENT_RANGE, v);
            }
            r
        }
        (&Method::GET, None) => (http::StatusCode::OK, Body::from(log)).into_response(),
        _ => {
            return storage(
                405,
                "UnsupportedHttpVerb",
                "The resource doesn't support the specified HTTP verb.",
            );
        }
    };
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(http::header::ACCEPT_RANGES, http::HeaderValue::from_static("bytes"));
    h.insert("x-ms-blob-type", http::HeaderValue::from_static("AppendBlob"));
    h.insert("x-ms-version", http::HeaderValue::from_static("2021-08-06"));
    if let Ok(v) = http::HeaderValue::from_str(&format!("\"0x{len:X}\"")) {
        h.insert(http::header::ETAG, v);
    }
    if complete && let Ok(v) = http::HeaderValue::from_str(status) {
        h.insert("x-ms-meta-complete", v);
    }
    resp
}

/// Whether a SAS's signed expiry (`se`) has passed; an unreadable one counts as expired.
fn sas_expired(se: &str, now: DateTime<Utc>) -> bool {
    DateTime::parse_from_rfc3339(se)
        .map(|t| t.with_timezone(&Utc) <= now)
        .unwrap_or(true)
}

/// `bytes=START-` or `bytes=START-END`.
pub(super) fn parse_range(v: &str) -> Option<(usize, Option<usize>)> {
    let spec = v.strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let start = start.trim().parse().ok()?;
    let end = if end.trim().is_empty() {
        None
    } else {
        Some(end.trim().parse().ok()?)
    };
    Some((start, end))
}

#[cfg(test)]
mod tests {
    #[test]
    fn expiry() {
        let now = chrono::Utc::now();
        assert!(super::sas_expired("2020-01-01T00:00:00Z", now));
        assert!(!super::sas_expired(
            &(now + chrono::Duration::hours(1))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            now
        ));
        assert!(super::sas_expired("tomorrow", now));
    }

    #[test]
    fn ranges() {
        assert_eq!(super::parse_range("bytes=10-"), Some((10, None)));
        assert_eq!(super::parse_range("bytes=0-99"), Some((0, Some(99))));
        assert_eq!(super::parse_range("items=0-1"), None);
    }
}
