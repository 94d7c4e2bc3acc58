//! The shared ACR client: sign-in, Azure Resource Manager, registry data planes and run-log
//! following, on one HTTP layer. It has no UI types and no app state, and depends on nothing
//! else in acrdeck, so any tool can use it.
//!
//! ```no_run
//! # async fn demo() -> acrdeck::acr::Result<()> {
//! use acrdeck::acr::{Acr, AcrSettings, AuthMethod, Cloud, NetworkSettings};
//! use acrdeck::acr::registry::TagOrder;
//! use futures::StreamExt;
//! let acr = Acr::new(AcrSettings {
//!     cloud: Cloud::azure_public(),
//!     auth: AuthMethod::AzureCli { tenant: None },
//!     network: NetworkSettings::default(),
//!     readonly: true,
//! })?;
//! let registry = acr.registry("contosoprod.azurecr.io")?;
//! let mut pages = registry.tags("apps/web", TagOrder::NewestFirst, 100);
//! while let Some(page) = pages.next().await {
//!     for tag in page? {
//!         println!("{} {}", tag.name, tag.digest);
//!     }
//! }
//! # Ok(()) }
//! ```

pub mod arm;
pub mod artifacts;
pub mod auth;
pub mod certificate;
pub mod cloud;
pub mod error;
pub mod http;
pub mod logs;
pub mod model;
pub mod paging;
pub mod registry;

pub use arm::{ArmClient, ImportRequest, ImportSource, OperationProgress, RegistryRef, RunFilter};
pub use auth::{AuthMethod, Identity};
pub use cloud::Cloud;
pub use error::{AcrError, ErrorKind, Failure, Result};
pub use http::NetworkSettings;
pub use registry::RegistryClient;

use std::sync::Arc;

/// Everything needed to build a client.
#[derive(Debug, Clone)]
pub struct AcrSettings {
    pub cloud: Cloud,
    pub auth: AuthMethod,
    pub network: NetworkSettings,
    /// Refuse every mutating call before any network I/O.
    pub readonly: bool,
}

/// The entry point: one per environment, cheap to clone.
#[derive(Clone)]
pub struct Acr {
    http: http::Http,
    cloud: Cloud,
    arm: Option<ArmClient>,
    arm_auth: Option<Arc<auth::ArmAuth>>,
    acr_auth: Arc<auth::AcrAuth>,
    readonly: bool,
    method: &'static str,
}

impl Acr {
    pub fn new(settings: AcrSettings) -> Result<Acr> {
        let http = http::Http::new(&settings.network)?;
        let arm_auth = auth::ArmAuth::new(&settings.auth, &settings.cloud, &http)?.map(Arc::new);
        let arm = arm_auth.as_ref().map(|a| {
            ArmClient::new(
                http.clone(),
                a.clone(),
                settings.cloud.arm_endpoint.clone(),
                settings.readonly,
            )
        });
        let acr_auth = Arc::new(auth::AcrAuth::new(http.clone(), arm_auth.clone(), &settings.auth));
        Ok(Acr {
            http,
            cloud: settings.cloud,
            arm,
            arm_auth,
            acr_auth,
            readonly: settings.readonly,
            method: settings.auth.name(),
        })
    }

    pub fn cloud(&self) -> &Cloud {
        &self.cloud
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    /// Resource Manager; not available when signing in with a registry password.
    pub fn arm(&self) -> Result<&ArmClient> {
        self.arm.as_ref().ok_or_else(|| {
            AcrError::new(
                ErrorKind::Invalid,
                "use Azure Resource Manager",
                "this environment",
                "the registry-password sign-in reaches registries' data planes only",
            )
        })
    }

    /// A registry's data plane, by login server (`contosoprod.azurecr.io`) or name.
    pub fn registry(&self, registry: &str) -> Result<RegistryClient> {
        RegistryClient::new(
            self.http.clone(),
            Some(self.acr_auth.clone()),
            &self.cloud.login_server(registry),
            self.readonly,
        )
    }

    /// A registry that needs no token (a plain OCI distribution registry).
    pub fn anonymous_registry(&self, login_server: &str) -> Result<RegistryClient> {
        RegistryClient::new(self.http.clone(), None, login_server, self.readonly)
    }

    /// Who this client acts as, read from a fresh ARM token.
    pub async fn identity(&self) -> Result<Identity> {
        if let Some(user) = self.acr_auth.password_user() {
            return Ok(Identity {
                principal: user.to_string(),
                object_id: None,
                tenant: None,
                app_id: None,
            });
        }
        let auth = self.arm_auth.as_ref().ok_or_else(|| {
            AcrError::new(
                ErrorKind::Auth,
                "sign in",
                "Microsoft Entra ID",
                "no sign-in configured",
            )
        })?;
        let token = auth.token().await?;
        let claims = auth::jwt_claims(&token).ok_or_else(|| {
            AcrError::new(
                ErrorKind::InvalidResponse,
                format!("sign in ({})", self.method),
                "Microsoft Entra ID",
                "the token is not a JWT",
            )
        })?;
        Ok(Identity::from_claims(&claims))
    }

    /// Saves a run's whole log to a file (see [`logs::download`]).
    pub async fn save_log(&self, link: &str, path: &std::path::Path) -> Result<u64> {
        let url = url::Url::parse(link).map_err(|e| {
            AcrError::new(
                ErrorKind::InvalidResponse,
                "save the run log",
                "the log link",
                e.to_string(),
            )
        })?;
        logs::download(&self.http, &url, path).await
    }

    /// Whether a run log's blob host answers from here (see [`logs::probe`]).
    pub async fn probe_log(&self, link: &str) -> Result<()> {
        let url = url::Url::parse(link).map_err(|e| {
            AcrError::new(
                ErrorKind::InvalidResponse,
                "read the run log",
                "the log link",
                e.to_string(),
            )
        })?;
        logs::probe(&self.http, &url).await
    }

    /// Follows a run's log from byte `offset` (see [`logs::follow`]).
    pub fn follow_log(
        &self,
        link: &str,
        offset: u64,
        options: logs::FollowOptions,
    ) -> Result<tokio::sync::mpsc::Receiver<logs::LogEvent>> {
        let url = url::Url::parse(link).map_err(|e| {
            AcrError::new(
                ErrorKind::InvalidResponse,
                "follow the run log",
                "the log link",
                e.to_string(),
            )
        })?;
        Ok(logs::follow(self.http.clone(), url, offset, options))
    }
}
