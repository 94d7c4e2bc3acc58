//! A local Azure Container Registry: Entra token service, Azure Resource Manager, one data-plane
//! listener per registry, an upstream registry for imports, and the log blobs of task runs, all
//! over HTTPS on loopback, with a living world and switchable faults.
//!
//! It shares nothing with `crate::acr` but the wire format both are checked against (Microsoft's
//! official examples), so the two can catch each other's mistakes.

mod admin;
mod arm;
mod assertion;
mod blobs;
mod clock;
mod dataplane;
mod entra;
mod errors;
pub mod faults;
pub mod images;
mod jwt;
pub mod model;
pub mod runs;
mod scale;
mod scripts;
mod server;
mod tls;
pub mod world;
pub mod worldfile;

pub use server::RequestRecord;
pub use worldfile::Scale;

use axum::Router;
use axum::routing::{get, post};
use chrono::Utc;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;
use tokio::sync::watch;
use world::World;

/// Lifetimes of the tokens the emulator issues, in seconds (as the real services).
pub const AAD_TOKEN_SECS: i64 = 3599;
pub const ACR_REFRESH_SECS: i64 = 3 * 3600;
pub const ACR_ACCESS_SECS: i64 = 75 * 60;

/// Shared state of a running emulator.
pub struct Emu {
    world: Mutex<World>,
    signer: jwt::Signer,
    pub faults: faults::Faults,
    pub requests: server::RequestLog,
    /// Base URL of ARM and of the token service (one listener).
    pub arm_base: String,
    /// Base URL of the log blob service.
    pub blob_base: String,
    /// Serial number of the next token issued (the leading part of its `jti`).
    token_serial: AtomicI64,
    /// Tokens with a serial below this are refused: the token-expiry fault. A serial rather than
    /// a time, so a token issued right after the fault (within the same second) is good.
    tokens_not_before: AtomicI64,
    acr_tokens_not_before: AtomicI64,
    /// Rewrite the digest of the next import's result (a fault for digest verification).
    pub rewrite_next_import: AtomicBool,
    /// Wakes the clock when a request may have scheduled something.
    clock: tokio::sync::Notify,
    /// The most items a page of ACR's own listings (catalog, tags, manifests) holds, whatever
    /// `n` asks: the service's 1,000 unless a test lowers it to page a small listing finely.
    acr_page_limit: AtomicUsize,
    /// Where callers stand: inside the private network (the jump box's place, the default) or
    /// outside it. Every caller reaches the emulator on loopback, so the place is a setting of
    /// the emulated world rather than read off an address.
    callers_outside: AtomicBool,
}

/// ACR answers at most 1,000 repositories, tags or manifests a page, whatever `n` asks
/// (what the ACR team states for its listings; README.md lists each limit the emulator applies
/// and its source).
pub const ACR_PAGE_LIMIT: usize = 1000;

impl Emu {
    /// See [`Emu::set_acr_page_limit`].
    pub fn acr_page_limit(&self) -> usize {
        self.acr_page_limit.load(Ordering::Relaxed)
    }

    /// Lowers (or restores) the most items a page of ACR's listings holds.
    /// Whether callers stand outside the private network: registries whose public network
    /// access is disabled then refuse their data plane (see `admin` `/network`).
    pub fn callers_outside(&self) -> bool {
        self.callers_outside.load(Ordering::Relaxed)
    }

    pub fn set_callers_outside(&self, outside: bool) {
        self.callers_outside.store(outside, Ordering::Relaxed);
    }

    pub fn set_acr_page_limit(&self, n: usize) {
        self.acr_page_limit.store(n.clamp(1, ACR_PAGE_LIMIT), Ordering::Relaxed);
    }

