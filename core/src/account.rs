//! Accounts: the business every event, delivery and target belongs to.
//!
//! An [`AccountId`] is the platform's own customer id, checked once when it
//! enters the hub (ingest, `?account=`, the configuration). Every lookup by
//! id takes a [`Scope`], which carries the account, so a query that forgets
//! the account cannot be written: the store has no unscoped form.
//!
//! Inside the hub a target (connector or runtime endpoint) is known by its
//! [target key](AccountId::target_key): its name in the `default` account,
//! `account/name` in any other. Names never hold `/` (connector names are
//! `[A-Za-z0-9._-]`, endpoint ids `ep_<ULID>`), so the key is unambiguous,
//! and a hub where nobody names an account keeps exactly the keys, rows and
//! metrics it had before accounts existed.

pub mod token;

use std::{fmt, str::FromStr, sync::Arc};

use serde::{Deserialize, Serialize};

/// The account of everything nobody assigned to one.
pub const DEFAULT_ACCOUNT: &str = "default";

/// Longest account id.
pub const MAX_ACCOUNT_LEN: usize = 64;

/// Separates the account from the name in a target key.
const KEY_SEPARATOR: char = '/';

/// A valid account id: 1-64 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(Arc<str>);

/// A string that is not a valid account id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"account\" must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'; got {0:?}")]
pub struct InvalidAccount(pub String);

impl AccountId {
    /// Checks `s` and makes it an account id.
    pub fn parse(s: &str) -> Result<Self, InvalidAccount> {
        let valid = (1..=MAX_ACCOUNT_LEN).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(AccountId(s.into()))
        } else {
            Err(InvalidAccount(s.to_owned()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the `default` account.
    pub fn is_default(&self) -> bool {
        &*self.0 == DEFAULT_ACCOUNT
    }

    /// The key of this account's target `name` in the connector table and
    /// in storage: `name` itself in the default account, `account/name` in
    /// any other.
    pub fn target_key(&self, name: &str) -> Arc<str> {
        if self.is_default() {
            name.into()
        } else {
            format!("{}{KEY_SEPARATOR}{name}", self.0).into()
        }
    }
}

impl Default for AccountId {
    fn default() -> Self {
        AccountId(DEFAULT_ACCOUNT.into())
    }
}

impl FromStr for AccountId {
    type Err = InvalidAccount;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccountId::parse(s)
    }
}

impl TryFrom<String> for AccountId {
    type Error = InvalidAccount;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        AccountId::parse(&s)
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> Self {
        a.0.to_string()
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// A target key taken apart: its account id (as stored) and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetName<'a> {
    /// The account's id.
    pub account: &'a str,
    /// The connector name or endpoint id within the account.
    pub name: &'a str,
}

impl<'a> TargetName<'a> {
    /// Splits a key made by [`AccountId::target_key`].
    pub fn of(key: &'a str) -> Self {
        match key.split_once(KEY_SEPARATOR) {
            Some((account, name)) => TargetName { account, name },
            None => TargetName {
                account: DEFAULT_ACCOUNT,
                name: key,
            },
        }
    }
}

/// The account a read or change acts on. Every store method that looks
/// something up by id takes one, so another account's id reads as an id
/// that does not exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    account: AccountId,
}

impl Scope {
    /// Acts on `account`.
    pub fn of(account: AccountId) -> Self {
        Scope { account }
    }

    /// The account acted on.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The key of this account's target `name` (see [`AccountId::target_key`]).
    pub fn target_key(&self, name: &str) -> Arc<str> {
        self.account.target_key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_1_to_64_safe_characters() {
        for ok in ["default", "acme", "A-b_9", &"x".repeat(64)] {
            assert_eq!(AccountId::parse(ok).expect(ok).as_str(), ok);
        }
        for bad in ["", "a b", "a/b", "é", "a.b", &"x".repeat(65)] {
            assert!(AccountId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn target_keys_keep_default_names_and_split_back() {
        let default = AccountId::default();
        let acme = AccountId::parse("acme").expect("valid");
        assert_eq!(&*default.target_key("crm"), "crm");
        assert_eq!(&*acme.target_key("crm"), "acme/crm");
        assert_eq!(
            TargetName::of("acme/crm"),
            TargetName {
                account: "acme",
                name: "crm"
            }
        );
        assert_eq!(
            TargetName::of("crm"),
            TargetName {
                account: "default",
                name: "crm"
            }
        );
    }

    #[test]
    fn account_ids_deserialize_checked() {
        let ok: AccountId = serde_json::from_str("\"acme\"").expect("valid");
        assert_eq!(ok.as_str(), "acme");
        assert!(serde_json::from_str::<AccountId>("\"a b\"").is_err());
    }
}
