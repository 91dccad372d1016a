//! The single writer: new events, attempt records and health merges share
//! one transaction, run on a thread of its own straight against SQLite.
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
//! The cold writes (`sql/`) go through the same pooled connection, so
//! SQLite never sees two writers.

use rusqlite::Connection;
use sqlx::SqlitePool;
use tokio::sync::oneshot;

use super::{health, ingest, record};
use crate::{
    health::{HealthDelta, HealthRecord},
    storage::{Ingested, Lease, NewEvent, RecordReq, StoreError},
};

/// Where a write's own answer goes once its batch is committed (the batch's
/// reply only says whether the commit succeeded).
pub(super) type Answer<T> = oneshot::Sender<T>;

/// One write waiting for the next commit.
pub(super) enum Write {
    /// Commit an event and its deliveries.
    Ingest(NewEvent, Lease, Answer<Ingested>),
    /// Commit an attempt and the delivery's next state.
    Record(RecordReq),
    /// Merge a connector's recent attempt outcomes into its health row.
    Health(String, HealthDelta, Answer<HealthRecord>),
}

/// Commits a batch of writes in one transaction, then sends each its answer.
/// Blocks its thread for the commit: run it on the writer's own thread.
pub(super) async fn commit(pool: SqlitePool, batch: Vec<Write>) -> Result<Vec<()>, StoreError> {
    let n = batch.len();
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
        // As in `sql::WriteTx`: after a failure (disk full) nothing may stay
        // open on the write connection; closing it rolls everything back.
        conn.close_on_drop();
    }
    result.map(|()| vec![(); n])
}

fn in_transaction(db: &Connection, batch: Vec<Write>) -> Result<(), StoreError> {
    let (mut events, mut ingest_answers) = (Vec::new(), Vec::new());
    let mut records = Vec::new();
    let (mut merges, mut merge_answers) = (Vec::new(), Vec::new());
    for write in batch {
        match write {
            Write::Ingest(event, lease, answer) => {
                events.push((event, lease));
                ingest_answers.push(answer);
            }
            Write::Record(r) => records.push(r),
            Write::Health(name, delta, answer) => {
                merges.push((name, delta));
                merge_answers.push(answer);
            }
        }
    }
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
    // A caller that gave up waiting has nobody to tell.
    for (answer, outcome) in ingest_answers.into_iter().zip(ingested) {
        let _ = answer.send(outcome);
    }
    for (answer, record) in merge_answers.into_iter().zip(merged) {
        let _ = answer.send(record);
    }
    Ok(())
}
