//! Health merges on SQLite run in the writer's transaction (each actor
//! flushes every 200 ms; as separate commits they took the write connection
//! from the writer, ten at once when ten targets timed out together).

use rusqlite::{params, Connection};

use crate::{
    health::{HealthDelta, HealthRecord},
    storage::{sql::HEALTH_MERGE, StoreError},
    time::now_ms,
};

/// Merges one delta inside the caller's transaction.
pub(super) fn record(
    db: &Connection,
    name: &str,
    d: &HealthDelta,
) -> Result<HealthRecord, StoreError> {
    let mut merge = db.prepare(HEALTH_MERGE)?;
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
