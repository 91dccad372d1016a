//! The grouped attempt write: a batch of attempt records and delivery state
//! changes in one transaction, as two multi-row statements per chunk.
//!
//! Same reasoning as `ingest`: per-row statements cost a hop to sqlx's
//! connection thread each, which under load outweighs SQLite's own work.

use super::tx::WriteTx;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::{ingest::chunked, RecordReq};
use crate::{delivery::NextStep, storage::StoreError, time::now_ms};

/// Commits a batch of attempt records. A delivery is attempted by one actor at
/// a time, so a batch never holds two records of one delivery and the
/// `MAX(number) + 1` numbering is unambiguous.
pub(super) async fn record(pool: SqlitePool, batch: Vec<RecordReq>) -> Result<Vec<()>, StoreError> {
    let now = now_ms();
    let mut tx = WriteTx::begin(&pool).await?;
    for chunk in chunked(&batch) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO attempts (delivery_id, number, started_at, duration_ms, status_code, error, response_excerpt, node)
             SELECT v.column1, (SELECT COALESCE(MAX(a.number), 0) + 1 FROM attempts a WHERE a.delivery_id = v.column1),
                    v.column2, v.column3, v.column4, v.column5, v.column6, v.column7 FROM (",
        );
        q.push_values(chunk, |mut b, (a, _, _)| {
            b.push_bind(a.delivery_id.as_str())
                .push_bind(a.started_at)
                .push_bind(a.duration_ms as i64)
                .push_bind(a.status_code.map(i64::from))
                .push_bind(a.error.as_deref())
                .push_bind(a.response_excerpt.as_deref())
                .push_bind(a.node.as_str());
        });
        q.push(") AS v");
        q.build().execute(tx.conn()).await?;

        let mut q = QueryBuilder::<Sqlite>::new(
            "UPDATE deliveries SET status = v.column2, attempt_count = attempt_count + 1, next_attempt_at = v.column3,
             first_attempt_at = COALESCE(first_attempt_at, v.column4), lease_owner = NULL, lease_expires_at = NULL,
             last_error = v.column5, updated_at = ",
        );
        q.push_bind(now).push(" FROM (");
        q.push_values(chunk, |mut b, (a, next, first)| {
            let next_at = match next {
                NextStep::RetryAt(t) => Some(*t),
                _ => None,
            };
            let last_error = if *next == NextStep::Succeeded {
                None
            } else {
                a.error.as_deref()
            };
            b.push_bind(a.delivery_id.as_str())
                .push_bind(next.state().as_str())
                .push_bind(next_at)
                .push_bind(*first)
                .push_bind(last_error);
        });
        q.push(") AS v WHERE deliveries.id = v.column1");
        q.build().execute(tx.conn()).await?;
    }
    tx.commit().await?;
    Ok(vec![(); batch.len()])
}
