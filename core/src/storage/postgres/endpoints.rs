//! Runtime endpoints on PostgreSQL.

use sqlx::PgPool;

use crate::{
    endpoints::{EndpointRecord, EndpointRow},
    storage::{Sealer, StoreError},
    time::now_ms,
};

const COLUMNS: &str = "id, url, urls, events, description, secrets, created_at, updated_at";

pub(super) async fn save(
    pool: &PgPool,
    sealer: &Sealer,
    e: &EndpointRecord,
) -> Result<(), StoreError> {
    let r = e.to_row(sealer);
    sqlx::query(
        "INSERT INTO endpoints (id, url, urls, events, description, secrets, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
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

pub(super) async fn all(pool: &PgPool, sealer: &Sealer) -> Result<Vec<EndpointRecord>, StoreError> {
    sqlx::query_as::<_, EndpointRow>(&format!("SELECT {COLUMNS} FROM endpoints ORDER BY id"))
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| row.into_record(sealer))
        .collect()
}

pub(super) async fn one(
    pool: &PgPool,
    sealer: &Sealer,
    id: &str,
) -> Result<Option<EndpointRecord>, StoreError> {
    sqlx::query_as::<_, EndpointRow>(&format!("SELECT {COLUMNS} FROM endpoints WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(|row| row.into_record(sealer))
        .transpose()
}

/// Deletes the endpoint, forgets its disabled state and parks its active
/// deliveries as `disabled`, in one transaction.
pub(super) async fn delete(pool: &PgPool, id: &str) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query("DELETE FROM endpoints WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if gone {
        sqlx::query("DELETE FROM connector_state WHERE name = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE deliveries SET status = 'disabled', next_attempt_at = NULL,
                 lease_owner = NULL, lease_expires_at = NULL, last_error = $1, updated_at = $2
             WHERE connector = $3 AND status IN ('pending', 'retrying')",
        )
        .bind(crate::endpoints::DELETED_REASON)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// Seals the secrets of endpoints stored before a key was set. Each row is
/// replaced only if it is still the plaintext read, so an edit made meanwhile
/// (by another node) is never overwritten. Returns how many were sealed.
pub(super) async fn seal_plain(pool: &PgPool, sealer: &Sealer) -> Result<usize, StoreError> {
    if !sealer.is_enabled() {
        return Ok(0);
    }
    let plain: Vec<(String, String)> =
        sqlx::query_as("SELECT id, secrets FROM endpoints WHERE secrets NOT LIKE $1")
            .bind(Sealer::sealed_pattern())
            .fetch_all(pool)
            .await?;
    let mut sealed = 0;
    for (id, secrets) in plain {
        sealed += sqlx::query("UPDATE endpoints SET secrets = $1 WHERE id = $2 AND secrets = $3")
            .bind(sealer.seal(&secrets, &id))
            .bind(&id)
            .bind(&secrets)
            .execute(pool)
            .await?
            .rows_affected() as usize;
    }
    Ok(sealed)
}
