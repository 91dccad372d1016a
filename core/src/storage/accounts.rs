//! Values the store passes for accounts: what an account holds, and its tokens.

use serde::Serialize;

use crate::{account::AccountId, time::Millis};

/// What one account holds in storage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredCounts {
    /// Events.
    pub events: u64,
    /// Deliveries.
    pub deliveries: u64,
    /// Runtime endpoints.
    pub endpoints: u64,
    /// Function invocations.
    pub invocations: u64,
    /// Account tokens.
    pub tokens: u64,
}

impl StoredCounts {
    /// Whether the account holds nothing at all in storage.
    pub fn is_empty(&self) -> bool {
        *self == StoredCounts::default()
    }
}

/// An account with what it holds in storage.
#[derive(Debug, Clone)]
pub struct StoredAccount {
    /// The account.
    pub account: AccountId,
    /// What it holds.
    pub counts: StoredCounts,
}

/// An account token as stored: never the token itself.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// `tok_<ULID>`.
    pub id: String,
    /// The account it is confined to.
    pub account: AccountId,
    /// The operator's label for it.
    pub name: String,
    /// Hex SHA-256 of its secret.
    pub hash: String,
    /// When it was issued.
    pub created_at: Millis,
}

/// What deleting an account removed.
#[derive(Debug, Clone, Default)]
pub struct DeletedAccount {
    /// Row counts removed.
    pub counts: StoredCounts,
    /// Target keys of the runtime endpoints removed (their actors are
    /// retired on every node).
    pub endpoint_keys: Vec<String>,
}