    /// The world, locked. Critical sections are short and never await.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn registry_sku(&self, name: &str) -> Option<String> {
        self.world()
            .registries
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.sku.clone())
    }

    fn now() -> i64 {
        Utc::now().timestamp()
    }

    /// An Entra access token for `audience`, issued to `principal`.
    pub fn sign_aad_token(&self, audience: &str, principal: &world::Principal) -> String {
        let tenant = self.world().tenant.clone();
        let now = Self::now();
        self.sign(&serde_json::json!({
            "aud": audience,
            "iss": format!("https://sts.windows.net/{tenant}/"),
            "iat": now, "nbf": now, "exp": now + AAD_TOKEN_SECS,
            "appid": principal.client_id, "appidacr": "1", "idtyp": "app",
            "oid": principal.object_id, "sub": principal.object_id,
            "tid": tenant, "ver": "1.0", "app_displayname": principal.display_name,
        }))
    }

    /// Verifies a token this emulator issued.
    pub fn verify(&self, token: &str) -> Result<serde_json::Value, &'static str> {
        let claims = self.signer.verify(token, Self::now(), 0)?;
        // Registry tokens carry a grant_type; Entra tokens do not.
        let not_before = if claims.get("grant_type").is_some() {
            self.acr_tokens_not_before.load(Ordering::SeqCst)
        } else {
            self.tokens_not_before.load(Ordering::SeqCst)
        };
        if serial_of(&claims) < not_before {
            return Err("expired");
        }
        Ok(claims)
    }

    /// Makes every token issued so far invalid, as if they had all expired; with
    /// `registry_only`, only the registries' refresh and access tokens (Entra tokens live on, as
    /// they do when an ACR token's shorter lifetime runs out mid-session).
    pub fn expire_tokens(&self, registry_only: bool) {
        let at = self.token_serial.load(Ordering::SeqCst);
        self.acr_tokens_not_before.store(at, Ordering::SeqCst);
        if !registry_only {
            self.tokens_not_before.store(at, Ordering::SeqCst);
        }
    }

    /// Tells the clock the world changed (a run scheduled, an import started).
    pub fn wake(&self) {
        self.clock.notify_one();
    }

    async fn woken(&self) {
        self.clock.notified().await
    }

    /// Signs a token, numbering it in its `jti` (`<serial>-<uuid>`; a client reads `jti` as
    /// opaque, as it is in the real service's tokens).
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let serial = self.token_serial.fetch_add(1, Ordering::SeqCst);
        let mut claims = claims.clone();
        if let Some(map) = claims.as_object_mut() {
            map.insert("jti".into(), format!("{serial}-{}", uuid::Uuid::new_v4()).into());
        }
        self.signer.sign(&claims)
    }

    pub fn sas_signature(&self, text: &str) -> String {
        self.signer.sas_signature(text)
    }
}

/// The serial a token was signed with (see [`Emu::sign`]); a token without one counts as the
/// oldest.
fn serial_of(claims: &serde_json::Value) -> i64 {
    claims["jti"]
        .as_str()
        .and_then(|j| j.split('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(-1)
}

/// How to start an emulator.
pub struct Options {
    /// Address of the ARM and token listener; every other listener uses the same IP, port 0.
    pub listen: SocketAddr,
    pub state_dir: PathBuf,
    /// World file text (the demo world when not given).
    pub world: Option<String>,
    pub scale: Scale,
}

/// What `acrdeck emulator` prints once it is ready, and what `--demo` connects to.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ReadyInfo {
    pub arm: String,
    pub authority: String,
    pub tenant: String,
    pub subscription: String,
    pub client_id: String,
    pub client_secret: String,
    pub ca_cert: PathBuf,
    pub registries: BTreeMap<String, String>,
    pub upstream: String,
    pub blob: String,
    pub admin: String,
    pub config: PathBuf,
    /// A PEM file with a certificate registered on the principal and its private key, for
    /// signing in with `method = "client-certificate"`.
    #[serde(default)]
    pub certificate: PathBuf,
    /// The second operator, when the world has one: its sign-in and an acrdeck configuration
    /// that uses it (the same registries and stages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<ReadyApprover>,
}

/// A second operator's sign-in, for playing two people against one emulator.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ReadyApprover {
    pub client_id: String,
    pub client_secret: String,
    pub object_id: String,
    pub display_name: String,
    pub config: PathBuf,
}

pub struct Running {
    pub info: ReadyInfo,
    pub emu: Arc<Emu>,
    shutdown: watch::Sender<bool>,
}

impl Running {
    /// Stops every listener and the clock.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, String> {
    let addr = SocketAddr::new(ip, port);
    if !ip.is_loopback() {
        return Err(format!(
            "the emulator listens on loopback addresses only (127.0.0.1, ::1), not {ip}"
        ));
    }
    TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

fn host_port(l: &TcpListener) -> Result<String, String> {
    let a = l.local_addr().map_err(|e| e.to_string())?;
    Ok(match a.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", a.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", a.port()),
    })
}

