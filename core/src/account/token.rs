//! Account tokens: `sbk_<ULID>_<secret>`, shown once when issued and stored
//! only as a SHA-256 hash of the secret. The id part finds the stored hash;
//! the secret is compared with it in constant time, so neither a wrong
//! token's timing nor the stored value gives a token away.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How every account token starts.
pub const TOKEN_PREFIX: &str = "sbk_";

/// How the id the API shows for a token starts (`tok_<ULID>`).
pub const TOKEN_ID_PREFIX: &str = "tok_";

/// A token just issued: its id, the token itself (shown once), and the hash
/// to store.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// `tok_<ULID>`.
    pub id: String,
    /// `sbk_<ULID>_<secret>`.
    pub token: String,
    /// Hex SHA-256 of the secret: all that is stored.
    pub hash: String,
}

/// Issues a fresh token with 32 random bytes of secret.
pub fn issue() -> IssuedToken {
    let ulid = ulid::Ulid::new().to_string();
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    IssuedToken {
        id: format!("{TOKEN_ID_PREFIX}{ulid}"),
        token: format!("{TOKEN_PREFIX}{ulid}_{secret}"),
        hash: hash(&secret),
    }
}

/// A bearer token shaped like an account token, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented<'a> {
    /// The token's id (`tok_<ULID>`), to find its stored hash.
    pub id: String,
    secret: &'a str,
}

impl<'a> Presented<'a> {
    /// Splits `sbk_<ULID>_<secret>`; `None` for anything else.
    pub fn parse(bearer: &'a str) -> Option<Self> {
        let (ulid, secret) = bearer.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
        ulid::Ulid::from_string(ulid).ok()?;
        (!secret.is_empty()).then(|| Presented {
            id: format!("{TOKEN_ID_PREFIX}{ulid}"),
            secret,
        })
    }

    /// Whether the secret is the one `stored_hash` was made from (constant time).
    pub fn matches(&self, stored_hash: &str) -> bool {
        hash(self.secret)
            .as_bytes()
            .ct_eq(stored_hash.as_bytes())
            .into()
    }
}

/// Hex SHA-256 of a token secret.
fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_matches_its_hash_and_nothing_else() {
        let t = issue();
        assert!(t.token.starts_with(TOKEN_PREFIX));
        assert!(!t.token.contains(&t.hash), "the token is not its hash");
        let p = Presented::parse(&t.token).expect("well formed");
        assert_eq!(p.id, t.id);
        assert!(p.matches(&t.hash));
        assert!(!p.matches(&issue().hash));
        let mut forged = t.token.clone();
        forged.pop();
        forged.push('x');
        assert!(!Presented::parse(&forged).unwrap().matches(&t.hash));
        for bad in ["", "sbk_", "sbk_nope_x", "tok_01J", "whsec_abc"] {
            assert!(Presented::parse(bad).is_none(), "{bad}");
        }
    }
}
