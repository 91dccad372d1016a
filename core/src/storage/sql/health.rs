//! Target health rows: the merge both back-ends run, and the reads.

use super::{Dialect, Fields, Sql, Statement};
use crate::{
    health::{HealthDelta, HealthRecord},
    storage::{rows, ConnectorHealth, StoreError},
    time::now_ms,
};

/// Merges a delta: a success in it restarts the failure streak with the
/// delta's trailing failures; otherwise they extend the stored streak.
/// Parameters: name, trailing failures, last success, last failure, first
/// trailing failure, now. They are numbered in order of first use: SQLite
/// (rusqlite, in the writer's transaction) binds `$N` by position.
pub(crate) const MERGE: &str = "INSERT INTO connector_health
         (name, consecutive_failures, last_success_at, last_failure_at, failing_since, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (name) DO UPDATE SET
         consecutive_failures = CASE WHEN excluded.last_success_at IS NOT NULL
             THEN excluded.consecutive_failures
             ELSE connector_health.consecutive_failures + excluded.consecutive_failures END,
         last_success_at = COALESCE(excluded.last_success_at, connector_health.last_success_at),
         last_failure_at = COALESCE(excluded.last_failure_at, connector_health.last_failure_at),
         failing_since = CASE WHEN excluded.last_success_at IS NOT NULL
             THEN excluded.failing_since
             ELSE COALESCE(connector_health.failing_since, excluded.failing_since) END,
         updated_at = excluded.updated_at
     RETURNING consecutive_failures, last_success_at, last_failure_at, failing_since";

const COLUMNS: &str = "name, consecutive_failures, last_success_at, last_failure_at, failing_since";

impl<DB: Dialect> Sql<DB> {
    /// [`MERGE`] as its own statement (where health merges are not grouped
    /// into a writer's transaction).
    pub(crate) async fn merge_health(
        &self,
        name: &str,
        d: &HealthDelta,
    ) -> Result<HealthRecord, StoreError> {
        let q = Statement::new(MERGE)
            .bind(name)
            .bind(d.trailing_failures as i64)
            .bind(d.last_success_at)
            .bind(d.last_failure_at)
            .bind(d.first_trailing_failure_at)
            .bind(now_ms());
        let row = self.write_all(&q).await?.into_iter().next();
        let row = row.ok_or_else(|| StoreError::Corrupt("health merge returned no row".into()))?;
        rows::health(&row, 0)
    }

    /// See [`Store::health`](crate::storage::Store::health).
    pub(crate) async fn health(&self) -> Result<Vec<ConnectorHealth>, StoreError> {
        let q = Statement::new(format!(
            "SELECT {COLUMNS} FROM connector_health ORDER BY name"
        ));
        self.read_all(&q)
            .await?
            .iter()
            .map(|r| {
                Ok(ConnectorHealth {
                    name: r.text_at(0)?,
                    health: rows::health(r, 1)?,
                })
            })
            .collect()
    }

    /// See [`Store::health_of`](crate::storage::Store::health_of).
    pub(crate) async fn health_of(&self, name: &str) -> Result<Option<HealthRecord>, StoreError> {
        let q = Statement::new(format!(
            "SELECT {COLUMNS} FROM connector_health WHERE name = $1"
        ))
        .bind(name);
        match self.read_optional(&q).await? {
            Some(row) => Ok(Some(rows::health(&row, 1)?)),
            None => Ok(None),
        }
    }
}
