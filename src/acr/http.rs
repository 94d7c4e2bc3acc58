//! The one HTTP layer under every call: TLS (system roots plus an optional CA bundle; never
//! unverified), proxy, timeouts, retries with jittered backoff on 429 / 5xx / connection errors
//! honouring Retry-After, a concurrency cap per host, a client request id on every call, errors
//! parsed from ARM, registry, Entra and Storage bodies, and redaction of anything secret.

use super::error::{AcrError, ErrorKind, Result};
use bytes::Bytes;
use reqwest::{Method, StatusCode};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Network settings from the config file. Debug hides the proxy URL's credentials.
#[derive(Clone)]
pub struct NetworkSettings {
    pub proxy: Option<String>,
    pub no_proxy: Option<String>,
    pub ca_bundle: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// The longest one request may take, its retries and their waits included: a server that
    /// accepts and never answers, or trickles its answer, fails the request by then.
    pub deadline: Duration,
    /// Requests in flight at once per host (a registry's throttling budget is per registry).
    pub per_host: usize,
    pub retry: RetryPolicy,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        NetworkSettings {
            proxy: None,
            no_proxy: None,
            ca_bundle: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(60),
            per_host: 8,
            retry: RetryPolicy::default(),
        }
    }
}

impl std::fmt::Debug for NetworkSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkSettings")
            .field("proxy", &self.proxy.as_deref().map(redact_url_str))
            .field("no_proxy", &self.no_proxy)
            .field("ca_bundle", &self.ca_bundle)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("deadline", &self.deadline)
            .field("per_host", &self.per_host)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(200),
            max: Duration::from_secs(20),
        }
    }
}

/// The longest wait a `Retry-After` is obeyed for; a service that asks for more (a day, say)
/// fails the request at once with its answer, rather than holding an operator for it.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);

/// The most of an answer's body read into memory unless a request says otherwise: a listing
/// page of 1,000 tags is about 400 KB, a manifest at most 4 MB.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

impl RetryPolicy {
    /// Full-jitter exponential backoff for try `n` (1-based), unless the service said how long.
    pub fn delay(&self, n: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(d) = retry_after {
            return d;
        }
        let exp = self.base.saturating_mul(1u32 << n.min(16)).min(self.max);
        let r = (uuid::Uuid::new_v4().as_u128() % 1_000_000) as u64;
        exp.mul_f64(0.5 + r as f64 / 2_000_000.0)
    }
}

/// A request as the layer sends it: the body is kept so a retry can send it again.
pub struct Req {
    pub method: Method,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<(Bytes, &'static str)>,
    /// For errors: what is being done and on what.
    pub operation: String,
    pub target: String,
    /// Sending it twice does no more than sending it once: it may be retried when its outcome
    /// is unknown. Everything but POST is; a POST only when marked (see [`Req::idempotent`]).
    pub idempotent: bool,
    /// The most of the answer's body read; a longer answer fails the request.
    pub max_body: usize,
}

impl Req {
    pub fn new(method: Method, url: url::Url, operation: impl Into<String>, target: impl Into<String>) -> Req {
        Req {
            idempotent: method != Method::POST,
            max_body: DEFAULT_MAX_BODY,
            method,
            url,
            headers: Vec::new(),
            body: None,
            operation: operation.into(),
            target: target.into(),
        }
    }

    /// Marks a POST that only reads (a token, a log link) or whose repetition changes nothing
    /// (cancelling a run), so it is retried like a GET.
    pub fn idempotent(mut self) -> Req {
        self.idempotent = true;
        self
    }

    /// Reads at most `bytes` of the answer's body (a token, a log range).
    pub fn max_body(mut self, bytes: usize) -> Req {
        self.max_body = bytes;
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Req {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn json(mut self, value: &serde_json::Value) -> Req {
        self.body = Some((Bytes::from(value.to_string()), "application/json"));
        self
    }

    pub fn form(mut self, pairs: &[(&str, &str)]) -> Req {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body = Some((Bytes::from(body), "application/x-www-form-urlencoded"));
        self
    }
}

/// A fully read answer.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn request_id(&self) -> Option<String> {
        ["x-ms-request-id", "x-ms-correlation-request-id"]
            .iter()
            .find_map(|h| self.header(h))
            .map(str::to_string)
    }

