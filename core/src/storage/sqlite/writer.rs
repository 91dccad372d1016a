//! The single writer: new events and attempt records share one transaction,
//! run on a thread of its own straight against SQLite.
//!
//! SQLite commits one transaction at a time, and each commit waits for an
//! fsync. Ingest and attempt records arrive together under load; grouping
//! them into the same transaction halves the commits, and an ingest never
//! waits behind a separate commit of attempt records.
//!
//! sqlx runs each statement on its connection's worker thread, a round trip
//! (two thread wake-ups) per statement. For the hot batch the writer instead
//! takes the pool's write connection, locks its handle away from the worker
//! (`lock_handle`, sqlx's door for direct SQLite calls) and runs the whole
//! transaction through rusqlite on its own thread: one hand-off per batch.
//! Every other write still goes through the same pooled connection, so
//! SQLite never sees two writers.

use rusqlite::Connection;
use sqlx::SqlitePool;

use super::{health, ingest, record, RecordReq};
use crate::{
    health::{HealthDelta, HealthRecord},
    storage::{Ingested, Lease, NewEvent, StoreError},
};

/// One write waiting for the next commit.
pub(super) enum Write {
    /// Commit an event and its deliveries.
    Ingest(NewEvent, Lease),
    /// Commit an attempt and the delivery's next state.
    Record(RecordReq),
    /// Merge a connector's recent attempt outcomes into its health row.
    Health(String, HealthDelta),
}

/// The answer to a [`Write`], once committed.
pub(super) enum Written {
    /// The event's outcome.
    Ingested(Ingested),
    /// The attempt is stored.
    Recorded,
    /// The connector's merged health.
    Health(HealthRecord),
}

/// Commits a batch of writes in one transaction; answers in the batch's order.
/// Blocks its thread for the commit: run it on the writer's own thread.
pub(super) async fn commit(
    pool: SqlitePool,
    batch: Vec<Write>,
) -> Result<Vec<Written>, StoreError> {
    let mut conn = pool.acquire().await?;
    let result = match conn.lock_handle().await {
        Ok(mut handle) => {
            // SAFETY: the guard gives this thread sole use of the handle until
            // it drops; the rusqlite view does not own (close) the handle and
            // is dropped first, at the end of this arm.
            match unsafe { Connection::from_handle(handle.as_raw_handle().as_ptr()) } {
                Ok(db) => in_transaction(&db, batch),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    };
    if result.is_err() {
        // As in `tx::WriteTx`: after a failure (disk full) nothing may stay
        // open on the write connection; closing it rolls everything back.
        conn.close_on_drop();
    }
    result
}

fn in_transaction(db: &Connection, batch: Vec<Write>) -> Result<Vec<Written>, StoreError> {
    let mut events = Vec::new();
    let mut records = Vec::new();
    let mut merges = Vec::new();
    let order: Vec<Kind> = batch
        .into_iter()
        .map(|w| match w {
            Write::Ingest(event, lease) => {
                events.push((event, lease));
                Kind::Ingest
            }
            Write::Record(r) => {
                records.push(r);
                Kind::Record
            }
            Write::Health(name, delta) => {
                merges.push((name, delta));
                Kind::Health
            }
        })
        .collect();
    db.execute_batch("BEGIN IMMEDIATE")?;
    let work = ingest::ingest(db, &events).and_then(|ingested| {
        record::record(db, &records)?;
        let merged = merges
            .iter()
            .map(|(name, delta)| health::record(db, name, delta))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((ingested, merged))
    });
    let (ingested, merged) = match work {
        Ok(done) => done,
        Err(e) => {
            let _ = db.execute_batch("ROLLBACK");
            return Err(e);
        }
    };
    db.execute_batch("COMMIT")?;
    let (mut ingested, mut merged) = (ingested.into_iter(), merged.into_iter());
    Ok(order
        .into_iter()
        .map(|kind| match kind {
            Kind::Ingest => Written::Ingested(ingested.next().expect("one answer per event")),
            Kind::Record => Written::Recorded,
            Kind::Health => Written::Health(merged.next().expect("one answer per merge")),
        })
        .collect())
}

/// What each position of a batch was, so it gets its answer.
enum Kind {
    Ingest,
    Record,
    Health,
}
