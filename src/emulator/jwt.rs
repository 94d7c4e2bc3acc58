//! Compact JWTs signed with HMAC-SHA256 by the emulator's own key. Clients treat these tokens as
//! opaque (as they must with Entra's); the emulator verifies its own signatures and expiry.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub fn new() -> Signer {
        let key = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()).into_bytes();
        Signer { key }
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    pub fn sign(&self, claims: &Value) -> String {
        let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = B64.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let sig = B64.encode(self.mac(signing_input.as_bytes()));
        format!("{signing_input}.{sig}")
    }

    /// The claims of a token this signer made, if its signature holds and it has not expired
    /// (and was issued at or after `not_before`, which the token-expiry fault moves forward).
    pub fn verify(&self, token: &str, now: i64, not_before: i64) -> Result<Value, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err("malformed token");
        };
        let expected = B64.encode(self.mac(format!("{h}.{p}").as_bytes()));
        if expected != s {
            return Err("bad signature");
        }
        let claims: Value = B64
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("malformed claims")?;
        let exp = claims["exp"].as_i64().ok_or("no exp")?;
        let iat = claims["iat"].as_i64().unwrap_or(0);
        if exp <= now || iat < not_before {
            return Err("expired");
        }
        Ok(claims)
    }

    /// A signature over arbitrary text (log-blob SAS tokens).
    pub fn sas_signature(&self, text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.mac(text.as_bytes()))
    }
}

impl Default for Signer {
    fn default() -> Self {
        Signer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let s = Signer::new();
        let t = s.sign(&serde_json::json!({"exp": 200, "iat": 100, "sub": "x"}));
        assert_eq!(s.verify(&t, 150, 0).unwrap()["sub"], "x");
        assert_eq!(s.verify(&t, 250, 0), Err("expired"));
        assert_eq!(s.verify(&t, 150, 120), Err("expired"));
        assert_eq!(Signer::new().verify(&t, 150, 0), Err("bad signature"));
    }
}