/// Starts the demo world in this process with its files in `dir`, cleared first: yesterday's
/// demo state is of no use. `--demo` and `doctor --demo` stand on it.
pub async fn start_demo(dir: PathBuf) -> Result<Running, String> {
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot clear the demo state in {}: {e}", dir.display()))?;
    }
    start(Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        state_dir: dir,
        world: None,
        scale: Default::default(),
    })
    .await
    .map_err(|e| format!("the demo emulator did not start: {e}"))
}

/// Starts an emulator: binds every listener, builds the world, writes the CA and a ready-made
/// acrdeck config into the state dir, and serves until [`Running::stop`] or drop.
pub async fn start(options: Options) -> Result<Running, String> {
    let text = options.world.as_deref().unwrap_or(worldfile::DEMO_WORLD);
    let file = worldfile::parse(text)?;
    std::fs::create_dir_all(&options.state_dir)
        .map_err(|e| format!("cannot create the state dir {}: {e}", options.state_dir.display()))?;
    let ip = options.listen.ip();

    let arm_l = bind(ip, options.listen.port()).await?;
    let blob_l = bind(ip, 0).await?;
    let admin_l = bind(ip, 0).await?;
    let upstream_l = bind(ip, 0).await?;
    let mut names: Vec<String> = file.registries.iter().map(|r| r.name.clone()).collect();
    names.extend(options.scale.registry_names());
    let mut reg_ls = Vec::new();
    for name in &names {
        let l = bind(ip, 0).await?;
        reg_ls.push((name.clone(), host_port(&l)?, l));
    }
    let login_servers: BTreeMap<String, String> = reg_ls.iter().map(|(n, h, _)| (n.clone(), h.clone())).collect();

    let mut world = worldfile::build(&file, Utc::now(), options.scale, &login_servers)?;
    world.upstream.login_server = host_port(&upstream_l)?;

    let (registered, certificate_pem) = assertion::generate(&world.principal.display_name)?;
    world.principal.certificates.push(registered);
    let certificate_path = options.state_dir.join("principal-certificate.pem");
    write_private(&certificate_path, &certificate_pem)?;

    let tls = tls::make()?;
    let ca_path = options.state_dir.join("ca.pem");
    std::fs::write(&ca_path, &tls.ca_pem).map_err(|e| format!("cannot write {}: {e}", ca_path.display()))?;

    let arm_base = format!("https://{}", host_port(&arm_l)?);
    let blob_base = format!("https://{}", host_port(&blob_l)?);
    let admin_base = format!("https://{}", host_port(&admin_l)?);
    let info_base = ReadyInfo {
        arm: arm_base.clone(),
        authority: arm_base.clone(),
        tenant: world.tenant.clone(),
        subscription: world.subscription.clone(),
        client_id: world.principal.client_id.clone(),
        client_secret: world.principal.client_secret.clone(),
        ca_cert: ca_path.clone(),
        registries: login_servers.clone(),
        upstream: world.upstream.login_server.clone(),
        blob: blob_base.clone(),
        admin: admin_base,
        config: options.state_dir.join("acrdeck.toml"),
        certificate: certificate_path,
        approver: world.approver.as_ref().map(|a| ReadyApprover {
            client_id: a.client_id.clone(),
            client_secret: a.client_secret.clone(),
            object_id: a.object_id.clone(),
            display_name: a.display_name.clone(),
            config: options.state_dir.join("acrdeck-approver.toml"),
        }),
    };
    let stages: Vec<(String, String)> = world
        .registries
        .iter()
        .filter_map(|r| {
            r.tags
                .get("stage")
                .map(|s| (s.clone(), r.resource_id(&world.subscription)))
        })
        .collect();
    write_config(&info_base, &stages, &options.state_dir, None)?;
    if let Some(a) = &info_base.approver {
        write_config(&info_base, &stages, &options.state_dir, Some(a))?;
    }

    let emu = Arc::new(Emu {
        world: Mutex::new(world),
        signer: jwt::Signer::new(),
        faults: Default::default(),
        requests: Default::default(),
        arm_base: arm_base.clone(),
        blob_base,
        token_serial: AtomicI64::new(0),
        tokens_not_before: AtomicI64::new(0),
        acr_tokens_not_before: AtomicI64::new(0),
        rewrite_next_import: AtomicBool::new(false),
        clock: tokio::sync::Notify::new(),
        acr_page_limit: AtomicUsize::new(ACR_PAGE_LIMIT),
        callers_outside: AtomicBool::new(false),
    });
    let (tx, rx) = watch::channel(false);

    let arm_router = Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(entra::token))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(entra::openid_configuration),
        )
        .route("/common/discovery/instance", get(entra::instance_discovery))
        .fallback(arm::dispatch)
        .with_state(emu.clone());
    server::spawn(
        arm_l,
        server::instrument(arm_router, emu.clone(), "arm"),
        tls.server.clone(),
        rx.clone(),
    );
    let blob_router = Router::new().fallback(blobs::dispatch).with_state(emu.clone());
    server::spawn(
        blob_l,
        server::instrument(blob_router, emu.clone(), "blob"),
        tls.server.clone(),
        rx.clone(),
    );
    let admin_router = admin::router(emu.clone());
    server::spawn(admin_l, admin_router, tls.server.clone(), rx.clone());
    let up_router = dataplane::router(emu.clone(), dataplane::Target::Upstream);
    server::spawn(
        upstream_l,
        server::instrument(up_router, emu.clone(), "upstream"),
        tls.server.clone(),
        rx.clone(),
    );
    for (name, _, l) in reg_ls {
        let router = dataplane::router(emu.clone(), dataplane::Target::Registry(name.clone()));
        server::spawn(
            l,
            server::instrument(router, emu.clone(), &format!("registry:{name}")),
            tls.server.clone(),
            rx.clone(),
        );
    }
    clock::spawn(emu.clone(), rx);
    Ok(Running {
        info: info_base,
        emu,
        shutdown: tx,
    })
}

