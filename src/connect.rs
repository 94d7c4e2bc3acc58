//! From the configuration file to a ready ACR client: the cloud's endpoints, the sign-in method
//! with its secrets read from their references, and the network settings. This sits above
//! `acr` so the client itself never depends on acrdeck's config format.

use crate::acr::{self, AcrSettings, AuthMethod, Cloud, NetworkSettings};
use crate::config::{self, CloudName, LoadedConfig};
use std::time::Duration;

/// Builds the client settings; errors name the config key and what to do.
pub fn settings(loaded: &LoadedConfig, readonly: bool) -> Result<AcrSettings, String> {
    let c = &loaded.config;
    Ok(AcrSettings {
        cloud: cloud(&c.cloud)?,
        auth: auth(loaded)?,
        network: network(loaded),
        readonly,
    })
}

pub fn cloud(c: &config::CloudConfig) -> Result<Cloud, String> {
    let mut cloud = match c.name.get_ref() {
        CloudName::AzurePublic => Cloud::azure_public(),
        CloudName::AzureChina => Cloud::azure_china(),
        CloudName::AzureUSGovernment => Cloud::azure_us_government(),
        CloudName::Custom => {
            let need = |v: &Option<String>, key: &str| {
                v.clone()
                    .ok_or_else(|| format!("[cloud] {key} is required for the Custom cloud"))
            };
            return Cloud::custom(
                &need(&c.arm_endpoint, "arm_endpoint")?,
                &need(&c.authority_host, "authority_host")?,
                &need(&c.acr_suffix, "acr_suffix")?,
                c.arm_audience.as_deref(),
            )
            .map_err(|e| format!("[cloud]: {e}"));
        }
    };
    // A named cloud may still have an endpoint overridden (a private ARM endpoint).
    if let Some(arm) = &c.arm_endpoint {
        cloud.arm_endpoint = url::Url::parse(arm).map_err(|e| format!("[cloud] arm_endpoint: {e}"))?;
    }
    if let Some(a) = &c.authority_host {
        cloud.authority_host = url::Url::parse(a).map_err(|e| format!("[cloud] authority_host: {e}"))?;
    }
    if let Some(s) = &c.acr_suffix {
        cloud.acr_suffix = s.clone();
    }
    if let Some(a) = &c.arm_audience {
        cloud.arm_audience = a.clone();
    }
    Ok(cloud)
}

fn auth(loaded: &LoadedConfig) -> Result<AuthMethod, String> {
    let c = &loaded.config;
    let a = &c.auth;
    let tenant = || {
        c.tenant
            .clone()
            .ok_or_else(|| format!("auth method `{}` needs `tenant`", a.method.as_str()))
    };
    let client_id = || {
        a.client_id
            .clone()
            .ok_or_else(|| format!("auth method `{}` needs [auth] client_id", a.method.as_str()))
    };
    let path = |p: &std::path::PathBuf| loaded.resolve_path(p);
    Ok(match a.method {
        config::AuthMethod::AzureCli => AuthMethod::AzureCli {
            tenant: c.tenant.clone(),
        },
        config::AuthMethod::ManagedIdentity => AuthMethod::ManagedIdentity {
            client_id: a.client_id.clone(),
        },
        config::AuthMethod::WorkloadIdentity => AuthMethod::WorkloadIdentity {
            tenant: tenant()?,
            client_id: client_id()?,
            token_file: None,
        },
        config::AuthMethod::ClientSecret => {
            let file = a.client_secret_file.as_ref().map(path);
            let secret = acr::auth::secret_from(a.client_secret_env.as_deref(), file.as_deref(), "client secret")
                .map_err(|e| e.to_string())?;
            AuthMethod::ClientSecret {
                tenant: tenant()?,
                client_id: client_id()?,
                secret,
            }
        }
        config::AuthMethod::ClientCertificate => {
            let file = a
                .certificate_file
                .as_ref()
                .map(path)
                .ok_or("auth method `client-certificate` needs [auth] certificate_file")?;
            // The file holds the private key.
            acr::auth::owner_only(&file).map_err(|why| format!("the certificate {}: {why}", file.display()))?;
            let bytes =
                std::fs::read(&file).map_err(|e| format!("cannot read the certificate {}: {e}", file.display()))?;
            let password = if a.certificate_password_env.is_some() || a.certificate_password_file.is_some() {
                let file = a.certificate_password_file.as_ref().map(path);
                Some(
                    acr::auth::secret_from(
                        a.certificate_password_env.as_deref(),
                        file.as_deref(),
                        "certificate password",
                    )
                    .map_err(|e| e.to_string())?,
                )
            } else {
                None
            };
            AuthMethod::ClientCertificate {
                tenant: tenant()?,
                client_id: client_id()?,
                certificate: azure_core::credentials::SecretBytes::new(bytes),
                password,
            }
        }
        config::AuthMethod::RegistryPassword => {
            let username = a
                .username
                .clone()
                .ok_or("auth method `registry-password` needs [auth] username")?;
            let password = acr::auth::secret_from(a.password_env.as_deref(), None, "registry password")
                .map_err(|e| e.to_string())?;
            AuthMethod::RegistryPassword { username, password }
        }
    })
}

fn env_any(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

const PROXY_VARS: [&str; 2] = ["HTTPS_PROXY", "https_proxy"];
const NO_PROXY_VARS: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// Where the proxy and the hosts that bypass it come from: the config's `[network]` or the
/// environment variable that was used (for `doctor`: a proxy nobody remembers setting is a
/// classic on shared jump boxes).
pub fn proxy_sources(loaded: &LoadedConfig) -> (Option<String>, Option<String>) {
    let source = |configured: bool, key: &str, vars: &[&str]| {
        if configured {
            return Some(format!("[network] {key} in the config"));
        }
        vars.iter()
            .find(|n| std::env::var(n).is_ok_and(|v| !v.is_empty()))
            .map(|n| n.to_string())
    };
    let n = &loaded.config.network;
    (
        source(n.proxy.is_some(), "proxy", &PROXY_VARS),
        source(n.no_proxy.is_some(), "no_proxy", &NO_PROXY_VARS),
    )
}

fn network(loaded: &LoadedConfig) -> NetworkSettings {
    let n = &loaded.config.network;
    NetworkSettings {
        proxy: n.proxy.clone().or_else(|| env_any(&PROXY_VARS)),
        no_proxy: n.no_proxy.clone().or_else(|| env_any(&NO_PROXY_VARS)),
        ca_bundle: n.ca_bundle.as_ref().map(|p| loaded.resolve_path(p)),
        connect_timeout: Duration::from_secs(n.connect_timeout_secs),
        read_timeout: Duration::from_secs(n.read_timeout_secs),
        deadline: Duration::from_secs(n.deadline_secs),
        ..NetworkSettings::default()
    }
}
