//! Signing in. ARM tokens come from `azure_identity` (Azure CLI, managed identity, workload
//! identity, service principal with secret or certificate), never from hand-written Entra flows.
//! Registry tokens follow ACR's exchange: AAD token -> `/oauth2/exchange` -> refresh token ->
//! `/oauth2/token` per scope, cached per registry and scope until shortly before they expire, with
//! at most one exchange in flight per registry. Registries without Entra ID use the admin user or
//! a repository-scoped token (username and password).

use super::cloud::Cloud;
use super::error::{AcrError, ErrorKind, Result};
use super::http::{Http, Req, error_from};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use base64::Engine as _;
use reqwest::Method;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The most of a token endpoint's answer read: a token is a few kilobytes, one for 50 scopes
/// about ten; anything larger is not a token.
const TOKEN_ANSWER_MAX: usize = 256 << 10;

/// Renew a cached token this long before it expires.
const EARLY: i64 = 120;

/// How to sign in, with secrets already resolved from their references.
#[derive(Clone)]
pub enum AuthMethod {
    AzureCli {
        tenant: Option<String>,
    },
    ManagedIdentity {
        client_id: Option<String>,
    },
    WorkloadIdentity {
        tenant: String,
        client_id: String,
        token_file: Option<PathBuf>,
    },
    ClientSecret {
        tenant: String,
        client_id: String,
        secret: Secret,
    },
    /// `certificate`: a PKCS#12 or PEM file's bytes, with the private key.
    ClientCertificate {
        tenant: String,
        client_id: String,
        certificate: azure_core::credentials::SecretBytes,
        password: Option<Secret>,
    },
    /// Admin user or repository-scoped token: data plane only.
    RegistryPassword {
        username: String,
        password: Secret,
    },
}

impl AuthMethod {
    pub fn name(&self) -> &'static str {
        match self {
            AuthMethod::AzureCli { .. } => "azure-cli",
            AuthMethod::ManagedIdentity { .. } => "managed-identity",
            AuthMethod::WorkloadIdentity { .. } => "workload-identity",
            AuthMethod::ClientSecret { .. } => "client-secret",
            AuthMethod::ClientCertificate { .. } => "client-certificate",
            AuthMethod::RegistryPassword { .. } => "registry-password",
        }
    }
}

impl std::fmt::Debug for AuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets.
        write!(f, "AuthMethod({})", self.name())
    }
}

/// Reads a secret named by reference: an environment variable, or a file only its owner reads.
pub fn secret_from(env: Option<&str>, file: Option<&std::path::Path>, what: &str) -> Result<Secret> {
    let fail = |target: String, msg: String| {
        Err(AcrError::new(
            ErrorKind::Invalid,
            format!("read the {what}"),
            target,
            msg,
        ))
    };
    if let Some(var) = env {
        return match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim().to_string())),
            _ => fail(format!("environment variable {var}"), "it is not set or empty".into()),
        };
    }
    if let Some(path) = file {
        if let Err(why) = owner_only(path) {
            return fail(path.display().to_string(), why);
        }
        return match std::fs::read_to_string(path) {
            Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim().to_string())),
            Ok(_) => fail(path.display().to_string(), "the file is empty".into()),
            Err(e) => fail(path.display().to_string(), e.to_string()),
        };
    }
    fail(
        "the config file".into(),
        format!("no reference to the {what} is configured"),
    )
}

/// Refuses a file of secrets (a password, a private key) that others on the machine can read,
/// as ssh refuses such a key: on a shared jump box, anyone could act as this identity.
pub fn owner_only(path: &std::path::Path) -> std::result::Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            return Err(format!(
                "the file is readable by others (mode {:o}); run `chmod 600` on it",
                meta.permissions().mode() & 0o777
            ));
        }
    }
    let _ = path;
    Ok(())
}

/// Who acrdeck acts as, read from the token's claims.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// User principal name for people, the application's name or id for service principals.
    pub principal: String,
    pub object_id: Option<String>,
    pub tenant: Option<String>,
    pub app_id: Option<String>,
}

