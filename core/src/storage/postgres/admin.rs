//! The rare writes: giving leases back, replay, disabling a connector.

use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::{
    storage::{ReplaySelector, StoreError},
    time::now_ms,
};

/// Releases these leases, each delivery due no earlier than `due_at` (0: as
/// it was); returns the connectors that got work back.
pub(crate) async fn release(
    pool: &PgPool,
    node: &str,
    ids: Vec<String>,
    due_at: i64,
) -> Result<Vec<String>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(sqlx::query_scalar(
        "WITH released AS (
             UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL,
                    next_attempt_at = GREATEST(next_attempt_at, $3)
             WHERE id = ANY($1) AND lease_owner = $2 RETURNING connector)
         SELECT DISTINCT connector FROM released",
    )
    .bind(&ids)
    .bind(node)
    .bind(due_at)
    .fetch_all(pool)
    .await?)
}

/// Releases every active lease `node` holds on `connector`; returns how many.
pub(crate) async fn release_node(
    pool: &PgPool,
    connector: &str,
    node: &str,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL
         WHERE connector = $1 AND lease_owner = $2 AND status IN ('pending', 'retrying')",
    )
    .bind(connector)
    .bind(node)
    .execute(pool)
    .await?
    .rows_affected())
}

pub(crate) async fn replay(
    pool: &PgPool,
    selector: &ReplaySelector,
) -> Result<Vec<(String, u64)>, StoreError> {
    let now = now_ms();
    // Counted in the database: a bulk replay returns one row per connector,
    // not one per delivery.
    let mut q = QueryBuilder::<Postgres>::new(
        "WITH replayed AS (UPDATE deliveries SET status = 'pending', next_attempt_at = ",
    );
    // A delivery under an unexpired lease is being attempted: left alone.
    q.push_bind(now)
        .push(", first_attempt_at = NULL, last_error = NULL, updated_at = ")
        .push_bind(now)
        .push(" WHERE (lease_expires_at IS NULL OR lease_expires_at <= ")
        .push_bind(now)
        .push(")");
    match selector {
        ReplaySelector::Delivery(id) => {
            q.push(" AND id = ").push_bind(id.clone());
        }
        ReplaySelector::Event(id) => {
            q.push(" AND event_id = ").push_bind(id.clone());
        }
        ReplaySelector::Bulk(f) => super::read::push_filter(&mut q, f),
    }
    q.push(" RETURNING connector) SELECT connector, COUNT(*) FROM replayed GROUP BY connector");
    Ok(q.build_query_as::<(String, i64)>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(c, n)| (c, n as u64))
        .collect())
}

pub(crate) async fn set_disabled(
    pool: &PgPool,
    connector: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let now = now_ms();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO connector_state (name, disabled, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET disabled = excluded.disabled, updated_at = excluded.updated_at",
    )
    .bind(connector)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if reason.is_none() {
        sqlx::query("DELETE FROM connector_health WHERE name = $1")
            .bind(connector)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(reason) = reason {
        sqlx::query(
            "UPDATE deliveries SET status = 'disabled', next_attempt_at = NULL, last_error = $1, updated_at = $2
             WHERE connector = $3 AND status IN ('pending', 'retrying')",
        )
        .bind(reason)
        .bind(now)
        .bind(connector)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn expire(pool: &PgPool, id: &str, reason: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, lease_owner = NULL,
             lease_expires_at = NULL, last_error = $1, updated_at = $2
         WHERE id = $3 AND status IN ('pending', 'retrying')",
    )
    .bind(reason)
    .bind(now_ms())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}
