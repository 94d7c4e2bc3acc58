//! Signing in as a service principal with a certificate, without OpenSSL: the certificate and
//! its RSA key are read from a PKCS#12 (.pfx) file or a PEM file (certificate and key, as
//! `az ad sp create-for-rbac --create-cert` writes it), and each token request carries a client
//! assertion: a JWT naming the application, signed RS256 with the key, whose header names the
//! certificate by its SHA-1 (`x5t`) and SHA-256 (`x5t#S256`) thumbprints. This is the assertion
//! Microsoft Entra ID documents for certificate credentials; azure_identity's
//! `ClientAssertionCredential` sends it and caches the tokens.

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use azure_core::http::ClientMethodOptions;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::sync::Arc;

/// How long an assertion is good for: Entra ID accepts up to ten minutes; the SDKs use five.
const ASSERTION_SECS: i64 = 300;

/// A certificate with its private key, ready to sign assertions.
pub struct SigningCertificate {
    key: RsaKeyPair,
    /// DER of the leaf certificate.
    leaf: Vec<u8>,
}

impl std::fmt::Debug for SigningCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        write!(f, "SigningCertificate({})", self.thumbprint_hex())
    }
}

impl SigningCertificate {
    /// Reads a PKCS#12 file (DER) or a PEM file holding the certificate and its key. The
    /// error says what is wrong with the file in words an operator can act on.
    pub fn load(bytes: &[u8], password: Option<&str>) -> Result<SigningCertificate, String> {
        let (key_der, certificates) = if looks_like_pem(bytes) {
            from_pem(bytes)?
        } else {
            from_pkcs12(bytes, password.unwrap_or(""))?
        };
        // PKCS#8 (what PKCS#12 holds and `BEGIN PRIVATE KEY` is) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
        let key = RsaKeyPair::from_pkcs8(&key_der)
            .or_else(|_| RsaKeyPair::from_der(&key_der))
            .map_err(|_| {
                "the private key is not an RSA key this can sign with (Entra ID certificate \
                 credentials are RSA, 2048 bits or more)"
                    .to_string()
            })?;
        // The certificate is the one whose public key is the key's: files often carry the
        // issuing chain too, in any order.
        let public = key.public_key().as_ref().to_vec();
        let leaf = certificates
            .into_iter()
            .find(|der| {
                x509_parser::parse_x509_certificate(der)
                    .is_ok_and(|(_, c)| c.public_key().subject_public_key.data.as_ref() == public.as_slice())
            })
            .ok_or(
                "none of the file's certificates is the private key's (the certificate and key do not belong together)",
            )?;
        Ok(SigningCertificate { key, leaf })
    }

    /// SHA-1 thumbprint in upper-case hex, as the Azure portal and `az ad app credential list` show it.
    pub fn thumbprint_hex(&self) -> String {
        hex::encode_upper(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &self.leaf))
    }

    /// The signed assertion for `client_id` at the token endpoint `audience`.
    pub fn assertion(&self, client_id: &str, audience: &str, now: i64) -> Result<String, String> {
        // base64url, as RFC 7515 defines the thumbprint headers and MSAL sends them.
        let x5t = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &self.leaf));
        let x5t256 = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &self.leaf));
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": x5t, "x5t#S256": x5t256});
        let claims = serde_json::json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_SECS,
        });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "signing the client assertion failed".to_string())?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
    bytes[start..].starts_with(b"-----BEGIN ")
}

/// The private key (DER) and the certificates a file holds.
type KeyAndCertificates = (Vec<u8>, Vec<Vec<u8>>);

fn from_pkcs12(bytes: &[u8], password: &str) -> Result<KeyAndCertificates, String> {
    use p12_keystore::error::Error;
    use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
    let store = KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Relaxed).map_err(|e| match e {
        Error::MacError(_) | Error::UnpadError => {
            "the PKCS#12 file's password is wrong (set [auth] certificate_password_env or \
             certificate_password_file, or leave both out for a file without a password)"
                .to_string()
        }
        other => format!("it is not a PKCS#12 (.pfx) or PEM file this can read: {other}"),
    })?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or("the PKCS#12 file holds no private key")?;
    if chain.certs().is_empty() {
        return Err("the PKCS#12 file holds a private key but no certificate".into());
    }
    let certificates = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
    Ok((chain.key().as_der().to_vec(), certificates))
}

