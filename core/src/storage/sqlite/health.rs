//! Target health rows on SQLite. Merges run in the writer's transaction
//! (each actor flushes every 200 ms; as separate commits they took the write
//! connection from the writer, ten at once when ten targets timed out together).

use rusqlite::{params, Connection};
use sqlx::{Row, SqlitePool};

use crate::{
    health::{HealthDelta, HealthRecord},
    storage::{rows, StoreError},
    time::now_ms,
};

/// Merges a delta: a success in it restarts the failure streak with the
/// delta's trailing failures; otherwise they extend the stored streak.
const MERGE: &str = "INSERT INTO connector_health
         (name, consecutive_failures, last_success_at, last_failure_at, failing_since, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (name) DO UPDATE SET
         consecutive_failures = CASE WHEN excluded.last_success_at IS NOT NULL
             THEN excluded.consecutive_failures
             ELSE connector_health.consecutive_failures + excluded.consecutive_failures END,
         last_success_at = COALESCE(excluded.last_success_at, connector_health.last_success_at),
         last_failure_at = COALESCE(excluded.last_failure_at, connector_health.last_failure_at),
         failing_since = CASE WHEN excluded.last_success_at IS NOT NULL
             THEN excluded.failing_since
             ELSE COALESCE(connector_health.failing_since, excluded.failing_since) END,
         updated_at = excluded.updated_at
     RETURNING consecutive_failures, last_success_at, last_failure_at, failing_since";

/// Merges one delta inside the caller's transaction.
pub(super) fn record(
    db: &Connection,
    name: &str,
    d: &HealthDelta,
) -> Result<HealthRecord, StoreError> {
    let mut merge = db.prepare(MERGE)?;
    let record = merge.query_row(
        params![
            name,
            d.trailing_failures as i64,
            d.last_success_at,
            d.last_failure_at,
            d.first_trailing_failure_at,
            now_ms()
        ],
        |row| {
            Ok(HealthRecord {
                consecutive_failures: row.get::<_, i64>(0)? as u64,
                last_success_at: row.get(1)?,
                last_failure_at: row.get(2)?,
                failing_since: row.get(3)?,
            })
        },
    )?;
    Ok(record)
}

pub(super) async fn all(pool: &SqlitePool) -> Result<Vec<(String, HealthRecord)>, StoreError> {
    sqlx::query(
        "SELECT name, consecutive_failures, last_success_at, last_failure_at, failing_since
         FROM connector_health ORDER BY name",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, rows::health(r, 1)?)))
    .collect()
}