    /// Parses the body as JSON into `T`, or says it could not.
    pub fn json<T: serde::de::DeserializeOwned>(&self, operation: &str, target: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let mut err = AcrError::new(
                ErrorKind::InvalidResponse,
                operation,
                target,
                format!("the answer is not the JSON expected ({e})"),
            );
            err.status = Some(self.status.as_u16());
            err.request_id = self.request_id();
            err
        })
    }
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    retry: RetryPolicy,
    deadline: Duration,
    /// The proxy and its exceptions, for [`Http::proxy_for`].
    proxy: Option<(url::Url, Option<String>)>,
    per_host: usize,
    limits: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl Http {
    pub fn new(settings: &NetworkSettings) -> Result<Http> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .user_agent(concat!("acrdeck/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(settings.per_host.max(1));
        if let Some(path) = &settings.ca_bundle {
            let pem = std::fs::read(path).map_err(|e| {
                AcrError::new(
                    ErrorKind::Invalid,
                    "read the CA bundle",
                    path.display().to_string(),
                    e.to_string(),
                )
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                AcrError::new(
                    ErrorKind::Invalid,
                    "read the CA bundle",
                    path.display().to_string(),
                    format!("not PEM certificates: {e}"),
                )
            })?;
            if certs.is_empty() {
                return Err(AcrError::new(
                    ErrorKind::Invalid,
                    "read the CA bundle",
                    path.display().to_string(),
                    "the file holds no certificate",
                ));
            }
            builder = builder.tls_certs_merge(certs);
        }
        if let Some(proxy) = &settings.proxy {
            let mut p = reqwest::Proxy::https(proxy).map_err(|e| {
                AcrError::new(
                    ErrorKind::Invalid,
                    "configure the proxy",
                    redact_url_str(proxy),
                    e.to_string(),
                )
            })?;
            if let Some(no) = &settings.no_proxy {
                p = p.no_proxy(reqwest::NoProxy::from_string(no));
            }
            builder = builder.proxy(p);
        }
        let client = builder
            .build()
            .map_err(|e| AcrError::new(ErrorKind::Invalid, "set up HTTPS", "this machine", e.to_string()))?;
        Ok(Http {
            client,
            retry: settings.retry,
            deadline: settings.deadline,
            proxy: settings
                .proxy
                .as_deref()
                .and_then(|p| url::Url::parse(p).ok())
                .map(|p| (p, settings.no_proxy.clone())),
            per_host: settings.per_host.max(1),
            limits: Arc::default(),
        })
    }

    /// The proxy a connection to `host` goes through, as the client decides it: the configured
    /// proxy unless `no_proxy` names the host (`*`, the name or a domain it is in, with or
    /// without the leading dot, an IP address or a CIDR range that holds it). For checks that
    /// open their own connection (doctor reading an untrusted certificate).
    pub fn proxy_for(&self, host: &str) -> Option<url::Url> {
        let (proxy, no_proxy) = self.proxy.as_ref()?;
        let bypassed = no_proxy
            .as_deref()
            .is_some_and(|list| list.split(',').any(|entry| no_proxy_matches(entry.trim(), host)));
        (!bypassed).then(|| proxy.clone())
    }

    /// The underlying reqwest client (for azure_identity's transport).
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    fn limit(&self, host: &str) -> Arc<Semaphore> {
        let mut g = self.limits.lock().unwrap_or_else(|p| p.into_inner());
        g.entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone()
    }

    /// Sends once (no retries), within the deadline: the answer whatever its status, or a
    /// transport error.
    pub async fn send_once(&self, req: &Req, bearer: Option<&str>) -> Result<Resp> {
        let deadline = tokio::time::Instant::now() + self.deadline;
        self.attempt(req, bearer, deadline).await
    }

    /// One try that must end by `deadline`.
    async fn attempt(&self, req: &Req, bearer: Option<&str>, deadline: tokio::time::Instant) -> Result<Resp> {
        match tokio::time::timeout_at(deadline, self.exchange(req, bearer)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(self.deadline_error(req)),
        }
    }

    fn deadline_error(&self, req: &Req) -> AcrError {
        let secs = self.deadline.as_secs();
        if req.idempotent {
            AcrError::new(
                ErrorKind::Deadline,
                req.operation.clone(),
                req.target.clone(),
                format!("no whole answer within {secs} s (the deadline for one request, retries included)"),
            )
        } else {
            AcrError::new(
                ErrorKind::OutcomeUnknown,
                req.operation.clone(),
                req.target.clone(),
                format!("no answer within {secs} s (the deadline): the change may have been carried out"),
            )
        }
    }

    /// Sends and reads the whole answer, at most `req.max_body` of it.
    async fn exchange(&self, req: &Req, bearer: Option<&str>) -> Result<Resp> {
        let host =
            req.url.host_str().unwrap_or("").to_string() + &req.url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let permit = self.limit(&host).acquire_owned().await.ok();
        let mut builder = self.client.request(req.method.clone(), req.url.clone());
        builder = builder.header("x-ms-client-request-id", uuid::Uuid::new_v4().to_string());
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        if let Some(token) = bearer {
            builder = builder.bearer_auth(token);
        }
        if let Some((body, content_type)) = &req.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, *content_type)
                .body(body.clone());
        }
        let started = std::time::Instant::now();
        let result = builder.send().await;
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(method = %req.method, url = %redact_url(&req.url), error = %redact_text(&e.to_string()), "request failed");
                return Err(transport_error(req, &e));
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let too_large = |len: usize| {
            let mut err = AcrError::new(
                ErrorKind::InvalidResponse,
                req.operation.clone(),
                req.target.clone(),
                format!(
                    "the answer is larger than the {} the client reads for this ({len} bytes or more)",
                    human_bytes(req.max_body)
                ),
            );
            err.status = Some(status.as_u16());
            err
        };
        // A HEAD's Content-Length is the resource's size, not a body that will come.
        if let Some(len) = resp
            .content_length()
            .filter(|l| *l > req.max_body as u64 && req.method != Method::HEAD)
        {
            return Err(too_large(len as usize));
        }
        let mut body = bytes::BytesMut::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > req.max_body {
                        return Err(too_large(body.len() + chunk.len()));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    let mut err = transport_error(req, &e);
                    err.message = match err.kind {
                        ErrorKind::OutcomeUnknown => format!(
                            "the answer was cut off ({}): the change may have been carried out",
                            redact_text(&e.to_string())
                        ),
                        _ => format!("the answer was cut off ({})", redact_text(&e.to_string())),
                    };
                    return Err(err);
                }
            }
        }
        drop(permit);
        tracing::debug!(
            method = %req.method,
            url = %redact_url(&req.url),
            status = status.as_u16(),
            ms = started.elapsed().as_millis() as u64,
            request_id = headers.get("x-ms-request-id").and_then(|v| v.to_str().ok()).unwrap_or(""),
            "request"
        );
        Ok(Resp {
            status,
            headers,
            body: body.freeze(),
        })
    }

    /// Sends with retries on throttling, 5xx and transport failures, all within the deadline;
    /// non-success answers that are not retried are returned as they are, for the caller to
    /// interpret. A change (a request not marked idempotent) is sent at most once: it is retried
    /// only when it certainly was not carried out (throttled, or the connection could not be
    /// made); a 5xx answer is returned, and a lost answer is an [`ErrorKind::OutcomeUnknown`].
    /// A wait the service asks for that is longer than [`RETRY_AFTER_CAP`] or than the time left
    /// is not waited: the answer is returned as it is.
    pub async fn send(&self, req: &Req, bearer: Option<&str>) -> Result<Resp> {
        let deadline = tokio::time::Instant::now() + self.deadline;
        let mut attempt = 1;
        loop {
            let outcome = self.attempt(req, bearer, deadline).await;
            let retry_after = match &outcome {
                Ok(r)
                    if r.status == StatusCode::TOO_MANY_REQUESTS
                        || req.idempotent && r.status.is_server_error() && r.status != StatusCode::NOT_IMPLEMENTED =>
                {
                    Some(retry_after(&r.headers))
                }
                Err(e) if e.is_retryable() => Some(None),
                _ => None,
            };
            let Some(after) = retry_after else { return outcome };
            let wait = self.retry.delay(attempt, after);
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if attempt >= self.retry.attempts || wait > RETRY_AFTER_CAP || wait >= left {
                if wait >= left && attempt < self.retry.attempts {
                    tracing::info!(operation = %req.operation, target = %req.target, attempt, wait_ms = wait.as_millis() as u64, "not retrying: the wait would pass the deadline or the cap");
                    // Out of time with no answer: the deadline is what ended it, said as such
                    // (with what the last try met), whichever try ran out.
                    // (A change's transient failure is a connection never made: left as it is.)
                    if let Err(last) = &outcome
                        && last.kind == ErrorKind::Transient
                        && req.idempotent
                    {
                        let mut e = self.deadline_error(req);
                        e.message = format!("{}; the last try: {}", e.message, last.message);
                        return Err(e);
                    }
                }
                return outcome;
            }
            tracing::info!(operation = %req.operation, target = %req.target, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// Whether one `no_proxy` entry covers `host`.
fn no_proxy_matches(entry: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let entry = entry.to_ascii_lowercase();
    if entry.is_empty() {
        return false;
    }
    if entry == "*" {
        return true;
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        let bits = |a: std::net::IpAddr| match a {
            std::net::IpAddr::V4(v) => (u128::from(u32::from(v)) << 96, 32u32),
            std::net::IpAddr::V6(v) => (u128::from(v), 128u32),
        };
        let (addr, width) = bits(ip);
        let (net, len) = match entry.split_once('/') {
            Some((n, l)) => (n.parse::<std::net::IpAddr>().ok(), l.parse::<u32>().ok()),
            None => (entry.parse::<std::net::IpAddr>().ok(), Some(width)),
        };
        return match (net, len) {
            (Some(net), Some(len)) if bits(net).1 == width && len <= width => {
                // Both are aligned to the top of 128 bits (IPv4 shifted up): the prefix is the
                // top `len` bits.
                let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
                bits(net).0 & mask == addr & mask
            }
            _ => false,
        };
    }
    let domain = entry.trim_start_matches('.');
    host == domain || host.ends_with(&format!(".{domain}"))
}

fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

/// `Retry-After` as seconds or an HTTP date; also ACR's `x-ms-retry-after-ms`.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("x-ms-retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        return Some(Duration::from_millis(ms));
    }
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
}

fn transport_error(req: &Req, e: &reqwest::Error) -> AcrError {
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        format!("could not connect ({})", redact_text(&root_cause(e)))
    } else {
        redact_text(&root_cause(e))
    };
    // A change that went out and whose answer was lost may have been carried out.
    if !req.idempotent && !e.is_connect() {
        return AcrError::new(
            ErrorKind::OutcomeUnknown,
            req.operation.clone(),
            req.target.clone(),
            format!("the request was sent but its answer was lost ({what}): it may have been carried out"),
        );
    }
    AcrError::new(ErrorKind::Transient, req.operation.clone(), req.target.clone(), what)
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg = format!("{msg}: {s}");
        source = s.source();
    }
    msg
}

