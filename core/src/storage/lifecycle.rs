//! The records of the data lifecycle: what a prune removes, what an
//! erasure found and removed, and the erasure log's rows.

use serde::Serialize;

use crate::time::Millis;

/// What a prune may remove: rows last changed before these times (Unix
/// ms); `None` keeps that kind forever.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cutoffs {
    /// Succeeded deliveries, and events that never had any delivery.
    pub succeeded: Option<Millis>,
    /// Failed and disabled deliveries.
    pub failed: Option<Millis>,
    /// Function invocation records.
    pub invocations: Option<Millis>,
}

/// What one prune batch removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Deliveries (with their attempts).
    pub deliveries: u64,
    /// Events whose last delivery went.
    pub events: u64,
    /// Function invocation records.
    pub invocations: u64,
    /// Whether some kind filled its batch, so more may be waiting.
    pub more: bool,
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Erased {
    /// Events.
    pub events: u64,
    /// Deliveries, with their attempts and request excerpts.
    pub deliveries: u64,
    /// Function invocations.
    pub invocations: u64,
}

/// The stored rows that mention one caller.
#[derive(Debug, Clone, Default)]
pub struct CallerRows {
    /// Event ids.
    pub events: Vec<String>,
    /// Function invocation ids.
    pub invocations: Vec<String>,
}

/// An erasure as the log keeps it: never the identifier itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErasureRecord {
    /// `era_<ULID>`.
    pub id: String,
    /// The account it acted in (`default` until accounts exist).
    pub account: String,
    /// When, RFC 3339.
    pub erased_at: String,
    /// Who asked: `admin:` and the first 8 hex digits of the SHA-256 of the
    /// token used (the CLI goes through the API with a token too).
    pub requested_by: String,
    /// `phone`, `email` or `call_id`.
    pub identifier_kind: String,
    /// SHA-256 (hex) of `kind:normalised value`.
    pub identifier_hash: String,
    /// What went.
    #[serde(flatten)]
    pub erased: Erased,
}

/// A page of erasure records, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErasurePage {
    /// The rows.
    pub data: Vec<ErasureRecord>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
