//! Erasing one caller: cancel their in-flight deliveries on this node,
//! then delete every stored row that mentions them and log the erasure.

use sha2::{Digest, Sha256};

use super::{Cancelled, Identifier};
use crate::{
    account::Scope,
    storage::{ErasureRecord, Store, StoreError},
};

/// Erases everything `scope`'s account stores about `who`; `requested_by` goes in the log.
pub async fn erase(
    store: &dyn Store,
    scope: &Scope,
    cancelled: &Cancelled,
    who: &Identifier,
    requested_by: &str,
) -> Result<ErasureRecord, StoreError> {
    let rows = store.find_caller(scope, who).await?;
    // First, so no actor sends a queued delivery of these events meanwhile.
    cancelled.cancel(scope.account(), &rows.events);
    let record = store.erase(scope, &rows, who, requested_by).await?;
    tracing::info!(
        erasure = %record.id,
        kind = who.kind(),
        events = record.erased.events,
        deliveries = record.erased.deliveries,
        invocations = record.erased.invocations,
        "caller erased"
    );
    Ok(record)
}

/// How the log names an admin token: a prefix of its SHA-256, never the token.
pub fn token_label(token: &str) -> String {
    let digest = hex::encode(Sha256::digest(token.as_bytes()));
    format!("admin:{}", &digest[..8])
}
