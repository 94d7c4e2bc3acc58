//! Who may do what on a registry: scoped bearer tokens, the admin user, the token exchange
//! (`/oauth2/exchange`) and the token endpoint (`/oauth2/token`).

use super::super::errors::challenge;
use super::super::server::json;
use super::*;
use axum::response::Response;
use chrono::Utc;
use http::{HeaderMap, Method};
use serde_json::json;
use std::collections::HashMap;

/// Checks the request's credentials against what the route needs; the error is the 401
/// challenge naming the scope to ask for.
pub(super) fn authorize(
    ctx: &Ctx,
    login_server: &str,
    headers: &HeaderMap,
    need: Option<&Need>,
) -> Result<(), Box<Response>> {
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

pub(super) fn admin_ok(ctx: &Ctx, basic: &str) -> bool {
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

/// The user name Microsoft Entra identities log in with: the password is then an ACR refresh
/// token (what `az acr login --expose-token` hands out).
pub const TOKEN_USER: &str = "00000000-0000-0000-0000-000000000000";

/// Who a user name and password are, as the token endpoint knows them: the admin user, an ACR
/// refresh token under [`TOKEN_USER`], the service principal's application id and secret, or a
/// repository-scoped token's name and password (enabled, not expired). The subject is what the
/// access token names; a repository-scoped token also brings its scope map, which limits what
/// it is granted.
fn basic_identity(
    ctx: &Ctx,
    login_server: &str,
    user: &str,
    pass: &str,
) -> Option<(String, Option<super::super::world::ScopeMap>)> {
    if user == TOKEN_USER {
        let c = ctx.emu.verify(pass).ok()?;
        let ok = c["grant_type"] == "refresh_token" && c["aud"].as_str() == Some(login_server);
        return ok.then(|| (c["sub"].as_str().unwrap_or("").to_string(), None));
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    if admin_ok(ctx, &b64) {
        return Some((user.to_string(), None));
    }
    let w = ctx.emu.world();
    if let Some(p) = w.principal_signing_in(user, pass) {
        return Some((p.object_id.clone(), None));
    }
    let Target::Registry(name) = &ctx.target else {
        return None;
    };
    let reg = w.registries.iter().find(|r| &r.name == name)?;
    let token = reg.tokens.get(user)?;
    let usable = token.enabled && token.password == pass && token.expiry.is_none_or(|e| e > Utc::now());
    let map = reg.scope_maps.get(&token.scope_map)?;
    usable.then(|| (format!("token:{user}"), Some(map.clone())))
}

pub(super) fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// AAD access token -> ACR refresh token.
pub(super) fn exchange(ctx: &Ctx, login_server: &str, body: &[u8]) -> Response {
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
        "iat": now, "nbf": now, "exp": now + super::super::ACR_REFRESH_SECS,
        "grant_type": "refresh_token", "version": "1.0",
    }));
    json(200, &json!({"refresh_token": refresh}))
}

/// ACR refresh token (or admin user / password) + scope -> ACR access token.
pub(super) fn token(
    ctx: &Ctx,
    login_server: &str,
    method: &Method,
    headers: &HeaderMap,
    raw_query: Option<&str>,
    body: &[u8],
) -> Response {
    // Every `scope` parameter counts: the Docker token protocol lets a client ask for several
    // at once (a cross-repository mount asks for its source's pull and its target's push).
    let pairs: Vec<(String, String)> = if *method == Method::POST {
        url::form_urlencoded::parse(body).into_owned().collect()
    } else {
        url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    };
    let scopes: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split_whitespace())
        .collect();
    let f: HashMap<String, String> = pairs.iter().cloned().collect();
    let err = |status: u16, msg: &str| {
        json(
            status,
            &json!({"errors": [{"code": "UNAUTHORIZED", "message": msg, "detail": null}]}),
        )
    };
    if f.get("service").map(String::as_str) != Some(login_server) {
        return err(400, &format!("service must be {login_server}"));
    }
    let (subject, scope_map) = match f.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {
            let Some(rt) = f.get("refresh_token") else {
                return err(400, "refresh_token is required");
            };
            match ctx.emu.verify(rt) {
                Ok(c) if c["grant_type"] == "refresh_token" && c["aud"].as_str() == Some(login_server) => {
                    (c["sub"].as_str().unwrap_or("").to_string(), None)
                }
                Ok(_) => return err(401, "the refresh token was issued for another registry"),
                Err(e) => return err(401, &format!("the refresh token is not valid: {e}")),
            }
        }
        Some("password") => {
            let user = f.get("username").cloned().unwrap_or_default();
            let pass = f.get("password").cloned().unwrap_or_default();
            match basic_identity(ctx, login_server, &user, &pass) {
                Some(identity) => identity,
                None => return err(401, "invalid username or password"),
            }
        }
        _ => {
            // A GET with basic credentials, as docker, skopeo, helm and oras send.
            let basic = headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Basic "))
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
                .and_then(|b| String::from_utf8(b).ok());
            let identity = basic.as_deref().and_then(|b| {
                let (user, pass) = b.split_once(':')?;
                basic_identity(ctx, login_server, user, pass)
            });
            match (basic, identity) {
                (_, Some(identity)) => identity,
                (Some(_), None) => return err(401, "invalid username or password"),
                (None, None) => {
                    return err(
                        401,
                        "grant_type must be refresh_token or password, or send basic credentials",
                    );
                }
            }
        }
    };
    let mut access = Vec::new();
    for s in scopes {
        let mut parts = s.splitn(3, ':');
        let (Some(kind), Some(rest)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (name, actions) = match parts.next() {
            Some(a) => (rest, a),
            None => continue,
        };
        let mut actions: Vec<&str> = actions.split(',').collect();
        // A repository-scoped token gets what its scope map allows of what it asked, and
        // nothing beyond repositories (no catalog).
        if let Some(map) = &scope_map {
            if kind != "repository" {
                continue;
            }
            let allowed = map.allows(name);
            actions.retain(|a| allowed.contains(a) || *a == "*" && !allowed.is_empty());
            if actions.contains(&"*") {
                actions = allowed;
            }
        }
        access.push(json!({"type": kind, "name": name, "actions": actions}));
    }
    let now = Utc::now().timestamp();
    let token = ctx.emu.sign(&json!({
        "sub": subject, "aud": login_server,
        "iss": "Azure Container Registry", "iat": now, "nbf": now, "exp": now + super::super::ACR_ACCESS_SECS,
        "access": access, "grant_type": "access_token", "version": "1.0",
    }));
    json(200, &json!({"access_token": token}))
}
