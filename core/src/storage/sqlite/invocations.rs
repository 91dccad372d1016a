//! The function invocation log on SQLite: batched appends and newest-first pages.

use super::tx::WriteTx;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::{
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    storage::{rows, PageRequest, StoreError},
};

const COLUMNS: &str = "id, function_name, call_id, outcome, status_code, upstream_status, \
    arguments, result, error, response_excerpt, attempts, started_at, duration_us, node";

pub(super) async fn record(
    pool: &SqlitePool,
    records: Vec<InvocationRecord>,
) -> Result<(), StoreError> {
    let mut tx = WriteTx::begin(pool).await?;
    for r in records {
        sqlx::query(&format!(
            "INSERT INTO function_invocations ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING"
        ))
        .bind(r.id)
        .bind(r.function)
        .bind(r.call_id)
        .bind(r.outcome.as_str())
        .bind(i64::from(r.status_code))
        .bind(r.upstream_status.map(i64::from))
        .bind(r.arguments)
        .bind(r.result)
        .bind(r.error)
        .bind(r.response_excerpt)
        .bind(i64::from(r.attempts))
        .bind(r.started_at)
        .bind(r.duration_us)
        .bind(r.node)
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn page(
    pool: &SqlitePool,
    filter: &InvocationFilter,
    page: &PageRequest,
) -> Result<InvocationPage, StoreError> {
    let mut q = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {COLUMNS} FROM function_invocations WHERE 1 = 1"
    ));
    if let Some(f) = &filter.function {
        q.push(" AND function_name = ").push_bind(f.clone());
    }
    if let Some(c) = &filter.call_id {
        q.push(" AND call_id = ").push_bind(c.clone());
    }
    if let Some(o) = filter.outcome {
        q.push(" AND outcome = ").push_bind(o.as_str());
    }
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
        .map(rows::invocation)
        .collect::<Result<Vec<_>, _>>()?;
    let (data, next_cursor) = rows::page(data, page.limit, |r| &r.id);
    Ok(InvocationPage { data, next_cursor })
}
