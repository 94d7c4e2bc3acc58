//! `acrdeck doctor`: what works from this machine, check by check, in order, with timings, and
//! for each failure what to do. The configuration; the proxy in use; TLS to the authority and ARM
//! (with the real client's trust; a failure names the issuer presented); sign-in and the identity;
//! the registry listing; then per stage registry: DNS (private or public addresses, as a private
//! endpoint's would be), the data endpoints' DNS, TLS, the `/v2/` challenge, the token exchange
//! with a catalog read, a runs listing, and the host of a run log's blob (which lives outside the
//! registry's private endpoint). Checks that depend on a failed one are skipped.

use crate::acr::Acr;
use crate::acr::paging::collect;
use crate::config::LoadedConfig;
use serde::Serialize;
use std::net::IpAddr;
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: String,
    pub target: String,
    pub ok: bool,
    /// Passed, but needs doing something about soon (a token about to expire): said, and does
    /// not fail the run.
    pub warning: bool,
    pub millis: u128,
    pub detail: String,
    /// What to do, for a failure.
    pub fix: Option<String>,
}

/// Whether an address is one a private endpoint would resolve to.
pub fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

struct Recorder {
    checks: Vec<Check>,
}

impl Recorder {
    fn record(
        &mut self,
        check: &str,
        target: &str,
        started: Instant,
        result: Result<String, (String, String)>,
    ) -> bool {
        let millis = started.elapsed().as_millis();
        let (ok, detail, fix) = match result {
            Ok(d) => (true, d, None),
            Err((d, f)) => (false, d, Some(f)),
        };
        self.checks.push(Check {
            check: check.into(),
            target: target.into(),
            ok,
            warning: false,
            millis,
            detail,
            fix,
        });
        ok
    }
}

