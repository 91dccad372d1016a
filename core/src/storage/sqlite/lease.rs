//! Leasing due deliveries on SQLite: one `UPDATE ... RETURNING` on the
//! write connection (one node, so no row locks to skip), then their events.

use std::{collections::HashMap, sync::Arc};

use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{
    account::{AccountId, TargetName},
    delivery::Job,
    storage::{Lease, StoreError},
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
    // Every delivery of a target is its account's: the key says which.
    let account = AccountId::parse(TargetName::of(connector).account)
        .map_err(|e| StoreError::Corrupt(format!("connector {connector}: {e}")))?;
    let mut q =
        QueryBuilder::<Sqlite>::new("SELECT id, type, created, body FROM events WHERE account = ");
    q.push_bind(account.as_str()).push(" AND id IN (");
    let mut sep = q.separated(", ");
    for row in &leased {
        sep.push_bind(row.get::<String, _>(1));
    }
    q.push(")");
    let mut events = HashMap::new();
    for row in q.build().fetch_all(pool).await? {
        let ev = crate::storage::rows::event(&row, 0)?.in_account(account.clone());
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
