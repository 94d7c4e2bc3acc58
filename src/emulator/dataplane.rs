//! One registry's data plane: the token exchange (`/oauth2/exchange`, `/oauth2/token`), the ACR
//! API (`/acr/v1/...`: catalog, repository, tag and manifest attributes, the locks) and the OCI
//! distribution API (`/v2/...`: tags, manifests, blobs and uploads) with scoped tokens enforced
//! and ACR's lock semantics. The upstream registry uses the same code with anonymous pulls.

use super::Emu;
use super::arm::ts;
use super::errors::{challenge, dataplane as dp_error};
use super::model::{Attrs, AttrsPatch, DpError, Manifest, Order, Repository, Store, Tag, sha256_digest};
use super::server::json;
use super::world::{Registry, World};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::Utc;
use http::{HeaderMap, Method, Uri};
use serde_json::{Value, json};
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
    let login_server = match &ctx.target {
        Target::Upstream => ctx.emu.world().upstream.login_server.clone(),
        Target::Registry(name) => match ctx.emu.world().registries.iter().find(|r| &r.name == name) {
            Some(r) => r.login_server.clone(),
            None => return dp_error(&DpError::new(404, "NAME_UNKNOWN", "registry removed")),
        },
    };
    if path == "/oauth2/exchange" && method == Method::POST {
        return exchange(&ctx, &login_server, &body);
    }
    if path == "/oauth2/token" {
        return token(&ctx, &login_server, &method, &headers, &q, &body);
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
        Route::Catalog { acr } => {
            let n = page_size(&q, 100, 1000);
            let last = q.get("last").map(String::as_str);
            let (repos, more) = place.store().catalog_page(last, n);
            let mut r = json(200, &json!({"repositories": repos}));
            if more && let Some(l) = repos.last() {
                let base = if acr { "/acr/v1/_catalog" } else { "/v2/_catalog" };
                link(&mut r, &format!("{base}?last={}&n={n}", enc(l)));
            }
            Ok(r)
        }
        Route::Repo(name) => repo_attrs(place.store(), &login_server, &name, &method, &body),
        Route::Tags(name) => {
            let r = place
                .store()
                .repos
                .get(&name)
                .ok_or_else(|| DpError::name_unknown(&name));
            r.map(|r| {
                let n = page_size(&q, 100, 1000);
                let order = q.get("orderby").map(String::as_str);
                let (tags, more) = r.tag_page(
                    Order::parse(order),
                    q.get("last").map(String::as_str),
                    n,
                    q.get("digest").map(String::as_str),
                );
                let items: Vec<Value> = tags.iter().map(|t| tag_json(r, t)).collect();
                let mut resp = json(
                    200,
                    &json!({"registry": login_server, "imageName": name, "tags": items}),
                );
                if more && let Some(l) = tags.last() {
                    let mut next = format!("/acr/v1/{name}/_tags?last={}&n={n}", enc(&l.name));
                    if let Some(o) = order {
                        next.push_str(&format!("&orderby={o}"));
                    }
                    link(&mut resp, &next);
                }
                resp
            })
        }
        Route::Tag(name, tag) => tag_attrs(place, &login_server, &name, &tag, &method, &body, now),
        Route::Manifests(name) => {
            let r = place
                .store()
                .repos
                .get(&name)
                .ok_or_else(|| DpError::name_unknown(&name));
            r.map(|r| {
                let n = page_size(&q, 100, 1000);
                let order = q.get("orderby").map(String::as_str);
                let (ms, more) = r.manifest_page(Order::parse(order), q.get("last").map(String::as_str), n);
                let items: Vec<Value> = ms.iter().map(|m| manifest_json(r, m)).collect();
                let mut resp = json(
                    200,
                    &json!({"registry": login_server, "imageName": name, "manifests": items}),
                );
                if more && let Some(l) = ms.last() {
                    let mut next = format!("/acr/v1/{name}/_manifests?last={}&n={n}", enc(&l.digest));
                    if let Some(o) = order {
                        next.push_str(&format!("&orderby={o}"));
                    }
                    link(&mut resp, &next);
                }
                resp
            })
        }
        Route::ManifestAttrs(name, digest) => {
            manifest_attrs(place.store(), &login_server, &name, &digest, &method, &body, now)
        }
        Route::TagsList(name) => {
            let r = place
                .store()
                .repos
                .get(&name)
                .ok_or_else(|| DpError::name_unknown(&name));
            r.map(|r| {
                let n = page_size(&q, 1000, 10_000);
                let (tags, more) = r.tag_page(Order::Name, q.get("last").map(String::as_str), n, None);
                let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
                let mut resp = json(200, &json!({"name": name, "tags": names}));
                if more && let Some(l) = names.last() {
                    link(&mut resp, &format!("/v2/{name}/tags/list?last={}&n={n}", enc(l)));
                }
                resp
            })
        }
        Route::Manifest(name, reference) => manifest(place, &name, &reference, &method, &headers, body, now),
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
    Catalog { acr: bool },
    Repo(String),
    Tags(String),
    Tag(String, String),
    Manifests(String),
    ManifestAttrs(String, String),
    TagsList(String),
    Manifest(String, String),
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
            Route::TagsList(n) | Route::Blob(n, _) => match *method {
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

/// Checks the request's credentials against what the route needs; the error is the 401
/// challenge naming the scope to ask for.
fn authorize(ctx: &Ctx, login_server: &str, headers: &HeaderMap, need: Option<&Need>) -> Result<(), Box<Response>> {
    let auth = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let scope = need.map(Need::scope);
    let deny = |msg: &str| Err(Box::new(challenge(login_server, scope.as_deref(), msg)));
    if let Some(basic) = auth.strip_prefix("Basic ") {
        return if admin_ok(ctx, basic) {
            Ok(())
        } else {
            deny("authentication required, visit https://aka.ms/acr/authorization for more information.")
        };
    }
    let Some(token) = auth.strip_prefix("Bearer ") else {
        return deny("authentication required, visit https://aka.ms/acr/authorization for more information.");
    };
    let claims = match ctx.emu.verify(token) {
        Ok(c) => c,
        Err(_) => {
            return deny("authentication required, visit https://aka.ms/acr/authorization for more information.");
        }
    };
    if claims["aud"].as_str() != Some(login_server) || claims["grant_type"].as_str() != Some("access_token") {
        return deny("authentication required, visit https://aka.ms/acr/authorization for more information.");
    }
    let Some(need) = need else { return Ok(()) };
    let granted = claims["access"].as_array().into_iter().flatten().any(|a| {
        a["type"].as_str() == Some(need.kind)
            && (a["name"].as_str() == Some(&need.name) || a["name"].as_str() == Some("*"))
            && a["actions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|x| x.as_str() == Some(need.action) || x.as_str() == Some("*"))
    });
    if granted {
        Ok(())
    } else {
        deny("authentication required, visit https://aka.ms/acr/authorization for more information.")
    }
}

fn admin_ok(ctx: &Ctx, basic: &str) -> bool {
    let Target::Registry(name) = &ctx.target else {
        return true;
    };
    let Some(decoded) = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return false;
    };
    let w = ctx.emu.world();
    w.registries
        .iter()
        .any(|r| &r.name == name && r.admin_user_enabled && decoded == format!("{}:{}", r.name, r.admin_password))
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// AAD access token -> ACR refresh token.
fn exchange(ctx: &Ctx, login_server: &str, body: &[u8]) -> Response {
    let f = form(body);
    let err = |status: u16, msg: &str| {
        json(
            status,
            &json!({"errors": [{"code": "UNAUTHORIZED", "message": msg, "detail": null}]}),
        )
    };
    if f.get("grant_type").map(String::as_str) != Some("access_token") {
        return err(400, "grant_type must be access_token");
    }
    if f.get("service").map(String::as_str) != Some(login_server) {
        return err(400, &format!("service must be {login_server}"));
    }
    let Some(aad) = f.get("access_token") else {
        return err(400, "access_token is required");
    };
    let claims = match ctx.emu.verify(aad) {
        Ok(c) => c,
        Err(e) => return err(401, &format!("the AAD access token is not valid: {e}")),
    };
    if let Some(t) = f.get("tenant")
        && claims["tid"].as_str() != Some(t)
    {
        return err(401, "the AAD access token belongs to another tenant");
    }
    let now = Utc::now().timestamp();
    let refresh = ctx.emu.sign(&json!({
        "sub": claims["oid"], "tid": claims["tid"], "appid": claims["appid"],
        "aud": login_server, "iss": "Azure Container Registry",
        "iat": now, "nbf": now, "exp": now + super::ACR_REFRESH_SECS,
        "grant_type": "refresh_token", "version": "1.0",
    }));
    json(200, &json!({"refresh_token": refresh}))
}

/// ACR refresh token (or admin user / password) + scope -> ACR access token.
fn token(
    ctx: &Ctx,
    login_server: &str,
    method: &Method,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    body: &[u8],
) -> Response {
    let f = if *method == Method::POST { form(body) } else { q.clone() };
    let err = |status: u16, msg: &str| {
        json(
            status,
            &json!({"errors": [{"code": "UNAUTHORIZED", "message": msg, "detail": null}]}),
        )
    };
    if f.get("service").map(String::as_str) != Some(login_server) {
        return err(400, &format!("service must be {login_server}"));
    }
    let subject = match f.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {
            let Some(rt) = f.get("refresh_token") else {
                return err(400, "refresh_token is required");
            };
            match ctx.emu.verify(rt) {
                Ok(c) if c["grant_type"] == "refresh_token" && c["aud"].as_str() == Some(login_server) => {
                    c["sub"].as_str().unwrap_or("").to_string()
                }
                Ok(_) => return err(401, "the refresh token was issued for another registry"),
                Err(e) => return err(401, &format!("the refresh token is not valid: {e}")),
            }
        }
        Some("password") => {
            let user = f.get("username").cloned().unwrap_or_default();
            let pass = f.get("password").cloned().unwrap_or_default();
            let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            if !admin_ok(ctx, &b64) {
                return err(401, "invalid username or password");
            }
            user
        }
        _ => {
            // GET with basic credentials, as docker does.
            let basic = headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Basic "));
            match basic {
                Some(b) if admin_ok(ctx, b) => "admin".to_string(),
                _ => {
                    return err(
                        401,
                        "grant_type must be refresh_token or password, or send basic credentials",
                    );
                }
            }
        }
    };
    let scopes = f.get("scope").cloned().unwrap_or_default();
    let mut access = Vec::new();
    for s in scopes.split_whitespace() {
        let mut parts = s.splitn(3, ':');
        let (Some(kind), Some(rest)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (name, actions) = match parts.next() {
            Some(a) => (rest, a),
            None => continue,
        };
        access.push(json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}));
    }
    let now = Utc::now().timestamp();
    let token = ctx.emu.sign(&json!({
        "sub": subject, "aud": login_server,
        "iss": "Azure Container Registry", "iat": now, "nbf": now, "exp": now + super::ACR_ACCESS_SECS,
        "access": access, "grant_type": "access_token", "version": "1.0",
    }));
    json(200, &json!({"access_token": token}))
}

fn attrs_json(a: Attrs) -> Value {
    serde_json::to_value(a).unwrap_or(Value::Null)
}

fn tag_json(r: &Repository, t: &Tag) -> Value {
    json!({
        "name": t.name,
        "digest": t.digest,
        "createdTime": ts(t.created),
        "lastUpdateTime": ts(t.updated),
        "signed": false,
        "changeableAttributes": attrs_json(r.attrs.and(t.attrs)),
    })
}

fn manifest_json(r: &Repository, m: &Manifest) -> Value {
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
fn attrs_patch(body: &[u8]) -> Result<AttrsPatch, DpError> {
    let bad = |e: String| DpError::new(400, "INVALID_REQUEST", format!("invalid changeableAttributes: {e}"));
    let v: Value = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    let v = match v {
        Value::String(s) => serde_json::from_str(&s).map_err(|e| bad(e.to_string()))?,
        other => other,
    };
    serde_json::from_value(v).map_err(|e| bad(e.to_string()))
}

fn repo_attrs(store: &mut Store, login: &str, name: &str, method: &Method, body: &[u8]) -> Result<Response, DpError> {
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

fn repo_json(login: &str, r: &Repository) -> Value {
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
fn tag_attrs(
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
                super::clock::record_event(reg, "delete", name, Some(tag), &d, now);
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

fn manifest_attrs(
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

#[allow(clippy::too_many_arguments)]
fn manifest(
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
                .unwrap_or(super::model::OCI_MANIFEST)
                .to_string();
            let digest = place.store().put_manifest(name, reference, &media_type, body, now)?;
            if let Some(reg) = place.reg() {
                let tag = (!reference.starts_with("sha256:")).then_some(reference);
                let upstream = super::world::Upstream::default();
                super::clock::pushed(reg, name, tag, &digest, now, &upstream);
            }
            let mut resp = (http::StatusCode::CREATED, ()).into_response();
            let h = resp.headers_mut();
            if let Ok(v) = http::HeaderValue::from_str(&format!("/v2/{name}/manifests/{digest}")) {
                h.insert(http::header::LOCATION, v);
            }
            if let Ok(v) = http::HeaderValue::from_str(&digest) {
                h.insert("docker-content-digest", v);
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
                super::clock::record_event(reg, "delete", name, None, reference, now);
            }
            Ok((http::StatusCode::ACCEPTED, ()).into_response())
        }
        _ => Err(DpError::new(405, "UNSUPPORTED", "method not allowed")),
    }
}

fn blob(
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
                .and_then(super::blobs::parse_range)
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

fn upload(
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
fn cache_fill(
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
    let src = super::clock::extract(&upstream.store, &up_repo, &digest);
    let tags: Vec<String> = if reference.starts_with("sha256:") {
        vec![]
    } else {
        vec![reference.to_string()]
    };
    reg.store
        .copy_image_from(&src, &up_repo, &digest, repo, &tags, now)
        .ok()?;
    let upstream_empty = super::world::Upstream::default();
    super::clock::pushed(
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
