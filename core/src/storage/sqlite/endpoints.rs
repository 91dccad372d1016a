//! Runtime endpoints on SQLite.

use sqlx::SqlitePool;

use super::tx::WriteTx;

use crate::{
    endpoints::{EndpointRecord, EndpointRow},
    storage::{Sealer, StoreError},
    time::now_ms,
};

const COLUMNS: &str = "id, url, urls, events, description, secrets, created_at, updated_at";

pub(super) async fn save(
    pool: &SqlitePool,
    sealer: &Sealer,
    e: &EndpointRecord,
) -> Result<(), StoreError> {
    let r = e.to_row(sealer);
    sqlx::query(
        "INSERT INTO endpoints (id, url, urls, events, description, secrets, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, urls = excluded.urls,
             events = excluded.events, description = excluded.description,
             secrets = excluded.secrets, updated_at = excluded.updated_at",
    )
    .bind(&r.id)
    .bind(&r.url)
    .bind(&r.urls)
    .bind(&r.events)
    .bind(&r.description)
    .bind(&r.secrets)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn all(
    pool: &SqlitePool,
    sealer: &Sealer,
) -> Result<Vec<EndpointRecord>, StoreError> {
    sqlx::query_as::<_, EndpointRow>(&format!("SELECT {COLUMNS} FROM endpoints ORDER BY id"))
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| row.into_record(sealer))
        .collect()
}

pub(super) async fn one(
    pool: &SqlitePool,
    sealer: &Sealer,
    id: &str,
) -> Result<Option<EndpointRecord>, StoreError> {
    sqlx::query_as::<_, EndpointRow>(&format!("SELECT {COLUMNS} FROM endpoints WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(|row| row.into_record(sealer))
        .transpose()
}

/// Deletes the endpoint, forgets its disabled state and parks its active
/// deliveries as `disabled`, in one transaction.
pub(super) async fn delete(pool: &SqlitePool, id: &str) -> Result<bool, StoreError> {
    let mut tx = WriteTx::begin(pool).await?;
    let gone = sqlx::query("DELETE FROM endpoints WHERE id = ?")
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected()
        > 0;
    if gone {
        sqlx::query("DELETE FROM connector_state WHERE name = ?")
            .bind(id)
            .execute(tx.conn())
            .await?;
        sqlx::query(
            "UPDATE deliveries SET status = 'disabled', next_attempt_at = NULL,
                 lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ?
             WHERE connector = ? AND status IN ('pending', 'retrying')",
        )
        .bind(crate::endpoints::DELETED_REASON)
        .bind(now_ms())
        .bind(id)
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// Seals the secrets of endpoints stored before a key was set. Each row is
/// replaced only if it is still the plaintext read. `secure_delete` zeroes
/// the space the plaintext leaves in its page, and the checkpoint writes
/// those pages back and empties the WAL, so no copy of the plaintext is
/// left in the database's files. Returns how many rows were sealed.
pub(super) async fn seal_plain(pool: &SqlitePool, sealer: &Sealer) -> Result<usize, StoreError> {
    if !sealer.is_enabled() {
        return Ok(0);
    }
    let plain: Vec<(String, String)> =
        sqlx::query_as("SELECT id, secrets FROM endpoints WHERE secrets NOT LIKE ?")
            .bind(Sealer::sealed_pattern())
            .fetch_all(pool)
            .await?;
    if plain.is_empty() {
        return Ok(0);
    }
    let mut tx = WriteTx::begin(pool).await?;
    sqlx::query("PRAGMA secure_delete = ON")
        .execute(tx.conn())
        .await?;
    let mut sealed = 0;
    for (id, secrets) in plain {
        sealed += sqlx::query("UPDATE endpoints SET secrets = ? WHERE id = ? AND secrets = ?")
            .bind(sealer.seal(&secrets, &id))
            .bind(&id)
            .bind(&secrets)
            .execute(tx.conn())
            .await?
            .rows_affected() as usize;
    }
    sqlx::query("PRAGMA secure_delete = OFF")
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await?;
    Ok(sealed)
}