/// Turns a non-success answer into an error, reading the service's code and message from ARM's
/// `{"error":{...}}`, the registry's `{"errors":[...]}`, Entra's `error_description`, or
/// Storage's XML.
pub fn error_from(resp: &Resp, operation: &str, target: &str) -> AcrError {
    let status = resp.status.as_u16();
    let (code, message) = service_error(&resp.body);
    let kind = match status {
        401 => ErrorKind::Auth,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        405 if code.as_deref() == Some("REGISTRY_DISALLOWED_OPERATION") || code.as_deref() == Some("DENIED") => {
            ErrorKind::Locked
        }
        409 if code.as_deref() == Some("TargetLocked") => ErrorKind::Locked,
        409 => ErrorKind::Conflict,
        429 => ErrorKind::Throttled {
            retry_after: retry_after(&resp.headers),
        },
        s if s >= 500 => ErrorKind::Transient,
        _ => ErrorKind::Invalid,
    };
    let mut e = AcrError::new(kind, operation, target, redact_text(&message.unwrap_or_default()));
    e.status = Some(status);
    e.code = code;
    e.request_id = resp.request_id();
    e
}

fn service_error(body: &[u8]) -> (Option<String>, Option<String>) {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(err) = v.get("error").filter(|e| e.is_object()) {
            return (
                err["code"].as_str().map(str::to_string),
                err["message"].as_str().map(str::to_string),
            );
        }
        if let Some(first) = v.get("errors").and_then(|e| e.get(0)) {
            return (
                first["code"].as_str().map(str::to_string),
                first["message"].as_str().map(str::to_string),
            );
        }
        if let Some(desc) = v.get("error_description").and_then(|d| d.as_str()) {
            let code = desc
                .split(':')
                .next()
                .filter(|c| c.starts_with("AADSTS"))
                .map(str::to_string);
            return (
                code.or_else(|| v["error"].as_str().map(str::to_string)),
                Some(desc.to_string()),
            );
        }
    }
    let text = String::from_utf8_lossy(body);
    let tag = |t: &str| {
        let start = text.find(&format!("<{t}>"))? + t.len() + 2;
        let end = text[start..].find(&format!("</{t}>"))? + start;
        Some(text[start..end].lines().next().unwrap_or("").to_string())
    };
    match tag("Code") {
        Some(code) => (Some(code), tag("Message")),
        None => (
            None,
            (!text.trim().is_empty()).then(|| text.chars().take(300).collect()),
        ),
    }
}