/// The claims of a JWT, unverified (the issuer verifies; we only read who we are and when the
/// token expires).
pub fn jwt_claims(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

impl Identity {
    pub fn from_claims(c: &serde_json::Value) -> Identity {
        let s = |k: &str| c.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let principal = s("upn")
            .or_else(|| s("unique_name"))
            .or_else(|| s("preferred_username"))
            .or_else(|| s("app_displayname"))
            .or_else(|| s("appid"))
            .or_else(|| s("sub"))
            .unwrap_or_else(|| "unknown".into());
        Identity {
            principal,
            object_id: s("oid"),
            tenant: s("tid"),
            app_id: s("appid"),
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// ARM tokens through azure_identity.
pub struct ArmAuth {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    method: &'static str,
}

impl ArmAuth {
    pub fn new(method: &AuthMethod, cloud: &Cloud, http: &Http) -> Result<Option<ArmAuth>> {
        let mut custom = azure_core::cloud::CustomConfiguration::default();
        custom.authority_host = cloud.authority_host.as_str().trim_end_matches('/').to_string();
        let client_options = || ClientOptions {
            cloud: Some(Arc::new(custom.clone().into())),
            // Same TLS trust (CA bundle) and proxy as every other call.
            transport: Some(Transport::new(Arc::new(http.reqwest().clone()))),
            // Sign-in failures are shown within seconds, not after the SDK's minute of silent
            // retries: the next refresh signs in again anyway.
            retry: RetryOptions::exponential(ExponentialRetryOptions {
                initial_delay: azure_core::time::Duration::milliseconds(500),
                max_retries: 3,
                max_total_elapsed: azure_core::time::Duration::seconds(15),
                max_delay: azure_core::time::Duration::seconds(5),
            }),
            ..Default::default()
        };
        let fail = |e: azure_core::Error| {
            AcrError::new(
                ErrorKind::Auth,
                format!("set up {} sign-in", method.name()),
                "Microsoft Entra ID",
                e.to_string(),
            )
        };
        let credential: Arc<dyn TokenCredential> = match method {
            AuthMethod::RegistryPassword { .. } => return Ok(None),
            AuthMethod::AzureCli { tenant } => {
                azure_identity::AzureCliCredential::new(Some(azure_identity::AzureCliCredentialOptions {
                    tenant_id: tenant.clone(),
                    ..Default::default()
                }))
                .map_err(fail)?
            }
            AuthMethod::ManagedIdentity { client_id } => {
                azure_identity::ManagedIdentityCredential::new(Some(azure_identity::ManagedIdentityCredentialOptions {
                    user_assigned_id: client_id.clone().map(azure_identity::UserAssignedId::ClientId),
                    client_options: client_options(),
                }))
                .map_err(fail)?
            }
            AuthMethod::WorkloadIdentity {
                tenant,
                client_id,
                token_file,
            } => {
                let mut options = azure_identity::WorkloadIdentityCredentialOptions {
                    client_id: Some(client_id.clone()),
                    tenant_id: Some(tenant.clone()),
                    token_file_path: token_file.clone(),
                    ..Default::default()
                };
                options.credential_options.client_options = client_options();
                azure_identity::WorkloadIdentityCredential::new(Some(options)).map_err(fail)?
            }
            AuthMethod::ClientSecret {
                tenant,
                client_id,
                secret,
            } => azure_identity::ClientSecretCredential::new(
                tenant,
                client_id.clone(),
                secret.clone(),
                Some(azure_identity::ClientSecretCredentialOptions {
                    client_options: client_options(),
                }),
            )
            .map_err(fail)?,
            AuthMethod::ClientCertificate {
                tenant,
                client_id,
                certificate,
                password,
            } => {
                let signing = super::certificate::SigningCertificate::load(
                    certificate.bytes(),
                    password.as_ref().map(|p| p.secret()),
                )
                .map_err(|why| {
                    AcrError::new(
                        ErrorKind::Invalid,
                        "read the sign-in certificate (client-certificate)",
                        "[auth] certificate_file",
                        why,
                    )
                })?;
                let audience = format!(
                    "{}/{tenant}/oauth2/v2.0/token",
                    cloud.authority_host.as_str().trim_end_matches('/')
                );
                tracing::info!(thumbprint = %signing.thumbprint_hex(), "signing in with a certificate");
                azure_identity::ClientAssertionCredential::new(
                    tenant.clone(),
                    client_id.clone(),
                    super::certificate::CertificateAssertion {
                        certificate: Arc::new(signing),
                        client_id: client_id.clone(),
                        audience,
                    },
                    Some(azure_identity::ClientAssertionCredentialOptions {
                        client_options: client_options(),
                    }),
                )
                .map_err(fail)?
            }
        };
        Ok(Some(ArmAuth {
            credential,
            scope: cloud.arm_scope(),
            method: method.name(),
        }))
    }

    /// A current ARM token (azure_identity caches and renews it).
    pub async fn token(&self) -> Result<String> {
        self.token_for(&self.scope).await
    }

    pub async fn token_for(&self, scope: &str) -> Result<String> {
        self.credential
            .get_token(&[scope], None)
            .await
            .map(|t| t.token.secret().to_string())
            .map_err(|e| {
                let text = super::http::redact_text(&format!("{e}"));
                let mut err = AcrError::new(
                    ErrorKind::Auth,
                    format!("sign in ({})", self.method),
                    "Microsoft Entra ID",
                    text.clone(),
                );
                err.code = text
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .find(|w| w.starts_with("AADSTS"))
                    .map(str::to_string);
                err
            })
    }
}

#[derive(Clone)]
struct Cached {
    /// Shared: one token covering many scopes is held once, under each of them.
    token: Arc<str>,
    expires: i64,
}

impl Cached {
    fn from_jwt(token: String, fallback_secs: i64) -> Cached {
        let expires = jwt_claims(&token)
            .and_then(|c| c["exp"].as_i64())
            .unwrap_or(now() + fallback_secs);
        Cached {
            token: token.into(),
            expires,
        }
    }
    fn fresh(&self) -> bool {
        self.expires - EARLY > now()
    }
}

/// ACR data-plane tokens.
pub struct AcrAuth {
    http: Http,
    arm: Option<Arc<ArmAuth>>,
    password: Option<(String, Secret)>,
    tenant: Option<String>,
    /// One lock per registry: at most one exchange in flight for it.
    exchange_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
    access: Mutex<HashMap<(String, String), Cached>>,
}

impl AcrAuth {
    pub fn new(http: Http, arm: Option<Arc<ArmAuth>>, method: &AuthMethod) -> AcrAuth {
        let password = match method {
            AuthMethod::RegistryPassword { username, password } => Some((username.clone(), password.clone())),
            _ => None,
        };
        let tenant = match method {
            AuthMethod::AzureCli { tenant } => tenant.clone(),
            AuthMethod::WorkloadIdentity { tenant, .. }
            | AuthMethod::ClientSecret { tenant, .. }
            | AuthMethod::ClientCertificate { tenant, .. } => Some(tenant.clone()),
            _ => None,
        };
        AcrAuth {
            http,
            arm,
            password,
            tenant,
            exchange_locks: Mutex::default(),
            access: Mutex::default(),
        }
    }

    /// An access token for `scope` (`repository:apps/web:pull`) on `login_server`.
    pub async fn token(&self, login_server: &str, scope: &str) -> Result<String> {
        if let Some(t) = self.cached(login_server, scope) {
            return Ok(t);
        }
        self.fetch(login_server, &[scope]).await?;
        self.cached_any(login_server, scope).ok_or_else(|| {
            AcrError::new(
                ErrorKind::Auth,
                "get a registry token",
                login_server,
                "no token was kept",
            )
        })
    }

    /// Asks for one token that covers every scope in `scopes` not already held (the Docker
    /// token protocol takes several `scope` parameters), so that the calls that follow, one per
    /// scope, need no token request each. Reading the details of a hundred repositories then
    /// costs one token request instead of a hundred.
    pub async fn prefetch(&self, login_server: &str, scopes: &[String]) -> Result<()> {
        let missing: Vec<&str> = scopes
            .iter()
            .map(String::as_str)
            .filter(|s| self.cached(login_server, s).is_none())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        self.fetch(login_server, &missing).await
    }

    /// The held token for a scope, if it is not about to expire.
    fn cached(&self, login_server: &str, scope: &str) -> Option<String> {
        self.access
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(login_server.to_string(), scope.to_string()))
            .filter(|c| c.fresh())
            .map(|c| c.token.to_string())
    }

    /// The held token for a scope, even one about to expire (just fetched with a short life).
    fn cached_any(&self, login_server: &str, scope: &str) -> Option<String> {
        self.access
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(login_server.to_string(), scope.to_string()))
            .map(|c| c.token.to_string())
    }

    /// One token request for `scopes`, its answer kept under each of them. Requests to one
    /// registry go one at a time, so concurrent callers wanting the same scope wait for the one
    /// request in flight and then find its token held.
    async fn fetch(&self, login_server: &str, scopes: &[&str]) -> Result<()> {
        let lock = self
            .exchange_locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(login_server.to_string())
            .or_default()
            .clone();
        let mut refresh = lock.lock().await;
        // Someone else may have fetched them while we waited.
        let scopes: Vec<&str> = scopes
            .iter()
            .copied()
            .filter(|s| self.cached(login_server, s).is_none())
            .collect();
        if scopes.is_empty() {
            return Ok(());
        }
        let access = if let Some((user, pass)) = &self.password {
            self.token_request(
                login_server,
                &scopes,
                &[
                    ("grant_type", "password"),
                    ("username", user),
                    ("password", pass.secret()),
                ],
            )
            .await?
        } else {
            let rt = match refresh.as_ref().filter(|c| c.fresh()) {
                Some(c) => c.token.to_string(),
                None => {
                    let c = self.exchange(login_server).await?;
                    let t = c.token.to_string();
                    *refresh = Some(c);
                    t
                }
            };
            self.token_request(
                login_server,
                &scopes,
                &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
            )
            .await?
        };
        let cached = Cached::from_jwt(access, 300);
        let mut held = self.access.lock().unwrap_or_else(|p| p.into_inner());
        // Expired tokens of other scopes go too, so a long session holds only what it uses.
        held.retain(|_, c| c.expires > now());
        for s in scopes {
            held.insert((login_server.to_string(), s.to_string()), cached.clone());
        }
        Ok(())
    }

    /// Forgets tokens for a registry after it refused one (401), so the next call re-exchanges.
    pub async fn invalidate(&self, login_server: &str) {
        self.access
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(ls, _), _| ls != login_server);
        let lock = self
            .exchange_locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(login_server)
            .cloned();
        if let Some(l) = lock {
            *l.lock().await = None;
        }
    }

    async fn exchange(&self, login_server: &str) -> Result<Cached> {
        let arm = self.arm.as_ref().ok_or_else(|| {
            AcrError::new(
                ErrorKind::Auth,
                "sign in to the registry",
                login_server,
                "no Entra ID sign-in is configured",
            )
        })?;
        let aad = arm.token().await?;
        let url = url::Url::parse(&format!("https://{login_server}/oauth2/exchange")).map_err(|e| {
            AcrError::new(
                ErrorKind::Invalid,
                "sign in to the registry",
                login_server,
                e.to_string(),
            )
        })?;
        let mut pairs = vec![
            ("grant_type", "access_token"),
            ("service", login_server),
            ("access_token", aad.as_str()),
        ];
        if let Some(t) = &self.tenant {
            pairs.push(("tenant", t));
        }
        let req = Req::new(
            Method::POST,
            url,
            "exchange the Entra token for a registry refresh token",
            login_server,
        )
        // Asking for a token again only issues another token.
        .idempotent()
        .max_body(TOKEN_ANSWER_MAX)
        .form(&pairs);
        let resp = self.http.send(&req, None).await?;
        if !resp.status.is_success() {
            let mut e = error_from(&resp, &req.operation, login_server);
            e.kind = ErrorKind::Auth;
            return Err(e);
        }
        let v: serde_json::Value = resp.json(&req.operation, login_server)?;
        let rt = v["refresh_token"].as_str().ok_or_else(|| {
            AcrError::new(
                ErrorKind::InvalidResponse,
                req.operation.clone(),
                login_server,
                "no refresh_token in the answer",
            )
        })?;
        Ok(Cached::from_jwt(rt.to_string(), 3 * 3600))
    }

    async fn token_request(&self, login_server: &str, scopes: &[&str], grant: &[(&str, &str)]) -> Result<String> {
        let url = url::Url::parse(&format!("https://{login_server}/oauth2/token"))
            .map_err(|e| AcrError::new(ErrorKind::Invalid, "get a registry token", login_server, e.to_string()))?;
        let mut pairs: Vec<(&str, &str)> = grant.to_vec();
        pairs.push(("service", login_server));
        pairs.extend(scopes.iter().map(|s| ("scope", *s)));
        let what = match scopes {
            [one] => one.to_string(),
            [first, ..] => format!("{first} and {} more scopes", scopes.len() - 1),
            [] => "the registry".to_string(),
        };
        let req = Req::new(
            Method::POST,
            url,
            format!("get a registry token for {what}"),
            login_server,
        )
        .idempotent()
        .max_body(TOKEN_ANSWER_MAX)
        .form(&pairs);
        let resp = self.http.send(&req, None).await?;
        if !resp.status.is_success() {
            let mut e = error_from(&resp, &req.operation, login_server);
            e.kind = if resp.status.as_u16() == 403 {
                ErrorKind::Forbidden
            } else {
                ErrorKind::Auth
            };
            return Err(e);
        }
        let v: serde_json::Value = resp.json(&req.operation, login_server)?;
        v["access_token"].as_str().map(str::to_string).ok_or_else(|| {
            AcrError::new(
                ErrorKind::InvalidResponse,
                req.operation.clone(),
                login_server,
                "no access_token in the answer",
            )
        })
    }

    /// Who the registry sign-in acts as, when ARM is not used (registry-password).
    pub fn password_user(&self) -> Option<&str> {
        self.password.as_ref().map(|(u, _)| u.as_str())
    }
}

/// How long until a token expires, for display.
pub fn expires_in(token: &str) -> Option<Duration> {
    let exp = jwt_claims(token)?["exp"].as_i64()?;
    u64::try_from(exp - now()).ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_prefers_the_user_then_the_application() {
        let user = serde_json::json!({"upn": "ops@contoso.com", "oid": "o", "tid": "t"});
        assert_eq!(Identity::from_claims(&user).principal, "ops@contoso.com");
        let app = serde_json::json!({"appid": "5f4e", "app_displayname": "deploy-bot", "tid": "t"});
        let id = Identity::from_claims(&app);
        assert_eq!(
            (id.principal.as_str(), id.app_id.as_deref()),
            ("deploy-bot", Some("5f4e"))
        );
    }

    #[test]
    fn claims_decode_without_padding() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"exp":4102444800,"upn":"a"}"#);
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.sig");
        assert_eq!(jwt_claims(&token).unwrap()["upn"], "a");
        assert!(expires_in(&token).unwrap() > Duration::from_secs(3600));
    }

    #[test]
    fn secrets_come_from_env_or_private_files() {
        // SAFETY: single-threaded test setting a variable no other test reads.
        unsafe { std::env::set_var("ACRDECK_TEST_SECRET_X", " s3cret \n") };
        assert_eq!(
            secret_from(Some("ACRDECK_TEST_SECRET_X"), None, "client secret")
                .unwrap()
                .secret(),
            "s3cret"
        );
        assert!(secret_from(Some("ACRDECK_TEST_SECRET_MISSING"), None, "client secret").is_err());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        std::fs::write(&p, "abc").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = secret_from(None, Some(&p), "client secret").unwrap_err();
            assert!(e.message.contains("chmod 600"), "{e}");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert_eq!(secret_from(None, Some(&p), "client secret").unwrap().secret(), "abc");
    }
}
