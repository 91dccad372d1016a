//! Reads for the admin API, `/metrics` and the mailbox's next wake-up.

use super::{Dialect, Fields, Sql, Statement};
use crate::{
    account::Scope,
    delivery::{DeliveryDetail, DeliveryState},
    storage::{
        rows::{self, ATTEMPT_COLUMNS, DELIVERY_COLUMNS, EVENT_COLUMNS},
        Backlog, DeliveryFilter, DisabledConnector, EventRecord, Page, PageRequest, StateCount,
        StoreError,
    },
    time::Millis,
};

/// The conditions of a delivery filter within `scope`'s account, each
/// after ` AND `.
pub(super) fn push_filter(q: &mut Statement, scope: &Scope, f: &DeliveryFilter) {
    q.push(" AND account = ")
        .push_bind(scope.account().as_str());
    if let Some(s) = f.status {
        q.push(" AND status = ").push_bind(s.as_str());
        if s != DeliveryState::Succeeded {
            // Spelled out as in SQLite's partial index
            // `deliveries_not_succeeded`: SQLite uses a partial index only
            // for queries that repeat its condition, and cannot see through
            // the bound value.
            q.push(" AND status <> 'succeeded'");
        }
    }
    if let Some(c) = &f.connector {
        q.push(" AND connector = ")
            .push_bind(scope.target_key(c).to_string());
    }
    if let Some(e) = &f.event_id {
        q.push(" AND event_id = ").push_bind(e);
    }
    if let Some(t) = f.since {
        q.push(" AND created_at >= ").push_bind(t);
    }
    if let Some(t) = f.until {
        q.push(" AND created_at < ").push_bind(t);
    }
}

/// The page query of [`Sql::deliveries`], after `prefix` (`EXPLAIN QUERY
/// PLAN` in tests).
fn listing(prefix: &str, scope: &Scope, filter: &DeliveryFilter, page: &PageRequest) -> Statement {
    let mut q = Statement::new(format!(
        "{prefix}SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE 1 = 1"
    ));
    push_filter(&mut q, scope, filter);
    if let Some(c) = &page.cursor {
        q.push(" AND id < ").push_bind(c);
    }
    q.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(page.limit) + 1);
    q
}

