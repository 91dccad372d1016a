//! Online backup: a consistent copy of the database while the hub serves.

use std::{path::Path, str::FromStr};

use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection};

use crate::storage::StoreError;

/// Writes a consistent copy of the SQLite database at `url` to `to` with
/// `VACUUM INTO`: one read snapshot, so it holds everything committed before
/// it began and nothing half-written, and neither ingest nor delivery waits
/// for it (WAL readers do not block the writer). `to` must not exist.
pub async fn backup(url: &str, to: &Path) -> Result<(), StoreError> {
    if to.exists() {
        return Err(StoreError::Open(format!(
            "{} already exists; a backup never overwrites a file",
            to.display()
        )));
    }
    let mut conn = SqliteConnectOptions::from_str(url)?
        .read_only(true)
        .connect()
        .await?;
    sqlx::query("VACUUM INTO $1")
        .bind(to.display().to_string())
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}