fn from_pem(bytes: &[u8]) -> Result<KeyAndCertificates, String> {
    let mut key = None;
    let mut certificates = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(bytes) {
        let block = block.map_err(|e| format!("the PEM file cannot be read: {e}"))?;
        match block.label.as_str() {
            "PRIVATE KEY" | "RSA PRIVATE KEY" if key.is_none() => key = Some(block.contents),
            "ENCRYPTED PRIVATE KEY" => {
                return Err("the PEM file's private key is encrypted; give a PKCS#12 file with its \
                            password instead, or decrypt the key (`openssl pkey -in FILE`)"
                    .into());
            }
            "CERTIFICATE" => certificates.push(block.contents),
            _ => {}
        }
    }
    match key {
        None => Err("the PEM file holds no private key (it needs the certificate and its key)".into()),
        Some(_) if certificates.is_empty() => {
            Err("the PEM file holds no certificate (it needs the certificate and its key)".into())
        }
        Some(k) => Ok((k, certificates)),
    }
}

/// The assertion source azure_identity asks before each token request.
#[derive(Debug, Clone)]
pub struct CertificateAssertion {
    pub certificate: Arc<SigningCertificate>,
    pub client_id: String,
    /// The tenant's token endpoint, which the assertion names as its audience.
    pub audience: String,
}

#[async_trait::async_trait]
impl azure_identity::ClientAssertion for CertificateAssertion {
    async fn secret(&self, _options: Option<ClientMethodOptions<'_>>) -> azure_core::Result<String> {
        self.certificate
            .assertion(&self.client_id, &self.audience, chrono::Utc::now().timestamp())
            .map_err(|e| azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> (rcgen::KeyPair, rcgen::Certificate) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["acrdeck-test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (key, cert)
    }

    fn claims(jwt: &str) -> (serde_json::Value, serde_json::Value) {
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |p: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
        (decode(parts[0]), decode(parts[1]))
    }

    #[test]
    fn a_pem_file_signs_an_assertion_the_certificate_verifies() {
        let (key, cert) = generated();
        // An issuer's certificate first, as chain files often have it: the key's own is used.
        let (_, issuer) = generated();
        let pem = format!("{}{}{}", issuer.pem(), cert.pem(), key.serialize_pem());
        let signing = SigningCertificate::load(pem.as_bytes(), None).unwrap();
        assert_eq!(signing.leaf, cert.der().to_vec());
        let jwt = signing
            .assertion("app-1", "https://login.example/t/oauth2/v2.0/token", 1_000)
            .unwrap();
        let (header, body) = claims(&jwt);
        assert_eq!(header["alg"], "RS256");
        let sha1 = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert.der()));
        assert_eq!(header["x5t"], sha1);
        assert_eq!(body["iss"], "app-1");
        assert_eq!(body["sub"], "app-1");
        assert_eq!(body["aud"], "https://login.example/t/oauth2/v2.0/token");
        assert_eq!(body["exp"], 1_300);
        let (signed, signature) = jwt.rsplit_once('.').unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(cert.der()).unwrap();
        let public = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            parsed.public_key().subject_public_key.data.to_vec(),
        );
        public
            .verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature).unwrap())
            .unwrap();
    }

    #[test]
    fn a_pkcs12_file_is_read_with_its_password_and_refused_without() {
        let (key, cert) = generated();
        let chain = p12_keystore::PrivateKeyChain::new(
            vec![1u8],
            p12_keystore::PrivateKey::from_der(&key.serialize_der()).unwrap(),
            [p12_keystore::Certificate::from_der(cert.der()).unwrap()],
        );
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry("acrdeck", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
        let pfx = store.writer("s3cret").write().unwrap();
        let signing = SigningCertificate::load(&pfx, Some("s3cret")).unwrap();
        assert_eq!(
            signing.thumbprint_hex(),
            hex::encode_upper(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert.der()))
        );
        let wrong = SigningCertificate::load(&pfx, Some("other")).unwrap_err();
        assert!(wrong.contains("password is wrong"), "{wrong}");
        assert!(format!("{signing:?}").starts_with("SigningCertificate("));
    }

    #[test]
    fn files_without_a_key_or_a_certificate_are_named_as_such() {
        let (key, cert) = generated();
        let e = SigningCertificate::load(cert.pem().as_bytes(), None).unwrap_err();
        assert!(e.contains("no private key"), "{e}");
        let e = SigningCertificate::load(key.serialize_pem().as_bytes(), None).unwrap_err();
        assert!(e.contains("no certificate"), "{e}");
        let e = SigningCertificate::load(b"\x30\x03\x02\x01\x05", None).unwrap_err();
        assert!(e.contains("not a PKCS#12"), "{e}");
        let (_, other) = generated();
        let e =
            SigningCertificate::load(format!("{}{}", other.pem(), key.serialize_pem()).as_bytes(), None).unwrap_err();
        assert!(e.contains("do not belong together"), "{e}");
        let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let pem = format!("{}{}", cert.pem(), ec.serialize_pem());
        let e = SigningCertificate::load(pem.as_bytes(), None).unwrap_err();
        assert!(e.contains("not an RSA key"), "{e}");
    }
}
