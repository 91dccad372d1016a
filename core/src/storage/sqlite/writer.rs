//! The single writer: new events and attempt records share one transaction.
//!
//! SQLite commits one transaction at a time, and each commit waits for an
//! fsync. Ingest and attempt records arrive together under load; grouping
//! them into the same transaction halves the commits, and an ingest never
//! waits behind a separate commit of attempt records.

use sqlx::SqlitePool;

use super::{ingest, record, tx::WriteTx, RecordReq};
use crate::storage::{Ingested, Lease, NewEvent, StoreError};

/// One write waiting for the next commit.
pub(super) enum Write {
    /// Commit an event and its deliveries.
    Ingest(NewEvent, Lease),
    /// Commit an attempt and the delivery's next state.
    Record(RecordReq),
}

/// The answer to a [`Write`], once committed.
pub(super) enum Written {
    /// The event's outcome.
    Ingested(Ingested),
    /// The attempt is stored.
    Recorded,
}

/// Commits a batch of writes in one transaction; answers in the batch's order.
pub(super) async fn commit(
    pool: SqlitePool,
    batch: Vec<Write>,
) -> Result<Vec<Written>, StoreError> {
    let mut events = Vec::new();
    let mut records = Vec::new();
    let mut is_ingest = Vec::with_capacity(batch.len());
    for w in batch {
        is_ingest.push(matches!(w, Write::Ingest(..)));
        match w {
            Write::Ingest(event, lease) => events.push((event, lease)),
            Write::Record(r) => records.push(r),
        }
    }
    // WriteTx, not sqlx's Transaction: a failed batch (disk full) must close
    // the writer connection rather than leave a transaction open on it.
    let mut tx = WriteTx::begin(&pool).await?;
    let ingested = if events.is_empty() {
        Vec::new()
    } else {
        ingest::ingest(tx.conn(), &events).await?
    };
    if !records.is_empty() {
        record::record(tx.conn(), &records).await?;
    }
    tx.commit().await?;
    let mut ingested = ingested.into_iter();
    Ok(is_ingest
        .into_iter()
        .map(|ingest| match ingest {
            true => Written::Ingested(ingested.next().expect("one answer per event")),
            false => Written::Recorded,
        })
        .collect())
}
