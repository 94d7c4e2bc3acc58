//! Certificate credentials as Microsoft Entra ID checks them: the principal has a certificate
//! registered (generated at start, written with its key as a PEM file for the operator's
//! config), and a token request may carry a client assertion instead of a secret. The assertion
//! is refused with Entra's codes when its certificate is not registered or its signature does not
//! verify under RS256 or PS256 (AADSTS700027), it names another application (AADSTS700021), another audience
//! (AADSTS700023), or it is outside its valid time range (AADSTS700024).

use aws_lc_rs::digest;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Clock skew allowed either side, as Entra ID allows a few minutes.
const SKEW_SECS: i64 = 300;

/// A certificate registered on an application: its DER.
#[derive(Debug, Clone)]
pub struct Registered(pub Vec<u8>);

/// Generates an RSA key and a self-signed certificate for `name`; returns the certificate's
/// DER and a PEM file's text with the certificate and its PKCS#8 key.
pub fn generate(name: &str) -> Result<(Registered, String), String> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
        .map_err(|e| format!("cannot generate the principal's key: {e}"))?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
        .map_err(|e| format!("cannot describe the principal's certificate: {e}"))?;
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("cannot sign the principal's certificate: {e}"))?;
    Ok((
        Registered(cert.der().to_vec()),
        format!("{}{}", cert.pem(), key.serialize_pem()),
    ))
}

/// Why an assertion was refused: Entra's error, code and description.
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub error: &'static str,
    pub code: u32,
    pub description: String,
}

fn refuse(error: &'static str, code: u32, description: impl Into<String>) -> Refusal {
    Refusal {
        error,
        code,
        description: description.into(),
    }
}

/// Checks `assertion` for `client_id` against the application's registered certificates and
/// the token endpoint `audience`, at `now` (Unix seconds).
pub fn verify(
    assertion: &str,
    client_id: &str,
    audience: &str,
    registered: &[Registered],
    now: i64,
) -> Result<(), Refusal> {
    let malformed = || refuse("invalid_client", 50027, "JWT token is invalid or malformed.");
    let mut parts = assertion.split('.');
    let (Some(h), Some(b), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(malformed());
    };
    let decode =
        |p: &str| -> Option<serde_json::Value> { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok() };
    let (Some(header), Some(claims), Ok(signature)) = (decode(h), decode(b), URL_SAFE_NO_PAD.decode(s)) else {
        return Err(malformed());
    };
    let thumb = |alg: &'static digest::Algorithm, der: &[u8]| digest::digest(alg, der).as_ref().to_vec();
    let sent = |name: &str| header[name].as_str().and_then(thumbprint_bytes);
    let (x5t, x5t256) = (sent("x5t"), sent("x5t#S256"));
    let named = registered.iter().find(|c| {
        x5t256.as_deref() == Some(&thumb(&digest::SHA256, &c.0))
            || x5t.as_deref() == Some(&thumb(&digest::SHA1_FOR_LEGACY_USE_ONLY, &c.0))
    });
    let Some(cert) = named else {
        return Err(refuse(
            "invalid_client",
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{}']",
                x5t.or(x5t256).map(hex::encode_upper).unwrap_or_default()
            ),
        ));
    };
    let (_, parsed) = x509_parser::parse_x509_certificate(&cert.0).map_err(|_| malformed())?;
    // RS256 is what most SDKs send; MSAL sends PS256 with the SHA-256 thumbprint.
    let algorithm = match header["alg"].as_str() {
        Some("RS256") => Some(&RSA_PKCS1_2048_8192_SHA256),
        Some("PS256") => Some(&RSA_PSS_2048_8192_SHA256),
        _ => None,
    };
    let signed = &assertion[..h.len() + 1 + b.len()];
    let verified = algorithm.is_some_and(|alg| {
        UnparsedPublicKey::new(alg, parsed.public_key().subject_public_key.data.to_vec())
            .verify(signed.as_bytes(), &signature)
            .is_ok()
    });
    if !verified {
        return Err(refuse(
            "invalid_client",
            700027,
            "Client assertion contains an invalid signature.",
        ));
    }
    if claims["iss"] != client_id || claims["sub"] != client_id {
        return Err(refuse(
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    if claims["aud"] != audience {
        return Err(refuse(
            "invalid_client",
            700023,
            "Client assertion audience claim does not match Realm issuer.",
        ));
    }
    // NumericDate may have a fraction (MSAL sends one); `nbf` is optional.
    let now = now as f64;
    let skew = SKEW_SECS as f64;
    let exp = claims["exp"].as_f64().unwrap_or(0.0);
    let nbf = claims["nbf"].as_f64().unwrap_or(f64::MIN);
    if exp + skew < now || nbf - skew > now {
        return Err(refuse(
            "invalid_client",
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    Ok(())
}

/// A thumbprint header's bytes: base64url as RFC 7515 says (MSAL, with padding), or the
/// standard alphabet some SDKs send; Entra ID takes both.
fn thumbprint_bytes(text: &str) -> Option<Vec<u8>> {
    let url: String = text
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(url).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acr::certificate::SigningCertificate;

    const AUD: &str = "https://127.0.0.1:1/tenant/oauth2/v2.0/token";

    #[test]
    fn an_assertion_signed_by_the_registered_certificate_passes_and_others_are_refused() {
        let (registered, pem) = generate("acrdeck-emulator").unwrap();
        let signing = SigningCertificate::load(pem.as_bytes(), None).unwrap();
        let jwt = signing.assertion("app", AUD, 10_000).unwrap();
        assert_eq!(
            verify(&jwt, "app", AUD, std::slice::from_ref(&registered), 10_000),
            Ok(())
        );

        let code = |r: Result<(), Refusal>| r.unwrap_err().code;
        assert_eq!(
            code(verify(
                &jwt,
                "other-app",
                AUD,
                std::slice::from_ref(&registered),
                10_000
            )),
            700021
        );
        assert_eq!(
            code(verify(
                &jwt,
                "app",
                "https://elsewhere/t/oauth2/v2.0/token",
                std::slice::from_ref(&registered),
                10_000
            )),
            700023
        );
        assert_eq!(
            code(verify(&jwt, "app", AUD, std::slice::from_ref(&registered), 20_000)),
            700024
        );
        let (other, _) = generate("someone-else").unwrap();
        assert_eq!(code(verify(&jwt, "app", AUD, &[other], 10_000)), 700027);
        // A body changed after signing.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(r#"{"iss":"app","sub":"app","aud":"x","exp":99999,"nbf":0}"#);
        assert_eq!(
            code(verify(
                &parts.join("."),
                "app",
                AUD,
                std::slice::from_ref(&registered),
                10_000
            )),
            700027
        );
        assert_eq!(code(verify("not.a-jwt", "app", AUD, &[registered], 10_000)), 50027);
    }
}
