//! Keeping the file compact: pages freed by pruning and erasure go back to
//! the file system (`auto_vacuum = INCREMENTAL`), a few at a time, so the
//! file tracks what is stored instead of its all-time peak.

use std::time::Duration;

use sqlx::SqlitePool;

use crate::storage::StoreError;

/// Pages returned per step (4 MiB at the default page size): one step holds
/// the write lock for a few milliseconds.
const PAGES_PER_STEP: i64 = 1024;
/// Pause between steps, so queued ingests commit in between.
const PAUSE: Duration = Duration::from_millis(20);
/// `PRAGMA auto_vacuum` value of incremental mode.
const INCREMENTAL: i64 = 2;

/// Makes the database file return freed pages on request. A file created
/// without it (before this version) is rewritten once by `VACUUM`: a pause
/// at that start about as long as copying the file.
pub(super) async fn ensure_incremental(write: &SqlitePool) -> Result<(), StoreError> {
    let mode: i64 = sqlx::query_scalar("PRAGMA auto_vacuum")
        .fetch_one(write)
        .await?;
    if mode == INCREMENTAL {
        return Ok(());
    }
    tracing::info!("switching the database file to incremental vacuum (one VACUUM, once)");
    sqlx::query("PRAGMA auto_vacuum = INCREMENTAL")
        .execute(write)
        .await?;
    sqlx::query("VACUUM").execute(write).await?;
    Ok(())
}

/// Returns every free page to the file system, a step at a time.
pub(super) async fn compact(write: &SqlitePool) -> Result<(), StoreError> {
    loop {
        let free: i64 = sqlx::query_scalar("PRAGMA freelist_count")
            .fetch_one(write)
            .await?;
        if free == 0 {
            return Ok(());
        }
        sqlx::query(&format!("PRAGMA incremental_vacuum({PAGES_PER_STEP})"))
            .execute(write)
            .await?;
        tokio::time::sleep(PAUSE).await;
    }
}
