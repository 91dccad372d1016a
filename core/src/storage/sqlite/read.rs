//! Reads for the admin API and the mailbox's next wake-up, on the read pool.

use sqlx::{sqlite::SqliteRow, QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{
    delivery::{Attempt, Delivery, DeliveryDetail, DeliveryState},
    event::{Event, EventType},
    storage::{Backlog, DeliveryFilter, EventRecord, Page, PageRequest, StateCount, StoreError},
    time::{rfc3339, Millis},
};

const DELIVERY_COLUMNS: &str =
    "id, event_id, event_type, connector, status, attempt_count, next_attempt_at, \
                                created_at, updated_at, last_error";

pub(super) fn event_from_row(row: &SqliteRow) -> Result<Event, StoreError> {
    let kind: String = row.get("type");
    let kind: EventType = kind
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
    Ok(Event::from_stored(
        row.get("id"),
        kind,
        row.get("created"),
        row.get("body"),
    ))
}

fn delivery_from_row(row: &SqliteRow) -> Result<Delivery, StoreError> {
    let status: String = row.get("status");
    Ok(Delivery {
        id: row.get("id"),
        event_id: row.get("event_id"),
        event_type: row.get("event_type"),
        connector: row.get("connector"),
        status: status
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        attempt_count: row.get::<i64, _>("attempt_count") as u32,
        next_attempt_at: row.get::<Option<i64>, _>("next_attempt_at").map(rfc3339),
        created_at: rfc3339(row.get("created_at")),
        updated_at: rfc3339(row.get("updated_at")),
        last_error: row.get("last_error"),
    })
}

pub(super) fn push_filter(q: &mut QueryBuilder<'_, Sqlite>, f: &DeliveryFilter) {
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
    let event = event_from_row(&row)?;
    let deliveries = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE event_id = ? ORDER BY id"
    ))
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(delivery_from_row)
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
    let mut q = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE 1 = 1"
    ));
    push_filter(&mut q, filter);
    if let Some(c) = &page.cursor {
        q.push(" AND id < ").push_bind(c.clone());
    }
    q.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(page.limit) + 1);
    let rows = q.build().fetch_all(pool).await?;
    let mut data = rows
        .iter()
        .map(delivery_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if data.len() > page.limit as usize {
        data.truncate(page.limit as usize);
        data.last().map(|d| d.id.clone())
    } else {
        None
    };
    Ok(Page { data, next_cursor })
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
    let attempts = sqlx::query(
        "SELECT number, started_at, duration_ms, status_code, error, response_excerpt, node
         FROM attempts WHERE delivery_id = ? ORDER BY number",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| Attempt {
        number: r.get::<i64, _>(0) as u32,
        started_at: rfc3339(r.get(1)),
        duration_ms: r.get::<i64, _>(2) as u64,
        status_code: r.get::<Option<i64>, _>(3).map(|c| c as u16),
        error: r.get(4),
        response_excerpt: r.get(5),
        node: r.get(6),
    })
    .collect();
    Ok(Some(DeliveryDetail {
        delivery: delivery_from_row(&row)?,
        attempts,
    }))
}

pub(super) async fn counts(pool: &SqlitePool) -> Result<Vec<StateCount>, StoreError> {
    sqlx::query("SELECT connector, status, COUNT(*) FROM deliveries GROUP BY connector, status")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let state: String = r.get(1);
            Ok(StateCount {
                connector: r.get(0),
                state: state
                    .parse::<DeliveryState>()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                count: r.get::<i64, _>(2) as u64,
            })
        })
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
    .map(|r| {
        Ok(Backlog {
            connector: r.try_get(0)?,
            depth: r.try_get::<i64, _>(1)? as u64,
            oldest_created_at: r.try_get(2)?,
        })
    })
    .collect()
}

pub(super) async fn disabled(pool: &SqlitePool) -> Result<Vec<(String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT name, disabled FROM connector_state WHERE disabled IS NOT NULL")
            .fetch_all(pool)
            .await?,
    )
}
