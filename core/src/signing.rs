//! Signatures for generic webhooks: a plain HMAC of the body and Standard Webhooks v1.
//!
//! Secrets are `whsec_<base64>`. The plain signature keys HMAC-SHA256 with the
//! whole secret string's UTF-8 bytes; Standard Webhooks keys it with the
//! base64-decoded part after `whsec_`. During a rotation every active secret
//! signs, newest first.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// A secret that is not `whsec_<base64>`.
#[derive(Debug, thiserror::Error)]
#[error("webhook secret must look like whsec_<base64 of at least 24 bytes>; generate one with `switchboard verify --new-secret`")]
pub struct BadSecret;

/// A parsed `whsec_...` secret.
#[derive(Clone, Debug)]
pub struct SigningKey {
    raw: Secret,
    decoded: Vec<u8>,
}

impl SigningKey {
    /// Parses a `whsec_` secret.
    pub fn parse(secret: &str) -> Result<Self, BadSecret> {
        let b64 = secret.strip_prefix("whsec_").ok_or(BadSecret)?;
        let decoded = B64.decode(b64).map_err(|_| BadSecret)?;
        if decoded.is_empty() {
            return Err(BadSecret);
        }
        Ok(SigningKey {
            raw: Secret::new(secret),
            decoded,
        })
    }

    /// A new random secret of 32 bytes.
    pub fn generate() -> String {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        format!("whsec_{}", B64.encode(bytes))
    }

    /// The secret string, for showing once at creation.
    pub fn secret(&self) -> &Secret {
        &self.raw
    }

    /// Lowercase hex HMAC-SHA256 of the body, keyed with the secret string.
    pub fn plain(&self, body: &[u8]) -> String {
        hex::encode(mac(self.raw.expose().as_bytes(), &[body]))
    }

    /// Standard Webhooks `v1,<base64>` over `{id}.{timestamp}.{body}`.
    pub fn standard(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let ts = timestamp.to_string();
        let digest = mac(
            &self.decoded,
            &[msg_id.as_bytes(), b".", ts.as_bytes(), b".", body],
        );
        format!("v1,{}", B64.encode(digest))
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// The signature headers of one request, for every active key (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatures {
    /// `X-OnCallClerk-Signature`: comma-separated hex digests.
    pub plain: String,
    /// `webhook-signature`: space-separated `v1,...` entries.
    pub standard: String,
}

/// Signs `body` with every key.
pub fn sign(keys: &[SigningKey], msg_id: &str, timestamp: i64, body: &[u8]) -> Signatures {
    Signatures {
        plain: keys
            .iter()
            .map(|k| k.plain(body))
            .collect::<Vec<_>>()
            .join(","),
        standard: keys
            .iter()
            .map(|k| k.standard(msg_id, timestamp, body))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// What a receiver checks: does any entry of either header match this secret?
/// Returns which scheme matched, for `switchboard verify`.
pub fn verify(
    secret: &str,
    body: &[u8],
    plain_header: Option<&str>,
    standard: Option<(&str, i64, &str)>,
) -> Result<Vec<&'static str>, BadSecret> {
    let key = SigningKey::parse(secret)?;
    let mut ok = Vec::new();
    if let Some(h) = plain_header {
        let want = key.plain(body);
        if h.split(',').any(|g| constant_eq(g.trim(), &want)) {
            ok.push("X-OnCallClerk-Signature");
        }
    }
    if let Some((id, ts, sig)) = standard {
        let want = key.standard(id, ts, body);
        if sig.split(' ').any(|g| constant_eq(g, &want)) {
            ok.push("webhook-signature");
        }
    }
    Ok(ok)
}

fn constant_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_known_answer() {
        let key = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            key.standard(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn rotation_signs_with_every_key_newest_first() {
        let new = SigningKey::parse(&SigningKey::generate()).unwrap();
        let old = SigningKey::parse(&SigningKey::generate()).unwrap();
        let s = sign(&[new.clone(), old.clone()], "evt_1", 10, b"{}");
        assert_eq!(
            s.plain,
            format!("{},{}", new.plain(b"{}"), old.plain(b"{}"))
        );
        assert_eq!(s.standard.split(' ').count(), 2);
        assert!(s.standard.starts_with(&new.standard("evt_1", 10, b"{}")));
    }

    #[test]
    fn verify_accepts_either_scheme_and_rejects_tampering() {
        let secret = SigningKey::generate();
        let key = SigningKey::parse(&secret).unwrap();
        let s = sign(&[key], "evt_1", 10, b"{\"a\":1}");
        let ok = verify(
            &secret,
            b"{\"a\":1}",
            Some(&s.plain),
            Some(("evt_1", 10, &s.standard)),
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        let bad = verify(
            &secret,
            b"{\"a\":2}",
            Some(&s.plain),
            Some(("evt_1", 10, &s.standard)),
        )
        .unwrap();
        assert!(bad.is_empty());
    }

    #[test]
    fn rejects_malformed_secret() {
        assert!(SigningKey::parse("not-a-secret").is_err());
        assert!(SigningKey::parse("whsec_!!!").is_err());
    }
}