impl<DB: Dialect> Sql<DB> {
    /// See [`Store::next_due`](crate::storage::Store::next_due).
    pub(crate) async fn next_due(&self, connector: &str) -> Result<Option<Millis>, StoreError> {
        // Written out rather than GREATEST / MAX: an unleased delivery
        // (NULL lease) is due at its next attempt on both databases.
        let q = Statement::new(
            "SELECT MIN(CASE WHEN lease_expires_at > next_attempt_at
                             THEN lease_expires_at ELSE next_attempt_at END)
             FROM deliveries WHERE connector = $1 AND status IN ('pending', 'retrying')",
        )
        .bind(connector);
        match self.read_optional(&q).await? {
            Some(row) => row.int(0),
            None => Ok(None),
        }
    }

    /// See [`Store::event`](crate::storage::Store::event).
    pub(crate) async fn event(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<EventRecord>, StoreError> {
        let account = scope.account().as_str();
        let q = Statement::new(format!(
            "SELECT {EVENT_COLUMNS}, received_at FROM events WHERE account = $1 AND id = $2"
        ))
        .bind(account)
        .bind(id);
        let Some(row) = self.read_optional(&q).await? else {
            return Ok(None);
        };
        let q = Statement::new(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE account = $1 AND event_id = $2 \
             ORDER BY id"
        ))
        .bind(account)
        .bind(id);
        let deliveries = self
            .read_all(&q)
            .await?
            .iter()
            .map(rows::delivery)
            .collect::<Result<_, _>>()?;
        Ok(Some(EventRecord {
            event: rows::event(&row, 0)?.in_account(scope.account().clone()),
            received_at: row.int_at(4)?,
            deliveries,
        }))
    }

    /// See [`Store::deliveries`](crate::storage::Store::deliveries).
    pub(crate) async fn deliveries(
        &self,
        scope: &Scope,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> Result<Page, StoreError> {
        let data = self
            .read_all(&listing("", scope, filter, page))
            .await?
            .iter()
            .map(rows::delivery)
            .collect::<Result<Vec<_>, _>>()?;
        let (data, next_cursor) = rows::page(data, page.limit, |d| &d.id);
        Ok(Page { data, next_cursor })
    }

    /// See [`Store::delivery`](crate::storage::Store::delivery).
    pub(crate) async fn delivery(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<DeliveryDetail>, StoreError> {
        // One snapshot for the delivery and its attempts: an attempt recorded
        // between two plain reads would show beside the delivery's old state.
        let mut tx = self.read.begin().await?;
        if let Some(snapshot) = DB::SNAPSHOT {
            DB::raw(&mut *tx, snapshot).await?;
        }
        let q = Statement::new(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE account = $1 AND id = $2"
        ))
        .bind(scope.account().as_str())
        .bind(id);
        let Some(row) = DB::fetch_optional(&mut *tx, &q).await? else {
            return Ok(None);
        };
        let q = Statement::new(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY number"
        ))
        .bind(id);
        let attempts = DB::fetch_all(&mut *tx, &q)
            .await?
            .iter()
            .map(rows::attempt)
            .collect::<Result<_, _>>()?;
        tx.commit().await?;
        Ok(Some(DeliveryDetail {
            delivery: rows::delivery(&row)?,
            attempts,
        }))
    }

    /// See [`Store::counts`](crate::storage::Store::counts).
    pub(crate) async fn counts(&self) -> Result<Vec<StateCount>, StoreError> {
        let q = Statement::new(
            "SELECT connector, status, COUNT(*) FROM deliveries GROUP BY connector, status",
        );
        self.read_all(&q)
            .await?
            .iter()
            .map(rows::state_count)
            .collect()
    }

    /// See [`Store::backlog`](crate::storage::Store::backlog).
    pub(crate) async fn backlog(&self) -> Result<Vec<Backlog>, StoreError> {
        // The partial index `deliveries_due` holds exactly these rows.
        let q = Statement::new(
            "SELECT connector, COUNT(*), MIN(created_at) FROM deliveries \
             WHERE status IN ('pending', 'retrying') GROUP BY connector ORDER BY connector",
        );
        self.read_all(&q).await?.iter().map(rows::backlog).collect()
    }

    /// See [`Store::disabled`](crate::storage::Store::disabled).
    pub(crate) async fn disabled(&self) -> Result<Vec<DisabledConnector>, StoreError> {
        let q =
            Statement::new("SELECT name, disabled FROM connector_state WHERE disabled IS NOT NULL");
        self.read_all(&q)
            .await?
            .iter()
            .map(|r| {
                Ok(DisabledConnector {
                    name: r.text_at(0)?,
                    reason: r.text_at(1)?,
                })
            })
            .collect()
    }

    /// See [`Store::disabled_reason`](crate::storage::Store::disabled_reason).
    pub(crate) async fn disabled_reason(&self, name: &str) -> Result<Option<String>, StoreError> {
        let q = Statement::new("SELECT disabled FROM connector_state WHERE name = $1").bind(name);
        match self.read_optional(&q).await? {
            Some(row) => row.text(0),
            None => Ok(None),
        }
    }

    /// See [`Store::ping`](crate::storage::Store::ping).
    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        DB::raw(&mut *self.read.acquire().await?, "SELECT 1").await
    }
}

#[cfg(test)]
mod tests {
    use sqlx::SqlitePool;

    use super::*;
    use crate::storage::sql::Run;
    use crate::storage::sqlite::SqliteStore;

    async fn plan(pool: &SqlitePool, filter: DeliveryFilter) -> String {
        let page = PageRequest {
            limit: 50,
            cursor: Some("dlv_~".into()),
        };
        let q = listing("EXPLAIN QUERY PLAN ", &Scope::default(), &filter, &page);
        let rows = sqlx::Sqlite::fetch_all(&mut *pool.acquire().await.expect("conn"), &q)
            .await
            .expect("plan");
        rows.iter()
            .map(|r| r.text_at(3).expect("detail"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The admin listings walk an index in id order and stop after a page
    /// on SQLite: none sorts the table or scans it whole in another order.
    #[tokio::test]
    async fn listings_walk_an_index_newest_first() {
        let (_dir, store) = SqliteStore::temp().await;
        let by_status = |s| DeliveryFilter {
            status: Some(s),
            ..DeliveryFilter::default()
        };
        for state in [
            DeliveryState::Pending,
            DeliveryState::Retrying,
            DeliveryState::Failed,
            DeliveryState::Disabled,
        ] {
            let p = plan(&store.sql.read, by_status(state)).await;
            assert!(p.contains("deliveries_not_succeeded"), "{state:?}: {p}");
            assert!(!p.contains("TEMP B-TREE"), "{state:?}: {p}");
        }
        for filter in [
            by_status(DeliveryState::Succeeded),
            DeliveryFilter {
                connector: Some("hubspot".into()),
                ..DeliveryFilter::default()
            },
            DeliveryFilter::default(),
        ] {
            let p = plan(&store.sql.read, filter).await;
            assert!(p.contains("sqlite_autoindex_deliveries_1"), "{p}");
            assert!(!p.contains("TEMP B-TREE"), "{p}");
        }
    }
}
