//! The listings of a registry's data plane, paged as the service pages them: the catalog and
//! tags and manifests (ACR's API: at most 1,000 a page whatever `n` asks), and the OCI tag list
//! (at most 10,000 a page), each with a `Link` to the next page.

use super::super::model::{DpError, Order, Store};
use super::super::server::json;
use super::{enc, link, manifest_json, page_size, tag_json};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;

pub(super) fn catalog(store: &Store, q: &HashMap<String, String>, acr: bool, cap: usize) -> Response {
    let n = page_size(q, 100, cap);
    let last = q.get("last").map(String::as_str);
    let (repos, more) = store.catalog_page(last, n);
    let mut r = json(200, &json!({"repositories": repos}));
    if more && let Some(l) = repos.last() {
        let base = if acr { "/acr/v1/_catalog" } else { "/v2/_catalog" };
        link(&mut r, &format!("{base}?last={}&n={n}", enc(l)));
    }
    r
}

pub(super) fn tags(
    store: &Store,
    login_server: &str,
    name: &str,
    q: &HashMap<String, String>,
    cap: usize,
) -> Result<Response, DpError> {
    let r = store.repos.get(name).ok_or_else(|| DpError::name_unknown(name))?;
    let n = page_size(q, 100, cap);
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
    Ok(resp)
}

pub(super) fn manifests(
    store: &Store,
    login_server: &str,
    name: &str,
    q: &HashMap<String, String>,
    cap: usize,
) -> Result<Response, DpError> {
    let r = store.repos.get(name).ok_or_else(|| DpError::name_unknown(name))?;
    let n = page_size(q, 100, cap);
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
    Ok(resp)
}

pub(super) fn tags_list(store: &Store, name: &str, q: &HashMap<String, String>) -> Result<Response, DpError> {
    let r = store.repos.get(name).ok_or_else(|| DpError::name_unknown(name))?;
    let n = page_size(q, 1000, 10_000);
    let (tags, more) = r.tag_page(Order::Name, q.get("last").map(String::as_str), n, None);
    let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    let mut resp = json(200, &json!({"name": name, "tags": names}));
    if more && let Some(l) = names.last() {
        link(&mut resp, &format!("/v2/{name}/tags/list?last={}&n={n}", enc(l)));
    }
    Ok(resp)
}