/// Accepts any certificate, to read the chain a server presents: used only after the real,
/// verifying client has failed, to name the issuer in the diagnosis; nothing is sent over it.
#[derive(Debug)]
struct Capture {
    seen: std::sync::Mutex<Option<Vec<u8>>>,
    provider: std::sync::Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if let Ok(mut slot) = self.seen.lock() {
            *slot = Some(end_entity.to_vec());
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The issuer and subject of the certificate `host:port` presents, read without trusting it,
/// over the path the client's requests take: through `proxy` (an HTTP CONNECT tunnel) when one
/// applies to the host, so what is read is what the client was shown (a TLS-inspecting proxy's
/// certificate, not the one a direct connection would meet, or none where direct connections
/// are blocked).
pub async fn presented_certificate(host: &str, port: u16, proxy: Option<&url::Url>) -> Option<(String, String)> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let capture = std::sync::Arc::new(Capture {
        seen: std::sync::Mutex::new(None),
        provider: provider.clone(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let five = std::time::Duration::from_secs(5);
    let tcp = match proxy {
        Some(p) => tokio::time::timeout(five, tunnel(p, host, port)).await.ok()??,
        None => tokio::time::timeout(five, tokio::net::TcpStream::connect((host, port)))
            .await
            .ok()?
            .ok()?,
    };
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).ok()?;
    let _ = tokio::time::timeout(five, connector.connect(name, tcp)).await;
    let der = capture.seen.lock().ok()?.take()?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der).ok()?;
    Some((cert.issuer().to_string(), cert.subject().to_string()))
}

/// A connection to `host:port` through an HTTP proxy's CONNECT tunnel (with its basic
/// credentials when the proxy URL carries them); None when the proxy refuses or is not http.
async fn tunnel(proxy: &url::Url, host: &str, port: u16) -> Option<tokio::net::TcpStream> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if proxy.scheme() != "http" {
        return None;
    }
    let mut tcp = tokio::net::TcpStream::connect((proxy.host_str()?, proxy.port_or_known_default()?))
        .await
        .ok()?;
    let mut request = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
    if !proxy.username().is_empty() {
        let user = percent_encoding::percent_decode_str(proxy.username()).decode_utf8_lossy();
        let pass = percent_encoding::percent_decode_str(proxy.password().unwrap_or("")).decode_utf8_lossy();
        let basic = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{user}:{pass}"));
        request.push_str(&format!("Proxy-Authorization: Basic {basic}\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes()).await.ok()?;
    // The proxy's answer, up to its blank line, one byte at a time: nothing of the tunnel's
    // own bytes may be read past it.
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() > 8192 {
            return None;
        }
        let mut byte = [0u8; 1];
        if tcp.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        answer.push(byte[0]);
    }
    let status = String::from_utf8_lossy(&answer);
    let ok = status.split_whitespace().nth(1) == Some("200");
    ok.then_some(tcp)
}

/// Whether `url`'s host completes a TLS handshake the way the real client does (same CA bundle,
/// same proxy); any HTTP answer means it did. On a failure the presented issuer is named.
async fn tls(http: &crate::acr::http::Http, url: &url::Url) -> Result<String, (String, String)> {
    let host = url.host_str().unwrap_or_default().to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let req = crate::acr::http::Req::new(reqwest::Method::GET, url.clone(), "TLS handshake", host.clone());
    match http.send_once(&req, None).await {
        Ok(resp) => Ok(format!("verified (HTTP {})", resp.status.as_u16())),
        Err(e) => {
            let text = e.to_string();
            let lower = text.to_lowercase();
            // The request is named "TLS handshake", so the words of the failure itself decide:
            // a proxy that refused or could not open the tunnel is not a certificate problem.
            if lower.contains("tunnel error") {
                return Err((
                    format!("the proxy did not open a tunnel to {host}:{port}: {text}"),
                    format!(
                        "check the proxy (doctor's proxy line says where it is set); if {host} should be \
                         reached directly (a private endpoint), add it to no_proxy"
                    ),
                ));
            }
            if lower.contains("certificate") || lower.contains("unknownissuer") || lower.contains("unknown issuer") {
                let issuer = presented_certificate(&host, port, http.proxy_for(&host).as_ref()).await;
                Err((
                    match issuer {
                        Some((issuer, subject)) => format!(
                            "{host} presented a certificate for {subject} issued by {issuer}, which is not trusted: {text}"
                        ),
                        None => format!("{host}: {text}"),
                    },
                    "add the issuing CA (PEM) to [network] ca_bundle in the config (a TLS-inspecting proxy or a \
                     private CA); TLS verification is never turned off"
                        .into(),
                ))
            } else {
                Err((text, e.hint().to_string()))
            }
        }
    }
}

/// The addresses a host resolves to, and whether they are private (as a private endpoint's are).
async fn resolve(host: &str, port: u16) -> Result<String, String> {
    let addrs = tokio::net::lookup_host((host, port)).await.map_err(|e| e.to_string())?;
    let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
    if ips.is_empty() {
        return Err("no addresses".into());
    }
    let private = ips.iter().all(is_private);
    Ok(format!(
        "{} ({})",
        ips.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        if private {
            "private: a private endpoint"
        } else {
            "public"
        }
    ))
}

/// A proxy URL as it may be shown: no password.
fn without_password(proxy: &str) -> String {
    match url::Url::parse(proxy) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(a proxy URL that does not parse)".into(),
    }
}

/// Runs every check; later checks that depend on a failed one are skipped.
pub async fn run(loaded: &LoadedConfig, acr: &Acr) -> Vec<Check> {
    let mut r = Recorder { checks: Vec::new() };
    let t = Instant::now();
    let source = loaded
        .source
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "built-in defaults (no config file)".into());
    r.record(
        "configuration",
        &source,
        t,
        Ok(format!("{} stage(s)", loaded.config.stages.len())),
    );

    let Ok(http) = connection(&mut r, loaded).await else {
        return r.checks;
    };
    let Some(registries) = signed_in_registries(&mut r, loaded, acr).await else {
        return r.checks;
    };
    let window = chrono::Duration::days(i64::from(loaded.config.tokens.expiry_warning_days));
    for reg in &registries {
        registry_checks(&mut r, acr, http.as_ref(), reg).await;
        token_check(&mut r, acr, reg, window).await;
    }
    r.checks
}

/// The proxy in use and TLS to the authority and ARM: the connection under everything else.
/// The HTTP client for the registries' checks, or `Err` when acrdeck cannot go on.
async fn connection(r: &mut Recorder, loaded: &LoadedConfig) -> Result<Option<crate::acr::http::Http>, ()> {
    let settings = crate::connect::settings(loaded, true);
    let http = settings
        .as_ref()
        .ok()
        .and_then(|s| crate::acr::http::Http::new(&s.network).ok());
    if let (Ok(s), Some(http)) = (&settings, &http) {
        let t = Instant::now();
        r.record(
            "proxy",
            "HTTPS",
            t,
            Ok({
                let (proxy_from, bypass_from) = crate::connect::proxy_sources(loaded);
                let from = |f: Option<String>| f.map(|f| format!(" (from {f})")).unwrap_or_default();
                match (&s.network.proxy, &s.network.no_proxy) {
                    (Some(p), Some(no)) => format!(
                        "through {}{}; not for {no}{}",
                        without_password(p),
                        from(proxy_from),
                        from(bypass_from)
                    ),
                    (Some(p), None) => format!(
                        "through {}{}, for every host (no no_proxy list)",
                        without_password(p),
                        from(proxy_from)
                    ),
                    (None, _) => "none (direct connections)".into(),
                }
            }),
        );
        let mut endpoints = vec![
            ("authority", s.cloud.authority_host.clone()),
            ("ARM", s.cloud.arm_endpoint.clone()),
        ];
        endpoints.dedup_by(|a, b| a.1.host_str() == b.1.host_str() && a.1.port() == b.1.port());
        for (what, url) in endpoints {
            let t = Instant::now();
            let ok = r.record(
                "TLS",
                &format!("{what} {}", url.host_str().unwrap_or("")),
                t,
                tls(http, &url).await,
            );
            if !ok {
                return Err(());
            }
        }
    }
    Ok(http)
}

/// Sign-in and the registries of the configured subscriptions: the ones to check, or none when
/// acrdeck cannot go on.
async fn signed_in_registries(
    r: &mut Recorder,
    loaded: &LoadedConfig,
    acr: &Acr,
) -> Option<Vec<crate::acr::model::Registry>> {
    let t = Instant::now();
    let signed_in = r.record(
        "sign-in",
        loaded.config.auth.method.as_str(),
        t,
        acr.identity()
            .await
            .map(|i| format!("{} in tenant {}", i.principal, i.tenant.unwrap_or_default()))
            .map_err(|e| (e.to_string(), e.hint().to_string())),
    );
    if !signed_in {
        return None;
    }
    let t = Instant::now();
    let registries = crate::imports::environment(acr, &loaded.config.subscriptions).await;
    let listed = r.record(
        "registry listing",
        &if loaded.config.subscriptions.is_empty() {
            "every subscription".to_string()
        } else {
            loaded.config.subscriptions.join(", ")
        },
        t,
        registries
            .as_ref()
            .map(|l| format!("{} registries", l.len()))
            .map_err(|e| {
                (
                    e.to_string(),
                    "check the subscriptions in the config and the identity's Reader role".into(),
                )
            }),
    );
    let Ok(registries) = registries else {
        return None;
    };
    if !listed {
        return None;
    }
    let configured: Vec<&crate::acr::model::Registry> = if loaded.config.stages.is_empty() {
        registries.iter().collect()
    } else {
        crate::promote::stages(&loaded.config)
            .iter()
            .filter_map(|s| crate::headless::reads::find_registry(&registries, &loaded.config, &s.name).ok())
            .collect()
    };
    Some(configured.into_iter().cloned().collect())
}

/// The registry's `/v2/` answers 401 with a Bearer challenge, as only the registry itself does.
async fn challenge(r: &mut Recorder, http: &crate::acr::http::Http, base: &url::Url, ls: &str) {
    let t = Instant::now();
    let v2 = base.join("v2/").unwrap_or(base.clone());
    let req = crate::acr::http::Req::new(reqwest::Method::GET, v2, "read the /v2/ challenge", ls.to_string());
    r.record(
        "/v2/ challenge",
        ls,
        t,
        match http.send_once(&req, None).await {
            Ok(resp) if resp.status.as_u16() == 401 => match resp.header("www-authenticate") {
                Some(c) if c.to_ascii_lowercase().starts_with("bearer") => Ok(format!(
                    "Bearer, realm {}",
                    crate::acr::registry::challenge_param(c, "realm").unwrap_or_default()
                )),
                other => Err((
                    format!("401 without a Bearer challenge ({})", other.unwrap_or("none")),
                    "something between here and the registry answers for it (a proxy?): check the \
                     proxy's no_proxy list and the private endpoint"
                        .into(),
                )),
            },
            Ok(resp) => Err((
                format!("HTTP {} instead of 401 with a challenge", resp.status.as_u16()),
                "something between here and the registry answers for it (a proxy?): check the proxy \
                 settings and the private endpoint"
                    .into(),
            )),
            Err(e) => Err((e.to_string(), e.hint().to_string())),
        },
    );
}

/// One registry's checks: DNS (and its data endpoints'), TLS, the /v2/ challenge, the token
/// exchange and catalog, runs, and the host of its run logs.
async fn registry_checks(
    r: &mut Recorder,
    acr: &Acr,
    http: Option<&crate::acr::http::Http>,
    reg: &crate::acr::model::Registry,
) {
    let ls = reg.properties.login_server.clone();
    let host = ls.split(':').next().unwrap_or(&ls).to_string();
    let port: u16 = ls.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).unwrap_or(443);
    let t = Instant::now();
    let dns_ok = r.record(
        "DNS",
        &ls,
        t,
        resolve(&host, port).await.map_err(|e| {
            (
                format!("{host} does not resolve: {e}"),
                "check the private DNS zone privatelink.azurecr.io is linked to this network".into(),
            )
        }),
    );
    if !dns_ok {
        return;
    }
    if reg.properties.data_endpoint_enabled {
        for data in &reg.properties.data_endpoint_host_names {
            let t = Instant::now();
            r.record(
                "DNS (data endpoint)",
                data,
                t,
                resolve(data, 443).await.map_err(|e| {
                    (
                        format!("{data} does not resolve: {e}"),
                        "layers are downloaded from the data endpoints: add their records to the private DNS \
                         zone (privatelink.azurecr.io) or allow them through the proxy"
                            .into(),
                    )
                }),
            );
        }
    }
    if let Some(http) = http {
        let Ok(base) = url::Url::parse(&format!("https://{ls}/")) else {
            return;
        };
        let t = Instant::now();
        if !r.record("TLS", &ls, t, tls(http, &base).await) {
            return;
        }
        challenge(r, http, &base, &ls).await;
    }
    let t = Instant::now();
    let catalog = match acr.registry(&ls) {
        Ok(c) => collect(c.repositories(1)).await.into_result().map(|v| v.len()),
        Err(e) => Err(e),
    };
    r.record(
        "token exchange and catalog",
        &ls,
        t,
        catalog
            .map(|_| "signed in to the registry and read its catalog".to_string())
            .map_err(|e| (e.to_string(), e.hint().to_string())),
    );
    let Some(reference) = crate::acr::RegistryRef::parse(&reg.id) else {
        return;
    };
    let Ok(arm) = acr.arm() else { return };
    let t = Instant::now();
    let runs = collect(arm.list_runs(&reference, &Default::default(), Some(1))).await;
    let latest = runs.items.first().map(|r| r.run_id().to_string());
    r.record(
        "runs listing",
        &reg.name,
        t,
        match &runs.error {
            None => Ok(format!("{} run(s) read", runs.items.len())),
            Some(e) => Err((e.to_string(), e.hint().to_string())),
        },
    );
    if let Some(run) = latest {
        let t = Instant::now();
        let probe = match arm.log_links(&reference, &run).await {
            Ok(l) => match l.link() {
                Some(link) => {
                    let host = url::Url::parse(link)
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_string))
                        .unwrap_or_default();
                    acr.probe_log(link)
                        .await
                        .map(|_| format!("the log blob host {host} answers"))
                        .map_err(|e| {
                            (
                                format!("the log blob host {host} does not answer: {e}"),
                                format!(
                                    "run logs live in storage outside the registry's private endpoint: allow \
                                     {host}:443 through the firewall or proxy"
                                ),
                            )
                        })
                }
                None => Ok("the latest run has no log yet".into()),
            },
            Err(e) => Err((e.to_string(), e.hint().to_string())),
        };
        r.record("log blob host", &reg.name, t, probe);
    }
}

