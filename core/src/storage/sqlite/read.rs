//! Reads for the admin API and the mailbox's next wake-up, on the read pool.

use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{
    delivery::{DeliveryDetail, DeliveryState},
    storage::{
        rows::{self, ATTEMPT_COLUMNS, DELIVERY_COLUMNS},
        Backlog, DeliveryFilter, EventRecord, Page, PageRequest, StateCount, StoreError,
    },
    time::Millis,
};

pub(super) fn push_filter(q: &mut QueryBuilder<'_, Sqlite>, f: &DeliveryFilter) {
    if let Some(s) = f.status {
        q.push(" AND status = ").push_bind(s.as_str());
        if s != DeliveryState::Succeeded {
            // Spelled out as in the partial index `deliveries_not_succeeded`:
            // SQLite uses a partial index only for queries that repeat its
            // condition, and cannot see through the bound value.
            q.push(" AND status <> 'succeeded'");
        }
    }
    if let Some(c) = &f.connector {
        q.push(" AND connector = ").push_bind(c.clone());
    }
    if let Some(e) = &f.event_id {
        q.push(" AND event_id = ").push_bind(e.clone());
    }
    if let Some(t) = f.since {
        q.push(" AND created_at >= ").push_bind(t);
    }
    if let Some(t) = f.until {
        q.push(" AND created_at < ").push_bind(t);
    }
}

pub(super) async fn next_due(
    pool: &SqlitePool,
    connector: &str,
) -> Result<Option<Millis>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(CASE WHEN lease_expires_at > next_attempt_at THEN lease_expires_at ELSE next_attempt_at END)
         FROM deliveries WHERE connector = ? AND status IN ('pending', 'retrying')",
    )
    .bind(connector)
    .fetch_one(pool)
    .await?)
}

pub(super) async fn event(pool: &SqlitePool, id: &str) -> Result<Option<EventRecord>, StoreError> {
    let Some(row) =
        sqlx::query("SELECT id, type, created, body, received_at FROM events WHERE id = ?")
            .bind(id)
            .fetch_optional(pool)
            .await?
    else {
        return Ok(None);
    };
    let event = rows::event(&row)?;
    let deliveries = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE event_id = ? ORDER BY id"
    ))
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(rows::delivery)
    .collect::<Result<_, _>>()?;
    Ok(Some(EventRecord {
        event,
        received_at: row.get("received_at"),
        deliveries,
    }))
}

pub(super) async fn deliveries(
    pool: &SqlitePool,
    filter: &DeliveryFilter,
    page: &PageRequest,
) -> Result<Page, StoreError> {
    let data = listing("", filter, page)
        .build()
        .fetch_all(pool)
        .await?
        .iter()
        .map(rows::delivery)
        .collect::<Result<Vec<_>, _>>()?;
    let (data, next_cursor) = rows::page(data, page.limit, |d| &d.id);
    Ok(Page { data, next_cursor })
}

/// The page query of [`deliveries`], after `prefix` (`EXPLAIN QUERY PLAN`
/// in tests).
fn listing<'a>(
    prefix: &str,
    filter: &'a DeliveryFilter,
    page: &'a PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    let mut q = QueryBuilder::<Sqlite>::new(format!(
        "{prefix}SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE 1 = 1"
    ));
    push_filter(&mut q, filter);
    if let Some(c) = &page.cursor {
        q.push(" AND id < ").push_bind(c.clone());
    }
    q.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(page.limit) + 1);
    q
}

pub(super) async fn delivery(
    pool: &SqlitePool,
    id: &str,
) -> Result<Option<DeliveryDetail>, StoreError> {
    // One snapshot for the delivery and its attempts: an attempt recorded
    // between two plain reads would show beside the delivery's old state.
    let mut tx = pool.begin().await?;
    let Some(row) = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let attempts = sqlx::query(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = ? ORDER BY number"
    ))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(rows::attempt)
    .collect::<Result<_, _>>()?;
    Ok(Some(DeliveryDetail {
        delivery: rows::delivery(&row)?,
        attempts,
    }))
}

pub(super) async fn counts(pool: &SqlitePool) -> Result<Vec<StateCount>, StoreError> {
    sqlx::query("SELECT connector, status, COUNT(*) FROM deliveries GROUP BY connector, status")
        .fetch_all(pool)
        .await?
        .iter()
        .map(rows::state_count)
        .collect()
}

pub(super) async fn backlog(pool: &SqlitePool) -> Result<Vec<Backlog>, StoreError> {
    // The partial index `deliveries_due` holds exactly these rows.
    sqlx::query(
        "SELECT connector, COUNT(*), MIN(created_at) FROM deliveries \
         WHERE status IN ('pending', 'retrying') GROUP BY connector ORDER BY connector",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(rows::backlog)
    .collect()
}

pub(super) async fn disabled(pool: &SqlitePool) -> Result<Vec<(String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT name, disabled FROM connector_state WHERE disabled IS NOT NULL")
            .fetch_all(pool)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::SqliteStore;

    async fn plan(pool: &SqlitePool, filter: DeliveryFilter) -> String {
        let page = PageRequest {
            limit: 50,
            cursor: Some("dlv_~".into()),
        };
        let rows: Vec<(i64, i64, i64, String)> = listing("EXPLAIN QUERY PLAN ", &filter, &page)
            .build_query_as()
            .fetch_all(pool)
            .await
            .expect("plan");
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
    }

    /// The admin listings walk an index in id order and stop after a page:
    /// none sorts the table or scans it whole in another order.
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
            let p = plan(&store.read, by_status(state)).await;
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
            let p = plan(&store.read, filter).await;
            assert!(p.contains("sqlite_autoindex_deliveries_1"), "{p}");
            assert!(!p.contains("TEMP B-TREE"), "{p}");
        }
    }
}
