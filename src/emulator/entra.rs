//! The Microsoft Entra ID stand-in: the v2.0 token endpoint for client credentials, the OpenID
//! discovery document MSAL-based clients read first, and instance discovery. Errors have Entra's
//! shape (`error`, `error_description` with an AADSTS code, `error_codes`, trace ids).

use super::Emu;
use super::assertion::{ASSERTION_TYPE, Refusal};
use super::server::json;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

fn entra_error(status: u16, error: &str, code: u32, description: &str) -> Response {
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let trace = uuid::Uuid::new_v4();
    let correlation = uuid::Uuid::new_v4();
    json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {now}"),
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace.to_string(),
            "correlation_id": correlation.to_string(),
            "error_uri": "https://login.microsoftonline.com/error?code=".to_string() + &code.to_string(),
        }),
    )
}

pub async fn token(
    State(emu): State<Arc<Emu>>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let assertion = form.get("client_assertion").map(String::as_str);
    let (tenant_ok, known, signed_in) = {
        let w = emu.world();
        let id = form.get("client_id").map(String::as_str).unwrap_or("");
        let secret = form.get("client_secret").map(String::as_str).unwrap_or("");
        let signed_in = match assertion {
            // The audience is this tenant's token endpoint, as Entra ID requires.
            Some(jwt) => w
                .principal_asserting(
                    id,
                    jwt,
                    &format!("{}/{tenant}/oauth2/v2.0/token", emu.arm_base),
                    chrono::Utc::now().timestamp(),
                )
                .cloned(),
            None => w.principal_signing_in(id, secret).cloned().ok_or(Refusal {
                error: "invalid_client",
                code: 7000215,
                description: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.".into(),
            }),
        };
        (
            tenant == w.tenant || tenant == "organizations",
            w.principal_named(id).is_some(),
            signed_in,
        )
    };
    if !tenant_ok {
        return entra_error(
            400,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return entra_error(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if !known {
        return entra_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory 'acrdeck-emulator'.",
                form.get("client_id").map(String::as_str).unwrap_or("")
            ),
        );
    }
    if assertion.is_some() && form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
        return entra_error(
            400,
            "invalid_request",
            50027,
            "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
        );
    }
    let principal = match signed_in {
        Ok(p) => p,
        Err(r) => return entra_error(401, r.error, r.code, &r.description),
    };
    let Some(scope) = form.get("scope") else {
        return entra_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    let audience = scope
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches(".default")
        .to_string();
    let access_token = emu.sign_aad_token(&audience, &principal);
    json(
        200,
        &json!({
            "token_type": "Bearer",
            "expires_in": super::AAD_TOKEN_SECS,
            "ext_expires_in": super::AAD_TOKEN_SECS,
            "access_token": access_token,
        }),
    )
}

pub async fn openid_configuration(State(emu): State<Arc<Emu>>, Path(tenant): Path<String>) -> Response {
    let base = &emu.arm_base;
    json(
        200,
        &json!({
            "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/{tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{base}/oidc/userinfo"),
            "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{tenant}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "acrdeck.emulator",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }),
    )
}

/// MSAL's instance discovery: this authority is its own cloud.
pub async fn instance_discovery(State(emu): State<Arc<Emu>>) -> Response {
    let host = emu.arm_base.trim_start_matches("https://").to_string();
    json(
        200,
        &json!({
            "tenant_discovery_endpoint": format!("{}/common/v2.0/.well-known/openid-configuration", emu.arm_base),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }),
    )
}
