//! One registry's data plane: the token exchange (`/oauth2/exchange`, `/oauth2/token`), the ACR
//! API (`/acr/v1/...`: catalog, repository, tag and manifest attributes, the locks) and the OCI
//! distribution API (`/v2/...`: tags, manifests, blobs and uploads) with scoped tokens enforced
//! and ACR's lock semantics. The upstream registry uses the same code with anonymous pulls.

use super::Emu;
use super::errors::dataplane as dp_error;
use super::model::{DpError, Store};
use super::server::json;
use super::world::{Registry, World};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use base64::Engine as _;
use chrono::Utc;
use http::{HeaderMap, Method, Uri};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Registry(String),
    Upstream,
}

#[derive(Clone)]
struct Ctx {
    emu: Arc<Emu>,
    target: Target,
}

pub fn router(emu: Arc<Emu>, target: Target) -> Router {
    Router::new().fallback(handle).with_state(Ctx { emu, target })
}

/// The access a request needs: (type, name, action), as a token scope names it.
struct Need {
    kind: &'static str,
    name: String,
    action: &'static str,
}

impl Need {
    fn scope(&self) -> String {
        format!("{}:{}:{}", self.kind, self.name, self.action)
    }
}

fn query(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

async fn handle(State(ctx): State<Ctx>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    // Clients may send repository names with encoded slashes (`apps%2Fweb`); ACR accepts both.
    let path = percent_encoding::percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .into_owned();
    let q = query(&uri);
    let (login_server, public) = match &ctx.target {
        Target::Upstream => (ctx.emu.world().upstream.login_server.clone(), true),
        Target::Registry(name) => match ctx.emu.world().registries.iter().find(|r| &r.name == name) {
            Some(r) => (r.login_server.clone(), r.public_network_access),
            None => return dp_error(&DpError::new(404, "NAME_UNKNOWN", "registry removed")),
        },
    };
    // A registry closed to the public network serves only callers inside the private network
    // (through its private endpoint); the service refuses everyone else before any credential.
    if !public && ctx.emu.callers_outside() {
        return dp_error(&DpError::new(
            403,
            "DENIED",
            "client with IP '127.0.0.1' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.",
        ));
    }
    if path == "/oauth2/exchange" && method == Method::POST {
        return exchange(&ctx, &login_server, &body);
    }
    if path == "/oauth2/token" {
        return token(&ctx, &login_server, &method, &headers, uri.query(), &body);
    }
    let route = match parse_route(&path) {
        Some(r) => r,
        None => {
            return dp_error(&DpError::new(404, "NOT_FOUND", format!("no route for {path}")));
        }
    };
    // Authorization: anonymous pulls on the upstream; elsewhere a scoped bearer token or the
    // admin user's basic credentials.
    if ctx.target != Target::Upstream {
        let need = route.need(&method);
        if let Err(resp) = authorize(&ctx, &login_server, &headers, need.as_ref()) {
            return *resp;
        }
    }
    let now = Utc::now();
    let cap = ctx.emu.acr_page_limit();
    let mut w = ctx.emu.world();
    let World {
        registries, upstream, ..
    } = &mut *w;
    let mut place = match &ctx.target {
        Target::Upstream => Place::Up(&mut upstream.store),
        Target::Registry(name) => match registries.iter_mut().find(|r| &r.name == name) {
            Some(r) => Place::Reg(r),
            None => return dp_error(&DpError::new(404, "NAME_UNKNOWN", "registry removed")),
        },
    };
    let place = &mut place;
    let res = match route {
        Route::Base => Ok(json(200, &json!({}))),
        Route::Catalog { acr } => Ok(listings::catalog(place.store(), &q, acr, cap)),
        Route::Repo(name) => repo_attrs(place.store(), &login_server, &name, &method, &body),
        Route::Tags(name) => listings::tags(place.store(), &login_server, &name, &q, cap),
        Route::Tag(name, tag) => tag_attrs(place, &login_server, &name, &tag, &method, &body, now),
        Route::Manifests(name) => listings::manifests(place.store(), &login_server, &name, &q, cap),
        Route::ManifestAttrs(name, digest) => {
            manifest_attrs(place.store(), &login_server, &name, &digest, &method, &body, now)
        }
        Route::TagsList(name) => listings::tags_list(place.store(), &name, &q),
        Route::Manifest(name, reference) => manifest(place, &name, &reference, &method, &headers, body, now),
        Route::Referrers(name, digest) if method == Method::GET => Ok(referrers(place.store(), &name, &digest, &q)),
        Route::Referrers(..) => Err(DpError::new(405, "UNSUPPORTED", "the referrers API is read with GET")),
        Route::Blob(name, digest) => blob(place.store(), &name, &digest, &method, &headers),
        Route::Upload(name, id) => upload(place, &name, id.as_deref(), &method, &q, body),
    };
    drop(w);
    match res {
        Ok(r) => r,
        Err(e) if e.status == 404 && e.code == "MANIFEST_UNKNOWN" => {
            // A cache rule may fill this repository from upstream on first pull.
            if let (Target::Registry(name), Route::Manifest(repo, reference)) =
                (&ctx.target, parse_route(&path).unwrap_or(Route::Base))
                && let Some(resp) = cache_fill(&ctx.emu, name, &repo, &reference, &method, &headers)
            {
                return resp;
            }
            dp_error(&e)
        }
        Err(e) => dp_error(&e),
    }
}

/// The `n` of a listing request, defaulted and capped as the registry does.
fn page_size(q: &HashMap<String, String>, default: usize, max: usize) -> usize {
    q.get("n").and_then(|n| n.parse().ok()).unwrap_or(default).clamp(1, max)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn link(resp: &mut Response, next: &str) {
    if let Ok(v) = http::HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
        resp.headers_mut().insert(http::header::LINK, v);
    }
}

/// Where a request's content lives: a registry (with its webhooks and tasks) or the upstream.
enum Place<'a> {
    Reg(&'a mut Registry),
    Up(&'a mut Store),
}

impl Place<'_> {
    fn store(&mut self) -> &mut Store {
        match self {
            Place::Reg(r) => &mut r.store,
            Place::Up(s) => s,
        }
    }
    fn reg(&mut self) -> Option<&mut Registry> {
        match self {
            Place::Reg(r) => Some(r),
            Place::Up(_) => None,
        }
    }
}

enum Route {
    Base,
    Catalog {
        acr: bool,
    },
    Repo(String),
    Tags(String),
    Tag(String, String),
    Manifests(String),
    ManifestAttrs(String, String),
    TagsList(String),
    Manifest(String, String),
    /// The OCI referrers API: manifests whose subject is this digest.
    Referrers(String, String),
    Blob(String, String),
    Upload(String, Option<String>),
}

fn parse_route(path: &str) -> Option<Route> {
    if let Some(rest) = path.strip_prefix("/acr/v1/") {
        if rest == "_catalog" {
            return Some(Route::Catalog { acr: true });
        }
        if let Some(name) = rest.strip_suffix("/_tags") {
            return Some(Route::Tags(name.to_string()));
        }
        if let Some(name) = rest.strip_suffix("/_manifests") {
            return Some(Route::Manifests(name.to_string()));
        }
        if let Some((name, tag)) = rest.rsplit_once("/_tags/") {
            return Some(Route::Tag(name.to_string(), tag.to_string()));
        }
        if let Some((name, d)) = rest.rsplit_once("/_manifests/") {
            return Some(Route::ManifestAttrs(name.to_string(), d.to_string()));
        }
        return (!rest.is_empty()).then(|| Route::Repo(rest.trim_end_matches('/').to_string()));
    }
    let rest = path.strip_prefix("/v2/").or_else(|| (path == "/v2").then_some(""))?;
    if rest.is_empty() {
        return Some(Route::Base);
    }
    if rest == "_catalog" {
        return Some(Route::Catalog { acr: false });
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        return Some(Route::TagsList(name.to_string()));
    }
    if let Some((name, digest)) = rest.rsplit_once("/referrers/") {
        return Some(Route::Referrers(name.to_string(), digest.to_string()));
    }
    if let Some((name, reference)) = rest.rsplit_once("/manifests/") {
        return Some(Route::Manifest(name.to_string(), reference.to_string()));
    }
    if let Some(name) = rest
        .strip_suffix("/blobs/uploads/")
        .or_else(|| rest.strip_suffix("/blobs/uploads"))
    {
        return Some(Route::Upload(name.to_string(), None));
    }
    if let Some((name, id)) = rest.rsplit_once("/blobs/uploads/") {
        return Some(Route::Upload(name.to_string(), Some(id.to_string())));
    }
    if let Some((name, digest)) = rest.rsplit_once("/blobs/") {
        return Some(Route::Blob(name.to_string(), digest.to_string()));
    }
    None
}

impl Route {
    fn need(&self, method: &Method) -> Option<Need> {
        let repo = |name: &str, action| {
            Some(Need {
                kind: "repository",
                name: name.to_string(),
                action,
            })
        };
        let meta = |name: &str| match *method {
            Method::GET | Method::HEAD => repo(name, "metadata_read"),
            Method::DELETE => repo(name, "delete"),
            _ => repo(name, "metadata_write"),
        };
        match self {
            Route::Base => None,
            Route::Catalog { .. } => Some(Need {
                kind: "registry",
                name: "catalog".into(),
                action: "*",
            }),
            Route::Repo(n) | Route::Tags(n) | Route::Tag(n, _) | Route::Manifests(n) | Route::ManifestAttrs(n, _) => {
                meta(n)
            }
            Route::TagsList(n) | Route::Blob(n, _) | Route::Referrers(n, _) => match *method {
                Method::DELETE => repo(n, "delete"),
                _ => repo(n, "pull"),
            },
            Route::Manifest(n, _) => match *method {
                Method::GET | Method::HEAD => repo(n, "pull"),
                Method::DELETE => repo(n, "delete"),
                _ => repo(n, "push"),
            },
            Route::Upload(n, _) => repo(n, "push"),
        }
    }
}

mod attributes;
mod auth;
mod content;
mod listings;

use attributes::*;
use auth::*;
use content::*;