/// Whether any of a registry's tokens has expired or expires within the warning window (its
/// names and expiry only: no password is asked for).
async fn token_check(r: &mut Recorder, acr: &Acr, reg: &crate::acr::model::Registry, window: chrono::Duration) {
    let (Some(reference), Ok(arm)) = (crate::acr::RegistryRef::parse(&reg.id), acr.arm()) else {
        return;
    };
    let t = Instant::now();
    let now = chrono::Utc::now();
    let result = match collect(arm.list_tokens(&reference)).await.into_result() {
        Err(e) => Err((e.to_string(), e.hint().to_string())),
        Ok(tokens) => {
            let due: Vec<String> = tokens
                .iter()
                .filter_map(|t| {
                    let e = t.expiry()?;
                    (e <= now + window).then(|| {
                        if e <= now {
                            format!("{} expired {}", t.name, e.format("%Y-%m-%d"))
                        } else {
                            format!("{} expires {}", t.name, e.format("%Y-%m-%d"))
                        }
                    })
                })
                .collect();
            if due.is_empty() {
                Ok(Ok(format!(
                    "{} token(s), none expiring within {} days",
                    tokens.len(),
                    window.num_days()
                )))
            } else {
                Ok(Err((
                    due.join("; "),
                    format!(
                        "generate new passwords before they lapse (az acr token credential generate \
                         --registry {} --name TOKEN), then update whatever uses them",
                        reg.name
                    ),
                )))
            }
        }
    };
    match result {
        Ok(Ok(fine)) => {
            r.record("tokens expiring", &reg.name, t, Ok(fine));
        }
        Ok(Err((due, fix))) => {
            r.record("tokens expiring", &reg.name, t, Ok(due));
            if let Some(c) = r.checks.last_mut() {
                c.warning = true;
                c.fix = Some(fix);
            }
        }
        Err(e) => {
            r.record("tokens expiring", &reg.name, t, Err(e));
        }
    }
}
