//! Faults for reliability tests, switchable at run time through the admin endpoint: added
//! latency, 429 throttling (per-SKU budgets or a fixed one, with or without Retry-After), 5xx
//! answers, connections dropped before the answer or mid-body, truncated JSON, a server that
//! never answers, a body trickled or oversized, and listings whose next link repeats or points
//! at another host. Faults are deterministic (every Nth matching request, at most `count`
//! times) so tests do not depend on luck.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Which listener: `arm`, `authority`, `blob`, `registry:<name>`, `upstream`, or `*`.
    #[serde(default = "star")]
    pub target: String,
    /// Path glob (`*` matches any characters, including `/`). Default: every path.
    #[serde(default = "star")]
    pub path: String,
    /// HTTP method to match; default: any.
    pub method: Option<String>,
    pub kind: FaultKind,
    /// Apply to every Nth matching request (1 = all).
    #[serde(default = "one")]
    pub every: u64,
    /// Stop after this many applications.
    pub count: Option<u64>,
}

fn star() -> String {
    "*".into()
}
fn one() -> u64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultKind {
    /// Wait this long before answering.
    LatencyMs(u64),
    /// Answer with this status (5xx) and the service's error body.
    Status(u16),
    /// 429 once more than `per_minute` requests arrived in the current minute; without a number,
    /// ACR's historic budget for the registry's SKU (reads or writes by method).
    Throttle {
        per_minute: Option<u64>,
        #[serde(default = "yes")]
        retry_after: bool,
        /// The Retry-After value to send; default: the seconds left in the current minute.
        retry_after_secs: Option<u64>,
    },
    /// Send half of the body, then drop the connection.
    DropMidBody,
    /// Carry the request out, then drop the connection before any of the answer is sent.
    DropBeforeResponse,
    /// Send the first half of a JSON body as if it were all of it.
    TruncateJson,
    /// Accept the request and never answer (nor carry it out).
    Silent,
    /// Send the answer's body this many bytes a second.
    SlowBody(u64),
    /// Answer 200 with a body of this many bytes (streamed, never held).
    Oversize(u64),
    /// Point the listing's next link (ARM `nextLink`, registry `Link`) at the request itself.
    LoopNextLink,
    /// Point the listing's next link at another origin (the emulator's blob listener).
    ForeignNextLink,
}

fn yes() -> bool {
    true
}

struct Active {
    id: u64,
    spec: FaultSpec,
    seen: u64,
    applied: u64,
    window: Option<(Instant, u64)>,
}

#[derive(Default)]
pub struct Faults {
    inner: Mutex<(u64, Vec<Active>)>,
}

/// What the middleware must do to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Delay(Duration),
    Status(u16),
    Throttled { retry_after: Option<u64> },
    DropMidBody,
    DropBeforeResponse,
    TruncateJson,
    Silent,
    SlowBody(u64),
    Oversize(u64),
    LoopNextLink,
    ForeignNextLink,
}

pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn rec(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') => (0..=t.len()).any(|i| rec(&p[1..], &t[i..])),
            Some(c) => t.first() == Some(c) && rec(&p[1..], &t[1..]),
        }
    }
    rec(pattern.as_bytes(), text.as_bytes())
}

