//! Retention: deleting, a small batch per transaction, what is past its
//! age. A delivery goes with its attempts; an event goes with its last
//! delivery. Pending and retrying deliveries are never touched.

use super::{Dialect, Fields, Sql, Statement, WriteTx};
use crate::{
    storage::{Cutoffs, Pruned, StoreError},
    time::Millis,
};

/// Ids per `IN (...)` list, and rows per prune batch at most: far below
/// either database's limit on parameters.
pub(super) const ID_BATCH: usize = 500;

/// Which finished deliveries a cutoff applies to.
const SUCCEEDED: &str = "status = 'succeeded'";
const ENDED_UNDELIVERED: &str = "status IN ('failed', 'disabled')";

impl<DB: Dialect> Sql<DB> {
    /// Deletes up to `limit` rows of each kind past its cutoff, each kind in
    /// its own short transaction.
    pub(crate) async fn prune(&self, cutoffs: &Cutoffs, limit: i64) -> Result<Pruned, StoreError> {
        let mut pruned = Pruned::default();
        let kinds = [
            (cutoffs.succeeded, SUCCEEDED),
            (cutoffs.failed, ENDED_UNDELIVERED),
        ];
        for (cutoff, states) in kinds {
            if let Some(before) = cutoff {
                let (deliveries, events) = self.prune_deliveries(states, before, limit).await?;
                pruned.deliveries += deliveries;
                pruned.events += events;
                pruned.more |= deliveries as i64 >= limit;
            }
        }
        if let Some(before) = cutoffs.succeeded {
            let bare = self.prune_bare_events(before, limit).await?;
            pruned.events += bare;
            pruned.more |= bare as i64 >= limit;
        }
        if let Some(before) = cutoffs.invocations {
            pruned.invocations = self.prune_invocations(before, limit).await?;
            pruned.more |= pruned.invocations as i64 >= limit;
        }
        Ok(pruned)
    }

    /// One batch of deliveries in `states` last changed before `before`,
    /// oldest first; returns how many deliveries and events went.
    async fn prune_deliveries(
        &self,
        states: &str,
        before: Millis,
        limit: i64,
    ) -> Result<(u64, u64), StoreError> {
        let pick = Statement::new(format!(
            "SELECT id, event_id FROM deliveries WHERE {states} AND updated_at < $1 \
             ORDER BY id LIMIT $2{}",
            DB::LOCK_SKIP
        ))
        .bind(before)
        .bind(limit);
        let mut tx = WriteTx::begin(&self.write).await?;
        let rows = tx.fetch_all(&pick).await?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(row.text_at(0)?);
            events.push(row.text_at(1)?);
        }
        events.sort();
        events.dedup();
        let gone = delete_deliveries::<DB>(&mut tx, &ids).await?;
        let orphans = delete_orphan_events::<DB>(&mut tx, &events).await?;
        tx.commit().await?;
        Ok((gone, orphans))
    }

    /// One batch of events no connector subscribed to, received before `before`.
    async fn prune_bare_events(&self, before: Millis, limit: i64) -> Result<u64, StoreError> {
        let q = Statement::new(
            "DELETE FROM events WHERE id IN (SELECT id FROM events \
             WHERE deliveries = 0 AND received_at < $1 LIMIT $2)",
        )
        .bind(before)
        .bind(limit);
        let mut tx = WriteTx::begin(&self.write).await?;
        let n = tx.execute(&q).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// One batch of function invocations started before `before`.
    async fn prune_invocations(&self, before: Millis, limit: i64) -> Result<u64, StoreError> {
        let q = Statement::new(
            "DELETE FROM function_invocations WHERE id IN (SELECT id FROM function_invocations \
             WHERE started_at < $1 ORDER BY id LIMIT $2)",
        )
        .bind(before)
        .bind(limit);
        let mut tx = WriteTx::begin(&self.write).await?;
        let n = tx.execute(&q).await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// Deletes these deliveries and their attempts; returns how many deliveries.
/// `ids` is one batch, small enough for one `IN` list.
pub(super) async fn delete_deliveries<DB: Dialect>(
    tx: &mut WriteTx<DB>,
    ids: &[String],
) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut attempts = Statement::new("DELETE FROM attempts WHERE delivery_id IN (");
    attempts.push_list(ids).push(")");
    tx.execute(&attempts).await?;
    let mut deliveries = Statement::new("DELETE FROM deliveries WHERE id IN (");
    deliveries.push_list(ids).push(")");
    tx.execute(&deliveries).await
}

/// Deletes those of these events that have no delivery left; returns how many.
pub(super) async fn delete_orphan_events<DB: Dialect>(
    tx: &mut WriteTx<DB>,
    ids: &[String],
) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut q = Statement::new("DELETE FROM events WHERE id IN (");
    q.push_list(ids).push(
        ") AND NOT EXISTS (SELECT 1 FROM deliveries d \
               WHERE d.event_id = events.id AND d.account = events.account)",
    );
    tx.execute(&q).await
}
