//! The rare writes: giving leases back, replay, disabling a connector,
//! failing a delivery whose retry window ran out.

use std::collections::BTreeMap;

use super::{read::push_filter, Dialect, Fields, Sql, Statement, WriteTx};
use crate::{
    account::Scope,
    storage::{ReplaySelector, Replayed, StoreError},
    time::{now_ms, Millis},
};

/// Ids per `IN (...)` list: far below either database's limit on parameters.
const ID_CHUNK: usize = 500;

/// Deliveries replayed per transaction: a bulk replay of a million rows
/// holds neither SQLite's write lock (ingest goes on between chunks) nor
/// memory or row locks for more than one chunk.
const REPLAY_CHUNK: i64 = 5_000;

impl<DB: Dialect> Sql<DB> {
    /// Gives these leases back, each delivery due no earlier than `due_at`
    /// (0: as it was); returns the connectors that got work back.
    pub(crate) async fn release(
        &self,
        node: &str,
        ids: &[String],
        due_at: Millis,
    ) -> Result<Vec<String>, StoreError> {
        let mut connectors = Vec::new();
        for chunk in ids.chunks(ID_CHUNK) {
            let mut q = Statement::new(format!(
                "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL, \
                 next_attempt_at = {}(next_attempt_at, ",
                DB::GREATEST
            ));
            q.push_bind(due_at)
                .push(") WHERE lease_owner = ")
                .push_bind(node)
                .push(" AND id IN (")
                .push_list(chunk)
                .push(") RETURNING connector");
            for row in self.write_all(&q).await? {
                connectors.push(row.text_at(0)?);
            }
        }
        connectors.sort();
        connectors.dedup();
        Ok(connectors)
    }

    /// Releases every active lease `node` holds on `connector`; returns how many.
    pub(crate) async fn release_node(
        &self,
        connector: &str,
        node: &str,
    ) -> Result<u64, StoreError> {
        let q = Statement::new(
            "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL
             WHERE connector = $1 AND lease_owner = $2 AND status IN ('pending', 'retrying')",
        )
        .bind(connector)
        .bind(node);
        self.write(&q).await
    }

    /// Makes the selected deliveries due now, a chunk at a time in id order;
    /// returns how many per connector, by name. Deliveries under an
    /// unexpired lease are being attempted and are left alone.
    pub(crate) async fn replay(
        &self,
        scope: &Scope,
        selector: &ReplaySelector,
    ) -> Result<Vec<Replayed>, StoreError> {
        let now = now_ms();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut after = String::new();
        loop {
            let mut q =
                Statement::new("UPDATE deliveries SET status = 'pending', next_attempt_at = ");
            q.push_bind(now)
                .push(", first_attempt_at = NULL, last_error = NULL, updated_at = ")
                .push_bind(now)
                .push(" WHERE id IN (SELECT id FROM deliveries WHERE id > ")
                .push_bind(after.as_str())
                .push(" AND (lease_expires_at IS NULL OR lease_expires_at <= ")
                .push_bind(now)
                .push(")");
            match selector {
                ReplaySelector::Delivery(id) => {
                    q.push(" AND account = ")
                        .push_bind(scope.account().as_str())
                        .push(" AND id = ")
                        .push_bind(id);
                }
                ReplaySelector::Event(id) => {
                    q.push(" AND account = ")
                        .push_bind(scope.account().as_str())
                        .push(" AND event_id = ")
                        .push_bind(id);
                }
                ReplaySelector::Bulk(f) => push_filter(&mut q, scope, f),
            }
            q.push(" ORDER BY id LIMIT ")
                .push_bind(REPLAY_CHUNK)
                .push(") RETURNING id, connector");
            let mut tx = WriteTx::begin(&self.write).await?;
            let rows = tx.fetch_all(&q).await?;
            tx.commit().await?;
            for row in &rows {
                *counts.entry(row.text_at(1)?).or_default() += 1;
                after = after.max(row.text_at(0)?);
            }
            if (rows.len() as i64) < REPLAY_CHUNK {
                return Ok(counts
                    .into_iter()
                    .map(|(connector, count)| Replayed { connector, count })
                    .collect());
            }
        }
    }

    /// See [`Store::set_disabled`](crate::storage::Store::set_disabled).
    pub(crate) async fn set_disabled(
        &self,
        connector: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = WriteTx::begin(&self.write).await?;
        let state = Statement::new(
            "INSERT INTO connector_state (name, disabled, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET disabled = excluded.disabled,
                 updated_at = excluded.updated_at",
        );
        tx.execute(&state.bind(connector).bind(reason).bind(now))
            .await?;
        let follow = match reason {
            // A fresh start: an old failure streak must not disable it again at once.
            None => Statement::new("DELETE FROM connector_health WHERE name = $1").bind(connector),
            // Held, not dropped: what was waiting, and what failed since the
            // target started failing, is sent again once it is re-enabled.
            Some(reason) => Statement::new(
                "UPDATE deliveries SET status = 'disabled', next_attempt_at = NULL,
                     last_error = $1, updated_at = $2
                 WHERE connector = $3 AND (status IN ('pending', 'retrying')
                     OR (status = 'failed' AND updated_at >= COALESCE(
                         (SELECT failing_since FROM connector_health WHERE name = $4), $5)))",
            )
            .bind(reason)
            .bind(now)
            .bind(connector)
            .bind(connector)
            .bind(now),
        };
        tx.execute(&follow).await?;
        if reason.is_none() {
            tx.execute(&release_held(connector, now)).await?;
        }
        tx.commit().await
    }

    /// See [`Store::expire`](crate::storage::Store::expire).
    pub(crate) async fn expire(&self, id: &str, reason: &str) -> Result<(), StoreError> {
        let q = Statement::new(
            "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, lease_owner = NULL,
                 lease_expires_at = NULL, last_error = $1, updated_at = $2
             WHERE id = $3 AND status IN ('pending', 'retrying')",
        )
        .bind(reason)
        .bind(now_ms())
        .bind(id);
        self.write(&q).await.map(drop)
    }
}

/// Re-enabling sends the held deliveries again: due at once in the order the
/// hub received them (each is due at its creation time, and leases take the
/// earliest due first), each with a fresh `retry_for` counted from now.
fn release_held(connector: &str, now: i64) -> Statement {
    Statement::new(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = created_at,
             first_attempt_at = $1, last_error = NULL, lease_owner = NULL,
             lease_expires_at = NULL, updated_at = $2
         WHERE connector = $3 AND status = 'disabled'",
    )
    .bind(now)
    .bind(now)
    .bind(connector)
}
