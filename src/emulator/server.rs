//! Serving HTTPS on loopback: the accept loop (rustls + hyper, HTTP/1.1 and HTTP/2), the request
//! log every test can count from, and the fault middleware in front of every listener.

use super::Emu;
use super::faults::Decision;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// One answered request, as tests and the admin endpoint see it. The query string is left out:
/// it can carry SAS signatures.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub listener: String,
    pub method: String,
    pub path: String,
    pub status: u16,
}

#[derive(Default)]
pub struct RequestLog {
    inner: Mutex<(u64, VecDeque<RequestRecord>)>,
}

const LOG_CAPACITY: usize = 200_000;

impl RequestLog {
    fn push(&self, listener: &str, method: &str, path: &str, status: u16) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0 += 1;
        let rec = RequestRecord {
            seq: g.0,
            time: Utc::now(),
            listener: listener.to_string(),
            method: method.to_string(),
            path: path.to_string(),
            status,
        };
        if g.1.len() == LOG_CAPACITY {
            g.1.pop_front();
        }
        g.1.push_back(rec);
    }

    /// Records after sequence number `since`.
    pub fn since(&self, since: u64) -> Vec<RequestRecord> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.1.iter().filter(|r| r.seq > since).cloned().collect()
    }
}

#[derive(Clone)]
struct Ctx {
    emu: Arc<Emu>,
    listener: String,
}

/// Wraps a listener's router with the request log and the fault middleware.
pub fn instrument(router: Router, emu: Arc<Emu>, listener: &str) -> Router {
    let ctx = Ctx {
        emu,
        listener: listener.to_string(),
    };
    router.layer(middleware::from_fn_with_state(ctx, observe))
}

/// Marks a response whose connection is to be dropped instead of answered: the accept loop
/// fails the exchange, so the client sees the connection close with no answer at all.
#[derive(Clone, Copy)]
struct DropConnection;

