//! Encryption at rest of the secrets the hub stores itself (runtime
//! endpoints' signing secrets), with a key the operator keeps outside the
//! database (`[storage] secret_key`, usually `${SWITCHBOARD_SECRET_KEY}`).
//!
//! A sealed value is `enc:v1:` followed by URL-safe base64 of a random
//! 24-byte nonce and the XChaCha20-Poly1305 ciphertext. The row's id is the
//! associated data, so a sealed value copied into another row does not open.
//! Values without the prefix are plaintext (written before a key was set) and
//! are read as they are; the store seals them when it opens with a key.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    XChaCha20Poly1305, XNonce,
};

use crate::config::Secret;

/// Marks a sealed value; the version names the cipher and layout.
pub const SEALED_PREFIX: &str = "enc:v1:";

const NONCE_LEN: usize = 24;

/// Why a stored secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// `secret_key` is not 32 bytes of base64.
    #[error("[storage] secret_key must be 32 random bytes in base64 (make one with `openssl rand -base64 32`); {0}")]
    BadKey(String),
    /// The database holds sealed secrets and the hub has no key.
    #[error("{what} is encrypted at rest but no key is set: set [storage] secret_key (or SWITCHBOARD_STORAGE__SECRET_KEY) to the key it was stored with")]
    NoKey {
        /// The stored item, e.g. `endpoint ep_01H...`.
        what: String,
    },
    /// The key is not the one the value was sealed with, or the value was altered.
    #[error("{what} does not decrypt with the configured [storage] secret_key: it was stored with another key, or the stored value was altered")]
    WrongKey {
        /// The stored item.
        what: String,
    },
}

/// Seals and opens stored secrets; without a key it passes plaintext through.
#[derive(Clone, Default)]
pub struct Sealer {
    cipher: Option<XChaCha20Poly1305>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("enabled", &self.is_enabled())
            .finish()
    }
}

impl Sealer {
    /// A sealer for `[storage] secret_key`; `None` stores secrets as plaintext.
    pub fn new(key: Option<&Secret>) -> Result<Self, SealError> {
        let Some(key) = key else {
            return Ok(Sealer::default());
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.expose().trim())
            .map_err(|e| SealError::BadKey(format!("it is not base64 ({e})")))?;
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
            .map_err(|_| SealError::BadKey(format!("it decodes to {} bytes", bytes.len())))?;
        Ok(Sealer {
            cipher: Some(cipher),
        })
    }

    /// Whether values are sealed when stored.
    pub fn is_enabled(&self) -> bool {
        self.cipher.is_some()
    }

    /// A SQL `LIKE` pattern matching sealed values, to find plaintext ones.
    pub(crate) fn sealed_pattern() -> String {
        format!("{SEALED_PREFIX}%")
    }

    /// The value to store for `plain`, belonging to the row `id`.
    pub fn seal(&self, plain: &str, id: &str) -> String {
        let Some(cipher) = &self.cipher else {
            return plain.to_owned();
        };
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: id.as_bytes(),
        };
        let sealed = cipher
            .encrypt(&nonce, payload)
            .expect("XChaCha20-Poly1305 encrypts any message shorter than 256 GiB");
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(raw))
    }

    /// The plaintext of a stored value of row `id`; `what` names the row in errors.
    pub fn open(&self, stored: &str, id: &str, what: &str) -> Result<String, SealError> {
        let Some(body) = stored.strip_prefix(SEALED_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let Some(cipher) = &self.cipher else {
            return Err(SealError::NoKey { what: what.into() });
        };
        let wrong = || SealError::WrongKey { what: what.into() };
        let raw = URL_SAFE_NO_PAD.decode(body).map_err(|_| wrong())?;
        let Some((nonce, sealed)) = raw.split_first_chunk::<NONCE_LEN>() else {
            return Err(wrong());
        };
        let payload = Payload {
            msg: sealed,
            aad: id.as_bytes(),
        };
        let plain = cipher
            .decrypt(&XNonce::from(*nonce), payload)
            .map_err(|_| wrong())?;
        String::from_utf8(plain).map_err(|_| wrong())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Secret {
        Secret::new(base64::engine::general_purpose::STANDARD.encode([7u8; 32]))
    }

    #[test]
    fn sealed_values_open_only_with_the_key_and_the_row() {
        let sealer = Sealer::new(Some(&key())).unwrap();
        let stored = sealer.seal("whsec_abc", "ep_1");
        assert!(stored.starts_with(SEALED_PREFIX));
        assert!(!stored.contains("whsec_abc"));
        assert_ne!(
            stored,
            sealer.seal("whsec_abc", "ep_1"),
            "fresh nonce each time"
        );
        assert_eq!(sealer.open(&stored, "ep_1", "x").unwrap(), "whsec_abc");
        assert!(matches!(
            sealer.open(&stored, "ep_2", "x"),
            Err(SealError::WrongKey { .. })
        ));
        let other = Secret::new(base64::engine::general_purpose::STANDARD.encode([8u8; 32]));
        let other = Sealer::new(Some(&other)).unwrap();
        assert!(matches!(
            other.open(&stored, "ep_1", "x"),
            Err(SealError::WrongKey { .. })
        ));
        assert!(matches!(
            Sealer::default().open(&stored, "ep_1", "endpoint ep_1"),
            Err(SealError::NoKey { what }) if what == "endpoint ep_1"
        ));
    }

    #[test]
    fn plaintext_passes_through_both_ways() {
        let sealer = Sealer::new(Some(&key())).unwrap();
        assert_eq!(sealer.open("[]", "ep_1", "x").unwrap(), "[]");
        assert_eq!(Sealer::default().seal("[]", "ep_1"), "[]");
    }

    #[test]
    fn bad_keys_say_how_to_make_one() {
        for bad in ["not base64!", "c2hvcnQ="] {
            let err = Sealer::new(Some(&Secret::new(bad)))
                .unwrap_err()
                .to_string();
            assert!(err.contains("openssl rand -base64 32"), "{err}");
        }
    }
}
