//! Leasing due deliveries on PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
//! several nodes lease at once without waiting on each other, and the
//! events come back in the same statement.

use std::sync::Arc;

use sqlx::{PgPool, Row};

use crate::{
    account::AccountId,
    delivery::Job,
    event::EventType,
    storage::{Lease, StoreError},
};

pub(super) async fn lease_due(
    pool: &PgPool,
    connector: &str,
    lease: &Lease,
    limit: usize,
) -> Result<Vec<Job>, StoreError> {
    // SKIP LOCKED: rows another node is leasing right now are simply not
    // ours; rows it leased earlier are excluded by their unexpired lease.
    let rows = sqlx::query(
        "WITH due AS (
             SELECT id FROM deliveries
             WHERE connector = $1 AND status IN ('pending', 'retrying') AND next_attempt_at <= $2
               AND (lease_expires_at IS NULL OR lease_expires_at <= $2)
             ORDER BY next_attempt_at LIMIT $3
             FOR UPDATE SKIP LOCKED),
         leased AS (
             UPDATE deliveries d SET lease_owner = $4, lease_expires_at = $5
             FROM due WHERE d.id = due.id
             RETURNING d.id, d.event_id, d.account, d.attempt_count, d.first_attempt_at,
                 d.next_attempt_at)
         SELECT l.id, l.attempt_count, l.first_attempt_at, e.id AS event_id, e.type, e.created,
             e.body, e.account
         FROM leased l JOIN events e ON e.account = l.account AND e.id = l.event_id
         ORDER BY l.next_attempt_at, l.id",
    )
    .bind(connector)
    .bind(lease.now)
    .bind(limit as i64)
    .bind(&*lease.node)
    .bind(lease.until)
    .fetch_all(pool)
    .await?;
    let connector: Arc<str> = connector.into();
    rows.iter()
        .map(|row| {
            let kind: String = row.get("type");
            let kind: EventType = kind
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
            let account = AccountId::parse(row.get("account"))
                .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
            Ok(Job {
                delivery_id: row.get("id"),
                connector: connector.clone(),
                event: crate::event::Event::from_stored(
                    row.get("event_id"),
                    kind,
                    row.get("created"),
                    row.get("body"),
                )
                .in_account(account),
                attempts_made: row.get::<i64, _>("attempt_count") as u32,
                first_attempt_at: row.get("first_attempt_at"),
            })
        })
        .collect()
}
