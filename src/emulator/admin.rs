//! The loopback admin endpoint tests and operators use to steer the emulator at run time:
//! faults, the request log, token expiry, and the digest-rewrite fault of imports.

use super::Emu;
use super::faults::FaultSpec;
use super::server::json;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub fn router(emu: Arc<Emu>) -> Router {
    Router::new()
        .route("/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/requests", get(requests))
        .route("/expire-tokens", post(expire_tokens))
        .route("/rewrite-next-import", post(rewrite_next_import))
        .route("/tick", post(tick))
        .route("/page-limit", post(page_limit))
        .route("/network", post(network))
        .route("/runs/{registry}/{run}/appends", get(appends))
        .route("/runs/{registry}/{run}/fill", post(fill))
        .with_state(emu)
}

async fn list_faults(State(emu): State<Arc<Emu>>) -> Response {
    let items: Vec<_> = emu
        .faults
        .list()
        .into_iter()
        .map(|(id, spec, applied)| json!({"id": id, "spec": spec, "applied": applied}))
        .collect();
    json(200, &json!({"faults": items}))
}

async fn add_fault(State(emu): State<Arc<Emu>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<FaultSpec>(&body) {
        Ok(spec) => json(201, &json!({"id": emu.faults.add(spec)})),
        Err(e) => json(400, &json!({"error": format!("bad fault: {e}")})),
    }
}

async fn clear_faults(State(emu): State<Arc<Emu>>) -> Response {
    emu.faults.clear();
    json(200, &json!({}))
}

async fn requests(State(emu): State<Arc<Emu>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let since = q.get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    json(200, &json!({"requests": emu.requests.since(since)}))
}

/// `?only=registry` expires registry tokens only; otherwise every token.
async fn expire_tokens(State(emu): State<Arc<Emu>>, Query(q): Query<HashMap<String, String>>) -> Response {
    emu.expire_tokens(q.get("only").is_some_and(|o| o == "registry"));
    json(200, &json!({}))
}

/// When each line of a run's log was appended to its blob: the reference a follower's latency
/// is measured against (`benches/logs_follow_latency.sh`).
async fn appends(
    State(emu): State<Arc<Emu>>,
    axum::extract::Path((registry, run)): axum::extract::Path<(String, String)>,
) -> Response {
    let w = emu.world();
    let found = w
        .registries
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(&registry))
        .and_then(|r| r.runs.iter().find(|x| x.id.eq_ignore_ascii_case(&run)));
    match found {
        Some(r) => json(
            200,
            &json!({
                "appended": r.appended.iter().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)).collect::<Vec<_>>(),
                "complete": r.log_complete,
            }),
        ),
        None => json(404, &json!({"error": format!("no run {run} in registry {registry}")})),
    }
}

/// `POST /runs/{registry}/{run}/fill?bytes=N`: appends about N bytes of numbered lines (CRLF,
/// ~100 bytes each, some with colour codes as real build output has) to the run's log blob, for
/// measuring a follower on a log of hundreds of megabytes.
async fn fill(
    State(emu): State<Arc<Emu>>,
    axum::extract::Path((registry, run)): axum::extract::Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(bytes) = q.get("bytes").and_then(|b| b.parse::<usize>().ok()) else {
        return json(400, &json!({"error": "give bytes, how much to append"}));
    };
    let mut w = emu.world();
    let found = w
        .registries
        .iter_mut()
        .find(|r| r.name.eq_ignore_ascii_case(&registry))
        .and_then(|r| r.runs.iter_mut().find(|x| x.id.eq_ignore_ascii_case(&run)));
    let Some(r) = found else {
        return json(404, &json!({"error": format!("no run {run} in registry {registry}")}));
    };
    let start = r.log.len();
    r.log.reserve(bytes + 128);
    let at = chrono::Utc::now();
    let mut n = 0u64;
    while r.log.len() - start < bytes {
        let line = if n.is_multiple_of(10) {
            format!(
                "\u{1b}[32m✓ PASS\u{1b}[0m fill.test.js › case {n:09} ({} ms) {:>48}\r\n",
                n % 97,
                ""
            )
        } else {
            format!(
                "fill line {n:09}: Step 5/6 : RUN npm test -- --shard={} {:>52}\r\n",
                n % 8,
                ""
            )
        };
        r.log.extend_from_slice(line.as_bytes());
        r.appended.push(at);
        n += 1;
    }
    json(
        200,
        &json!({"lines": n, "bytes": r.log.len() - start, "size": r.log.len()}),
    )
}

async fn rewrite_next_import(State(emu): State<Arc<Emu>>) -> Response {
    emu.rewrite_next_import.store(true, Ordering::SeqCst);
    json(200, &json!({}))
}

/// Moves the world on at once (tests that do not want to wait for the clock).
async fn tick(State(emu): State<Arc<Emu>>) -> Response {
    super::clock::tick(&emu, chrono::Utc::now());
    json(200, &json!({}))
}

/// `POST /page-limit?n=100`: the most items a page of ACR's listings holds from now on (the
/// service's 1,000 at most), so a test pages a small listing as finely as a large one.
async fn page_limit(State(emu): State<Arc<Emu>>, Query(q): Query<HashMap<String, String>>) -> Response {
    match q.get("n").and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => {
            emu.set_acr_page_limit(n);
            json(200, &serde_json::json!({"page_limit": emu.acr_page_limit()}))
        }
        None => json(400, &serde_json::json!({"error": "give n, a number of items"})),
    }
}

/// `POST /network?caller=outside` (or `inside`): where callers stand from now on. Outside, a
/// registry with public network access disabled answers its data plane with 403, as the
/// service answers a client that does not come through the registry's private endpoint.
async fn network(State(emu): State<Arc<Emu>>, Query(q): Query<HashMap<String, String>>) -> Response {
    match q.get("caller").map(String::as_str) {
        Some("outside") => emu.set_callers_outside(true),
        Some("inside") => emu.set_callers_outside(false),
        _ => {
            return json(
                400,
                &serde_json::json!({"error": "give caller=inside or caller=outside"}),
            );
        }
    }
    json(200, &serde_json::json!({"callers_outside": emu.callers_outside()}))
}
