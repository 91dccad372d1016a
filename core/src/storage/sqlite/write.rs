//! Writes: leases, attempt records, replay (ingest is in `ingest.rs`). All on
//! the single writer connection.

use std::{collections::HashMap, sync::Arc};

use super::tx::WriteTx;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{
    delivery::Job,
    storage::{Lease, ReplaySelector, StoreError},
    time::{now_ms, Millis},
};

pub(super) async fn lease_due(
    pool: &SqlitePool,
    connector: &str,
    lease: &Lease,
    limit: usize,
) -> Result<Vec<Job>, StoreError> {
    let leased = sqlx::query(
        "UPDATE deliveries SET lease_owner = ?, lease_expires_at = ?
         WHERE id IN (SELECT id FROM deliveries
                      WHERE connector = ? AND status IN ('pending', 'retrying') AND next_attempt_at <= ?
                        AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
                      ORDER BY next_attempt_at LIMIT ?)
         RETURNING id, event_id, attempt_count, first_attempt_at",
    )
    .bind(&*lease.node)
    .bind(lease.until)
    .bind(connector)
    .bind(lease.now)
    .bind(lease.now)
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    if leased.is_empty() {
        return Ok(vec![]);
    }
    let mut q =
        QueryBuilder::<Sqlite>::new("SELECT id, type, created, body FROM events WHERE id IN (");
    let mut sep = q.separated(", ");
    for row in &leased {
        sep.push_bind(row.get::<String, _>(1));
    }
    q.push(")");
    let mut events = HashMap::new();
    for row in q.build().fetch_all(pool).await? {
        let ev = crate::storage::rows::event(&row)?;
        events.insert(ev.id.clone(), ev);
    }
    let connector: Arc<str> = connector.into();
    leased
        .iter()
        .map(|row| {
            let event_id: String = row.get(1);
            let event = events.get(&event_id).cloned().ok_or_else(|| {
                StoreError::Corrupt(format!("delivery of missing event {event_id}"))
            })?;
            Ok(Job {
                delivery_id: row.get(0),
                connector: connector.clone(),
                event,
                attempts_made: row.get::<i64, _>(2) as u32,
                first_attempt_at: row.get(3),
            })
        })
        .collect()
}

/// Gives leases back, each delivery due no earlier than `due_at` (0: as it was).
pub(super) async fn release(
    pool: &SqlitePool,
    node: &str,
    ids: Vec<String>,
    due_at: Millis,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = MAX(next_attempt_at, ",
        );
        q.push_bind(due_at)
            .push(") WHERE lease_owner = ")
            .push_bind(node)
            .push(" AND id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(id);
        }
        q.push(")");
        q.build().execute(pool).await?;
    }
    Ok(())
}

pub(super) async fn release_node(
    pool: &SqlitePool,
    connector: &str,
    node: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL
         WHERE connector = ? AND lease_owner = ? AND status IN ('pending', 'retrying')",
    )
    .bind(connector)
    .bind(node)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deliveries replayed per transaction: a bulk replay of a million rows
/// holds neither the write lock (ingest goes on between chunks) nor memory
/// for more than one chunk.
const REPLAY_CHUNK: i64 = 5_000;

/// Makes the selected deliveries due now, a chunk at a time in id order;
/// returns how many per connector. Deliveries under an unexpired lease are
/// being attempted and are left alone.
pub(super) async fn replay(
    pool: &SqlitePool,
    selector: &ReplaySelector,
) -> Result<Vec<(String, u64)>, StoreError> {
    let now = now_ms();
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut after = String::new();
    loop {
        let mut q = QueryBuilder::<Sqlite>::new(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = ",
        );
        q.push_bind(now)
            .push(", first_attempt_at = NULL, last_error = NULL, updated_at = ")
            .push_bind(now)
            .push(" WHERE id IN (SELECT id FROM deliveries WHERE id > ")
            .push_bind(after.clone())
            .push(" AND (lease_expires_at IS NULL OR lease_expires_at <= ")
            .push_bind(now)
            .push(")");
        match selector {
            ReplaySelector::Delivery(id) => {
                q.push(" AND id = ").push_bind(id);
            }
            ReplaySelector::Event(id) => {
                q.push(" AND event_id = ").push_bind(id);
            }
            ReplaySelector::Bulk(f) => super::read::push_filter(&mut q, f),
        }
        q.push(" ORDER BY id LIMIT ")
            .push_bind(REPLAY_CHUNK)
            .push(") RETURNING id, connector");
        let mut tx = WriteTx::begin(pool).await?;
        let rows = q.build().fetch_all(tx.conn()).await?;
        tx.commit().await?;
        for row in &rows {
            *counts.entry(row.get(1)).or_default() += 1;
            after = after.max(row.get(0));
        }
        if (rows.len() as i64) < REPLAY_CHUNK {
            return Ok(counts.into_iter().collect());
        }
    }
}

pub(super) async fn set_disabled(
    pool: &SqlitePool,
    connector: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let now = now_ms();
    let mut tx = WriteTx::begin(pool).await?;
    sqlx::query(
        "INSERT INTO connector_state (name, disabled, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET disabled = excluded.disabled, updated_at = excluded.updated_at",
    )
    .bind(connector)
    .bind(reason)
    .bind(now)
    .execute(tx.conn())
    .await?;
    if reason.is_none() {
        sqlx::query("DELETE FROM connector_health WHERE name = ?")
            .bind(connector)
            .execute(tx.conn())
            .await?;
    }
    if let Some(reason) = reason {
        sqlx::query(
            "UPDATE deliveries SET status = 'disabled', next_attempt_at = NULL, last_error = ?, updated_at = ?
             WHERE connector = ? AND status IN ('pending', 'retrying')",
        )
        .bind(reason)
        .bind(now)
        .bind(connector)
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn expire(pool: &SqlitePool, id: &str, reason: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, lease_owner = NULL,
             lease_expires_at = NULL, last_error = ?, updated_at = ?
         WHERE id = ? AND status IN ('pending', 'retrying')",
    )
    .bind(reason)
    .bind(now_ms())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}