async fn observe(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let path_and_query = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let host = req
        .uri()
        .authority()
        .map(|a| a.to_string())
        .or_else(|| {
            req.headers()
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let self_url = format!("https://{host}{path_and_query}");
    let sku = ctx
        .listener
        .strip_prefix("registry:")
        .and_then(|name| ctx.emu.registry_sku(name));
    let decisions = ctx.emu.faults.decide(&ctx.listener, &method, &path, sku.as_deref());
    let mut post = Vec::new();
    let mut early: Option<Response> = None;
    for d in decisions {
        match d {
            Decision::Delay(d) => tokio::time::sleep(d).await,
            Decision::Status(code) => {
                early = Some(super::errors::fault_status(&ctx.listener, code));
                break;
            }
            Decision::Throttled { retry_after } => {
                early = Some(super::errors::throttled(&ctx.listener, retry_after));
                break;
            }
            Decision::Silent => {
                ctx.emu.requests.push(&ctx.listener, &method, &path, 0);
                tracing::info!(target: "acrdeck::emulator", listener = %ctx.listener, %method, %path, "request held unanswered (fault)");
                // Held until the client gives up and the connection goes.
                std::future::pending::<()>().await;
            }
            Decision::Oversize(n) => {
                early = Some(oversized(n));
                break;
            }
            other => post.push(other),
        }
    }
    let response = match early {
        Some(r) => r,
        None => next.run(req).await,
    };
    let status = response.status().as_u16();
    let mut response = if post.is_empty() {
        response
    } else {
        let base = ctx.emu.blob_base.clone();
        damage(response, &post, (&path_and_query, &self_url), &base).await
    };
    if !response.headers().contains_key("x-ms-request-id")
        && let Ok(v) = http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
    {
        response.headers_mut().insert("x-ms-request-id", v);
    }
    if !matches!(method.as_str(), "GET" | "HEAD") {
        ctx.emu.wake();
    }
    ctx.emu.requests.push(&ctx.listener, &method, &path, status);
    tracing::info!(target: "acrdeck::emulator", listener = %ctx.listener, %method, %path, status, "request");
    response
}

/// 200 with `n` bytes of padding, streamed in 64 KiB pieces so the emulator never holds it.
fn oversized(n: u64) -> Response {
    const PIECE: u64 = 64 * 1024;
    let piece = Bytes::from(vec![b' '; PIECE as usize]);
    let stream = futures::stream::iter((0..n.div_ceil(PIECE)).map(move |i| {
        let len = PIECE.min(n - i * PIECE) as usize;
        Ok::<Bytes, std::io::Error>(piece.slice(..len))
    }));
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

/// The listing's next link pointed at `to`: ARM's `nextLink` in the JSON body, the registry's
/// `Link: <...>; rel="next"` header.
fn redirect_next(parts: &mut http::response::Parts, bytes: Bytes, to: &str) -> Bytes {
    if let Some(link) = parts
        .headers
        .get(http::header::LINK)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        && link.contains("rel=\"next\"")
        && let Ok(v) = http::HeaderValue::from_str(&format!("<{to}>; rel=\"next\""))
    {
        parts.headers.insert(http::header::LINK, v);
    }
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) if v.get("nextLink").is_some_and(|n| n.is_string()) => {
            v["nextLink"] = serde_json::Value::String(to.to_string());
            let body = Bytes::from(v.to_string());
            parts.headers.insert(http::header::CONTENT_LENGTH, body.len().into());
            body
        }
        _ => bytes,
    }
}

/// Applies answer faults: a next link that loops or leaves the origin, truncated JSON, a body
/// trickled, half a body and then a dropped connection, or no answer at all.
async fn damage(
    response: Response,
    faults: &[Decision],
    (path_and_query, self_url): (&str, &str),
    foreign_base: &str,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let mut bytes = match body.collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => Bytes::new(),
    };
    if faults.contains(&Decision::DropBeforeResponse) {
        let mut r = Response::new(Body::empty());
        r.extensions_mut().insert(DropConnection);
        return r;
    }
    if faults.contains(&Decision::LoopNextLink) {
        // The registry's Link is relative; ARM's nextLink absolute: both name this request.
        let to = if parts.headers.contains_key(http::header::LINK) {
            path_and_query.to_string()
        } else {
            self_url.to_string()
        };
        bytes = redirect_next(&mut parts, bytes, &to);
    }
    if faults.contains(&Decision::ForeignNextLink) {
        bytes = redirect_next(&mut parts, bytes, &format!("{foreign_base}/foreign{path_and_query}"));
    }
    if let Some(rate) = faults.iter().find_map(|d| match d {
        Decision::SlowBody(n) => Some(*n),
        _ => None,
    }) {
        let rate = rate.max(1) as usize;
        parts.headers.insert(http::header::CONTENT_LENGTH, bytes.len().into());
        let pieces: Vec<Bytes> = (0..bytes.len().div_ceil(rate))
            .map(|i| bytes.slice(i * rate..((i + 1) * rate).min(bytes.len())))
            .collect();
        let stream = futures::stream::iter(pieces).then(|piece| async move {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            Ok::<Bytes, std::io::Error>(piece)
        });
        return Response::from_parts(parts, Body::from_stream(stream));
    }
    if !faults
        .iter()
        .any(|d| matches!(d, Decision::TruncateJson | Decision::DropMidBody))
    {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let half = bytes.slice(..bytes.len() / 2);
    if faults.contains(&Decision::TruncateJson) {
        parts.headers.insert(http::header::CONTENT_LENGTH, half.len().into());
        return Response::from_parts(parts, Body::from(half));
    }
    // Keep the full Content-Length so the client sees the body end early, then fail the stream.
    parts.headers.insert(http::header::CONTENT_LENGTH, bytes.len().into());
    let stream = futures::stream::iter(vec![
        Ok::<Bytes, std::io::Error>(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: connection dropped mid-body",
        )),
    ])
    .then(|item| async move {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        item
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Serves `router` over TLS on an already bound (loopback) listener until `shutdown` turns true.
pub fn spawn(
    listener: TcpListener,
    router: Router,
    tls: Arc<rustls::ServerConfig>,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(tls);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = shutdown.changed() => break,
            };
            let Ok((stream, _peer)) = accepted else {
                continue;
            };
            // Azure's front ends answer without waiting for more bytes to coalesce; without
            // TCP_NODELAY, Nagle's algorithm against the client's delayed ACK holds each small
            // HTTP/2 frame ~40 ms, and every timing against the emulator measures that stall.
            if let Err(e) = stream.set_nodelay(true) {
                tracing::warn!(error = %e, "could not set TCP_NODELAY on an accepted connection");
            }
            let acceptor = acceptor.clone();
            let router = router.clone();
            let mut conn_shutdown = shutdown.clone();
            tokio::spawn(async move {
                let Ok(tls_stream) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let router = router.clone();
                    async move {
                        let response = match router.oneshot(req.map(Body::new)).await {
                            Ok(r) => r,
                            Err(never) => match never {},
                        };
                        if response.extensions().get::<DropConnection>().is_some() {
                            return Err(std::io::Error::other("fault: connection dropped before the answer"));
                        }
                        Ok(response)
                    }
                });
                let builder = auto::Builder::new(TokioExecutor::new());
                let conn = builder.serve_connection(TokioIo::new(tls_stream), service);
                tokio::select! {
                    _ = conn => {}
                    _ = conn_shutdown.changed() => {}
                }
            });
        }
    });
}

/// JSON response helper.
pub fn json(status: u16, value: &serde_json::Value) -> Response {
    let mut r = (
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        [(http::header::CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response();
    r.headers_mut().insert(
        http::header::HeaderName::from_static("x-ms-request-id"),
        http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap_or(http::HeaderValue::from_static("0")),
    );
    r
}