/// A URL safe to log or show: the query is dropped (SAS signatures, tokens) and credentials in
/// the authority are removed.
pub fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_password(None);
    let _ = u.set_username("");
    if u.query().is_some() {
        u.set_query(Some("REDACTED"));
    }
    u.to_string()
}

fn redact_url_str(s: &str) -> String {
    url::Url::parse(s)
        .map(|u| redact_url(&u))
        .unwrap_or_else(|_| "<unparseable URL>".into())
}

/// Removes anything token-like from free text (error messages can echo URLs or headers).
pub fn redact_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_inclusive(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        let w = word.trim_end_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
        let tail = &word[w.len()..];
        let secret = (w.starts_with("eyJ") && w.matches('.').count() >= 2)
            || w.contains("sig=")
            || w.to_ascii_lowercase().contains("client_secret=")
            || w.to_ascii_lowercase().contains("password=");
        // A URL keeps its path (useful to diagnose) and loses its query (SAS, tokens).
        if let Some(q) = w.find('?').filter(|_| w.starts_with("http")) {
            out.push_str(&w[..q]);
            out.push_str("?REDACTED");
        } else if secret {
            out.push_str("[redacted]");
        } else {
            out.push_str(w);
        }
        out.push_str(tail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_queries_and_credentials() {
        let u = url::Url::parse("https://user:pw@acct.blob.core.windows.net/logs/cf1/rawtext.log?sv=2015&sig=abc%3D")
            .unwrap();
        let r = redact_url(&u);
        assert_eq!(r, "https://acct.blob.core.windows.net/logs/cf1/rawtext.log?REDACTED");
    }

    #[test]
    fn text_loses_tokens_and_signatures() {
        let t = "GET https://a/b?sig=xyz failed with token eyJhbGciOi.eyJzdWIi.c2ln and client_secret=hunter2";
        let r = redact_text(t);
        assert!(
            !r.contains("xyz") && !r.contains("eyJhbGciOi") && !r.contains("hunter2"),
            "{r}"
        );
        assert!(r.contains("https://a/b?REDACTED"), "{r}");
    }

    #[test]
    fn service_errors_of_each_shape() {
        assert_eq!(
            service_error(br#"{"error":{"code":"Conflict","message":"exists"}}"#),
            (Some("Conflict".into()), Some("exists".into()))
        );
        assert_eq!(
            service_error(br#"{"errors":[{"code":"DENIED","message":"no"}]}"#)
                .0
                .as_deref(),
            Some("DENIED")
        );
        assert_eq!(
            service_error(br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret"}"#)
                .0
                .as_deref(),
            Some("AADSTS7000215")
        );
        assert_eq!(service_error(b"<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code><Message>bad sig\nRequestId:x</Message></Error>"), (Some("AuthenticationFailed".into()), Some("bad sig".into())));
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, Some(Duration::from_secs(3))), Duration::from_secs(3));
        assert_eq!(human_bytes(16 * 1024 * 1024), "16 MiB");
        assert_eq!(human_bytes(1000), "1 KiB");
        let d1 = p.delay(1, None);
        assert!(
            d1 >= Duration::from_millis(200) && d1 <= Duration::from_millis(400),
            "{d1:?}"
        );
        assert!(p.delay(10, None) <= p.max);
    }

    #[test]
    fn no_proxy_entries_match_as_curl_and_reqwest_read_them() {
        assert!(no_proxy_matches("*", "x.azurecr.io"));
        assert!(no_proxy_matches(".azurecr.io", "contoso.azurecr.io"));
        assert!(no_proxy_matches("azurecr.io", "contoso.azurecr.io"));
        assert!(no_proxy_matches("azurecr.io", "azurecr.io"));
        assert!(!no_proxy_matches("azurecr.io", "notazurecr.io"));
        assert!(no_proxy_matches("127.0.0.1", "127.0.0.1"));
        assert!(no_proxy_matches("10.0.0.0/8", "10.20.30.40"));
        assert!(!no_proxy_matches("10.0.0.0/8", "11.0.0.1"));
        assert!(no_proxy_matches("::1", "[::1]"));
        assert!(no_proxy_matches("fd00::/8", "fd12::1"));
        assert!(!no_proxy_matches("10.0.0.0/8", "fd12::1"));
        let http = Http::new(&NetworkSettings {
            proxy: Some("http://proxy.contoso:3128".into()),
            no_proxy: Some("127.0.0.1, .internal".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(http.proxy_for("127.0.0.1"), None);
        assert_eq!(http.proxy_for("a.internal"), None);
        assert_eq!(
            http.proxy_for("contoso.azurecr.io").map(|u| u.to_string()).as_deref(),
            Some("http://proxy.contoso:3128/")
        );
    }

    #[test]
    fn proxy_credentials_stay_out_of_debug() {
        let n = NetworkSettings {
            proxy: Some("http://ops:hunter2@proxy.contoso:3128".into()),
            ..Default::default()
        };
        let text = format!("{n:?}");
        assert!(!text.contains("hunter2") && text.contains("proxy.contoso"), "{text}");
    }
}
