//! Reads for the admin API and the mailbox's next wake-up.

use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use crate::{
    delivery::DeliveryDetail,
    storage::{
        rows::{self, ATTEMPT_COLUMNS, DELIVERY_COLUMNS},
        Backlog, DeliveryFilter, EventRecord, Page, PageRequest, StateCount, StoreError,
    },
    time::Millis,
};

pub(super) fn push_filter(q: &mut QueryBuilder<'_, Postgres>, f: &DeliveryFilter) {
    if let Some(s) = f.status {
        q.push(" AND status = ").push_bind(s.as_str());
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

pub(super) async fn next_due(pool: &PgPool, connector: &str) -> Result<Option<Millis>, StoreError> {
    // GREATEST ignores NULLs: an unleased delivery is due at its next attempt.
    Ok(sqlx::query_scalar(
        "SELECT MIN(GREATEST(next_attempt_at, lease_expires_at))
         FROM deliveries WHERE connector = $1 AND status IN ('pending', 'retrying')",
    )
    .bind(connector)
    .fetch_one(pool)
    .await?)
}

pub(super) async fn event(pool: &PgPool, id: &str) -> Result<Option<EventRecord>, StoreError> {
    let Some(row) =
        sqlx::query("SELECT id, type, created, body, received_at FROM events WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
    else {
        return Ok(None);
    };
    let event = rows::event(&row)?;
    let deliveries = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE event_id = $1 ORDER BY id"
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
    pool: &PgPool,
    filter: &DeliveryFilter,
    page: &PageRequest,
) -> Result<Page, StoreError> {
    let mut q = QueryBuilder::<Postgres>::new(format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE 1 = 1"
    ));
    push_filter(&mut q, filter);
    if let Some(c) = &page.cursor {
        q.push(" AND id < ").push_bind(c.clone());
    }
    q.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(page.limit) + 1);
    let data = q
        .build()
        .fetch_all(pool)
        .await?
        .iter()
        .map(rows::delivery)
        .collect::<Result<Vec<_>, _>>()?;
    let (data, next_cursor) = rows::page(data, page.limit, |d| &d.id);
    Ok(Page { data, next_cursor })
}

pub(super) async fn delivery(
    pool: &PgPool,
    id: &str,
) -> Result<Option<DeliveryDetail>, StoreError> {
    // One snapshot for the delivery and its attempts: an attempt recorded
    // between two plain reads would show beside the delivery's old state.
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let Some(row) = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let attempts = sqlx::query(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY number"
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

pub(super) async fn counts(pool: &PgPool) -> Result<Vec<StateCount>, StoreError> {
    sqlx::query("SELECT connector, status, COUNT(*) FROM deliveries GROUP BY connector, status")
        .fetch_all(pool)
        .await?
        .iter()
        .map(rows::state_count)
        .collect()
}

pub(super) async fn backlog(pool: &PgPool) -> Result<Vec<Backlog>, StoreError> {
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

pub(super) async fn disabled(pool: &PgPool) -> Result<Vec<(String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT name, disabled FROM connector_state WHERE disabled IS NOT NULL")
            .fetch_all(pool)
            .await?,
    )
}
