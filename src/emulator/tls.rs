//! A throwaway certificate authority and a server certificate for the loopback names, made fresh
//! at every start. Clients trust the CA by adding its PEM (written to the state dir); nothing
//! ever needs TLS verification turned off.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

pub struct Tls {
    pub ca_pem: String,
    pub server: Arc<ServerConfig>,
}

pub fn make() -> Result<Tls, String> {
    let err = |what: &str, e: &dyn std::fmt::Display| format!("emulator TLS: {what}: {e}");
    let ca_key = KeyPair::generate().map_err(|e| err("CA key", &e))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err("CA params", &e))?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "acrdeck emulator CA (throwaway)");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| err("CA certificate", &e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().map_err(|e| err("server key", &e))?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).map_err(|e| err("server params", &e))?;
    params.distinguished_name.push(DnType::CommonName, "acrdeck emulator");
    params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| err("server certificate", &e))?;

    let chain = vec![
        CertificateDer::from(cert.der().to_vec()),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err("protocol versions", &e))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| err("server config", &e))?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        ca_pem: ca_cert.pem(),
        server: Arc::new(server),
    })
}