/// ACR's historic per-minute budgets: (reads, writes) by SKU.
fn sku_budget(sku: &str, write: bool) -> u64 {
    let (r, w) = match sku.to_ascii_lowercase().as_str() {
        "basic" => (1_000, 100),
        "standard" => (3_000, 500),
        _ => (10_000, 2_000),
    };
    if write { w } else { r }
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> u64 {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0 += 1;
        let id = g.0;
        g.1.push(Active {
            id,
            spec,
            seen: 0,
            applied: 0,
            window: None,
        });
        id
    }

    pub fn clear(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).1.clear();
    }

    pub fn list(&self) -> Vec<(u64, FaultSpec, u64)> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.1.iter().map(|a| (a.id, a.spec.clone(), a.applied)).collect()
    }

    /// Decisions for one request, in the order the faults were added.
    pub fn decide(&self, target: &str, method: &str, path: &str, sku: Option<&str>) -> Vec<Decision> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for a in g.1.iter_mut() {
            // Once a request is answered by a fault, later faults do not see it (nor count it).
            if out
                .iter()
                .any(|d| matches!(d, Decision::Status(_) | Decision::Throttled { .. }))
            {
                break;
            }
            let s = &a.spec;
            let target_ok = s.target == "*" || s.target.eq_ignore_ascii_case(target);
            let method_ok = s.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method));
            if !(target_ok && method_ok && glob_match(&s.path, path)) {
                continue;
            }
            if s.count.is_some_and(|c| a.applied >= c) {
                continue;
            }
            a.seen += 1;
            if let FaultKind::Throttle {
                per_minute,
                retry_after,
                retry_after_secs,
            } = &s.kind
            {
                let write = !matches!(method, "GET" | "HEAD");
                let budget = per_minute.unwrap_or_else(|| sku_budget(sku.unwrap_or("Premium"), write));
                let now = Instant::now();
                let (start, n) = match a.window {
                    Some((start, n)) if now.duration_since(start) < Duration::from_secs(60) => (start, n + 1),
                    _ => (now, 1),
                };
                a.window = Some((start, n));
                if n > budget {
                    a.applied += 1;
                    let wait = retry_after_secs
                        .unwrap_or_else(|| 60u64.saturating_sub(now.duration_since(start).as_secs()).max(1));
                    out.push(Decision::Throttled {
                        retry_after: retry_after.then_some(wait),
                    });
                }
                continue;
            }
            if a.seen % s.every.max(1) != 0 {
                continue;
            }
            a.applied += 1;
            out.push(match &s.kind {
                FaultKind::LatencyMs(ms) => Decision::Delay(Duration::from_millis(*ms)),
                FaultKind::Status(code) => Decision::Status(*code),
                FaultKind::DropMidBody => Decision::DropMidBody,
                FaultKind::DropBeforeResponse => Decision::DropBeforeResponse,
                FaultKind::TruncateJson => Decision::TruncateJson,
                FaultKind::Silent => Decision::Silent,
                FaultKind::SlowBody(n) => Decision::SlowBody(*n),
                FaultKind::Oversize(n) => Decision::Oversize(*n),
                FaultKind::LoopNextLink => Decision::LoopNextLink,
                FaultKind::ForeignNextLink => Decision::ForeignNextLink,
                FaultKind::Throttle { .. } => continue,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", "/v2/"));
        assert!(glob_match("/acr/v1/*/_tags", "/acr/v1/apps/web/_tags"));
        assert!(!glob_match("/acr/v1/*/_tags", "/acr/v1/apps/web/_manifests"));
    }

    #[test]
    fn every_and_count_are_deterministic() {
        let f = Faults::default();
        f.add(FaultSpec {
            target: "arm".into(),
            path: "*".into(),
            method: None,
            kind: FaultKind::Status(503),
            every: 2,
            count: Some(2),
        });
        let hits: Vec<bool> = (0..8).map(|_| !f.decide("arm", "GET", "/x", None).is_empty()).collect();
        assert_eq!(hits, [false, true, false, true, false, false, false, false]);
        assert!(f.decide("blob", "GET", "/x", None).is_empty());
    }

    #[test]
    fn throttle_uses_the_budget() {
        let f = Faults::default();
        f.add(FaultSpec {
            target: "*".into(),
            path: "*".into(),
            method: None,
            kind: FaultKind::Throttle {
                per_minute: Some(3),
                retry_after: false,
                retry_after_secs: None,
            },
            every: 1,
            count: None,
        });
        let n = (0..5).filter(|_| !f.decide("x", "GET", "/", None).is_empty()).count();
        assert_eq!(n, 2);
        assert_eq!(sku_budget("Basic", true), 100);
    }
}
