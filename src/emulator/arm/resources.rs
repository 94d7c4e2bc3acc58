//! Microsoft.Resources beside the registry provider: the generic resources listing
//! (`Resources_List`, which the az CLI uses to find a registry's resource group when `-g` is
//! not given) and the cloud's metadata endpoint (`/metadata/endpoints`, read without
//! credentials by `az cloud register --endpoint-resource-manager`).

use super::super::Emu;
use super::super::errors::arm as arm_error;
use super::super::server::json;
use super::{Req, eq, method_not_allowed, page};
use axum::response::Response;
use http::Method;
use serde_json::{Value, json};

/// One `$filter` clause Resources_List understands: `<field> eq '<value>'`.
#[derive(Debug, PartialEq)]
enum Clause {
    ResourceType(String),
    Name(String),
    Location(String),
    ResourceGroup(String),
}

/// Parses `resourceType eq 'x' and name eq 'y'`: the clauses the service documents for exact
/// matches. Anything else is refused as ARM refuses a filter it cannot read.
fn parse_filter(filter: &str) -> Result<Vec<Clause>, String> {
    let mut out = Vec::new();
    if filter.trim().is_empty() {
        return Ok(out);
    }
    for clause in split_and(filter) {
        let clause = clause.trim();
        let mut parts = clause.splitn(3, char::is_whitespace);
        let (Some(field), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(clause.to_string());
        };
        let value = value.trim();
        if !eq(op, "eq") || value.len() < 2 || !value.starts_with('\'') || !value.ends_with('\'') {
            return Err(clause.to_string());
        }
        let value = value[1..value.len() - 1].replace("''", "'");
        out.push(match field.to_ascii_lowercase().as_str() {
            "resourcetype" => Clause::ResourceType(value),
            "name" => Clause::Name(value),
            "location" => Clause::Location(value),
            "resourcegroup" => Clause::ResourceGroup(value),
            _ => return Err(clause.to_string()),
        });
    }
    Ok(out)
}

/// Splits on ` and ` (any case) outside quoted values.
fn split_and(filter: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    let lower = filter.to_ascii_lowercase();
    let mut i = 0;
    while i < filter.len() {
        let c = filter.as_bytes()[i];
        if c == b'\'' {
            quoted = !quoted;
        } else if !quoted && lower[i..].starts_with(" and ") {
            out.push(&filter[start..i]);
            i += 5;
            start = i;
            continue;
        }
        i += 1;
    }
    out.push(&filter[start..]);
    out
}

/// `GET /subscriptions/{id}/resources`: every resource of the subscription the filter keeps,
/// in ARM's generic resource shape, paged with `nextLink`.
pub(super) fn list(r: &Req<'_>) -> Response {
    if r.method != Method::GET {
        return method_not_allowed();
    }
    let filter = r.q.get("$filter").map(String::as_str).unwrap_or("");
    let clauses = match parse_filter(filter) {
        Ok(c) => c,
        Err(bad) => {
            return arm_error(
                400,
                "InvalidFilterInQueryString",
                &format!("Invalid $filter '{bad}' specified in the query string."),
            );
        }
    };
    let (items, size) = {
        let w = r.emu.world();
        let items: Vec<Value> = w
            .registries
            .iter()
            .filter(|reg| {
                clauses.iter().all(|c| match c {
                    Clause::ResourceType(t) => eq(t, "Microsoft.ContainerRegistry/registries"),
                    Clause::Name(n) => eq(n, &reg.name),
                    Clause::Location(l) => eq(l, &reg.location),
                    Clause::ResourceGroup(g) => eq(g, &reg.resource_group),
                })
            })
            .map(|reg| {
                json!({
                    "id": reg.resource_id(&w.subscription),
                    "name": reg.name,
                    "type": "Microsoft.ContainerRegistry/registries",
                    "sku": {"name": reg.sku, "tier": reg.sku},
                    "location": reg.location,
                    "tags": reg.tags,
                })
            })
            .collect();
        (items, w.arm_page_size)
    };
    // `$top` caps a page as the service does; the next link carries on from there.
    let size =
        r.q.get("$top")
            .and_then(|t| t.parse::<usize>().ok())
            .filter(|t| *t > 0)
            .map_or(size, |t| t.min(size));
    page(r, items, size)
}

/// `GET /metadata/endpoints`: this cloud's endpoints, as the public cloud publishes its own.
/// Read before anyone has signed in, so it asks for no credentials.
pub(super) fn metadata_endpoints(emu: &Emu) -> Response {
    let base = format!("{}/", emu.arm_base);
    json(
        200,
        &json!({
            "name": "AcrdeckEmulator",
            "resourceManager": base,
            "portal": "https://portal.acrdeck.invalid/",
            "galleryEndpoint": "https://gallery.acrdeck.invalid/",
            "gallery": "https://gallery.acrdeck.invalid/",
            "graphEndpoint": "https://graph.acrdeck.invalid/",
            "graph": "https://graph.acrdeck.invalid/",
            "graphAudience": "https://graph.acrdeck.invalid/",
            "microsoftGraphResourceId": "https://graph.acrdeck.invalid/",
            "sqlManagement": "https://sql.acrdeck.invalid:8443/",
            "batch": "https://batch.acrdeck.invalid/",
            "media": "https://media.acrdeck.invalid/",
            "activeDirectoryDataLake": "https://datalake.acrdeck.invalid/",
            "vmImageAliasDoc": "https://aliases.acrdeck.invalid/aliases.json",
            "authentication": {
                "loginEndpoint": base,
                "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "suffixes": {
                "acrLoginServer": "azurecr.io",
                "storage": "core.windows.net",
                "keyVaultDns": "vault.azure.net",
                "sqlServerHostname": "database.windows.net",
                "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
                "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            },
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_the_az_cli_sends_are_read() {
        assert_eq!(
            parse_filter("resourceType eq 'Microsoft.ContainerRegistry/registries'"),
            Ok(vec![Clause::ResourceType(
                "Microsoft.ContainerRegistry/registries".into()
            )])
        );
        assert_eq!(
            parse_filter("resourceType eq 'a' AND name eq 'it''s and more'"),
            Ok(vec![
                Clause::ResourceType("a".into()),
                Clause::Name("it's and more".into())
            ])
        );
        assert!(parse_filter("substringof('x', name)").is_err());
        assert!(parse_filter("name ne 'x'").is_err());
        assert_eq!(parse_filter(""), Ok(vec![]));
    }
}
