//! The error bodies each service sends: ARM's `{"error":{...}}`, the registry data plane's
//! `{"errors":[...]}`, Entra's OAuth error and Azure Storage's XML.

use super::model::DpError;
use super::server::json;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub fn arm(status: u16, code: &str, message: &str) -> Response {
    json(status, &json!({"error": {"code": code, "message": message}}))
}

pub fn dataplane(e: &DpError) -> Response {
    json(
        e.status,
        &json!({"errors": [{"code": e.code, "message": e.message, "detail": serde_json::Value::Null}]}),
    )
}

/// 401 with the challenge that tells a client where to get a token for `scope`.
pub fn challenge(login_server: &str, scope: Option<&str>, message: &str) -> Response {
    let mut value = format!("Bearer realm=\"https://{login_server}/oauth2/token\",service=\"{login_server}\"");
    if let Some(s) = scope {
        value.push_str(&format!(",scope=\"{s}\""));
    }
    let detail = scope.map(|s| {
        let mut p = s.split(':');
        let (t, n, a) = (p.next().unwrap_or(""), p.next().unwrap_or(""), p.next().unwrap_or(""));
        json!([{"Type": t, "Name": n, "Action": a}])
    });
    let mut r = json(
        401,
        &json!({"errors": [{"code": "UNAUTHORIZED", "message": message, "detail": detail}]}),
    );
    if let Ok(v) = http::HeaderValue::from_str(&value) {
        r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
    }
    r
}

pub fn storage(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}\nRequestId:{}\nTime:{}</Message></Error>",
        uuid::Uuid::new_v4(),
        super::arm::ts(chrono::Utc::now())
    );
    let mut r = (
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        [(http::header::CONTENT_TYPE, "application/xml")],
        body,
    )
        .into_response();
    if let Ok(v) = http::HeaderValue::from_str(code) {
        r.headers_mut().insert("x-ms-error-code", v);
    }
    r
}

/// A 5xx injected by a fault, in the listener's own error format.
pub fn fault_status(listener: &str, code: u16) -> Response {
    match listener {
        l if l.starts_with("registry:") || l == "upstream" => dataplane(&DpError::new(
            code,
            "UNKNOWN",
            "The service is temporarily unavailable (injected fault).",
        )),
        "blob" => storage(
            code,
            "ServerBusy",
            "The server is currently unable to receive requests (injected fault).",
        ),
        _ => arm(
            code,
            "InternalServerError",
            "An internal error occurred (injected fault).",
        ),
    }
}

/// 429 from a throttling fault, with or without Retry-After.
pub fn throttled(listener: &str, retry_after: Option<u64>) -> Response {
    let mut r = if listener.starts_with("registry:") {
        dataplane(&DpError::new(429, "TOOMANYREQUESTS", "too many requests"))
    } else {
        arm(
            429,
            "TooManyRequests",
            "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:01:00.",
        )
    };
    if let Some(s) = retry_after
        && let Ok(v) = http::HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
    r
}