/// Writes `acrdeck.toml` (custom cloud = this emulator, client-secret sign-in, the CA bundle,
/// the stages, the demo images.txt) and the secret file it points at, readable only by the owner.
/// With `approver`, the second operator's configuration instead (`acrdeck-approver.toml`).
fn write_config(
    info: &ReadyInfo,
    stages: &[(String, String)],
    dir: &Path,
    approver: Option<&ReadyApprover>,
) -> Result<(), String> {
    let (client_id, secret, secret_path, config) = match approver {
        None => (
            &info.client_id,
            &info.client_secret,
            dir.join("client-secret"),
            &info.config,
        ),
        Some(a) => (
            &a.client_id,
            &a.client_secret,
            dir.join("approver-client-secret"),
            &a.config,
        ),
    };
    write_private(&secret_path, secret)?;
    let images_path = dir.join("images.txt");
    std::fs::write(&images_path, include_str!("../../assets/demo-images.txt"))
        .map_err(|e| format!("cannot write {}: {e}", images_path.display()))?;
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut c = String::new();
    c.push_str("# Written by `acrdeck emulator`: an acrdeck configuration for this emulator.\n");
    c.push_str(&format!(
        "tenant = {}\nsubscriptions = [{}]\n\n",
        q(&info.tenant),
        q(&info.subscription)
    ));
    c.push_str(&format!(
        "[cloud]\nname = \"Custom\"\narm_endpoint = {}\nauthority_host = {}\nacr_suffix = \"127.0.0.1\"\n\n",
        q(&info.arm),
        q(&info.authority)
    ));
    c.push_str(&format!(
        "[auth]\nmethod = \"client-secret\"\nclient_id = {}\nclient_secret_file = {}\n\n",
        q(client_id),
        q(&secret_path.display().to_string())
    ));
    c.push_str(&format!(
        "[network]\nca_bundle = {}\n\n",
        q(&info.ca_cert.display().to_string())
    ));
    for (name, id) in stages {
        c.push_str(&format!("[[stages]]\nname = {}\nregistry = {}\n\n", q(name), q(id)));
    }
    if let Some((first, _)) = stages.first() {
        c.push_str(&format!(
            "[[images]]\nfile = {}\nregistry = {}\n\n[images.credentials.\"docker.io\"]\nusername_env = \"ACRDECK_DEMO_DOCKERHUB_USER\"\npassword_env = \"ACRDECK_DEMO_DOCKERHUB_TOKEN\"\n",
            q(&images_path.display().to_string()),
            q(first)
        ));
    }
    write_private(config, &c)
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
