//! The function invocation log on PostgreSQL: batched appends and newest-first pages.

use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::{
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    storage::{rows, PageRequest, StoreError},
};

const COLUMNS: &str = "id, function_name, call_id, outcome, status_code, upstream_status, \
    arguments, result, error, response_excerpt, attempts, started_at, duration_us, node";
/// Rows per statement: 14 binds each stays far below PostgreSQL's 65,535.
const CHUNK: usize = 1000;

pub(super) async fn record(
    pool: &PgPool,
    records: Vec<InvocationRecord>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for chunk in records.chunks(CHUNK) {
        let mut q =
            QueryBuilder::<Postgres>::new(format!("INSERT INTO function_invocations ({COLUMNS}) "));
        q.push_values(chunk, |mut b, r| {
            b.push_bind(r.id.clone())
                .push_bind(r.function.clone())
                .push_bind(r.call_id.clone())
                .push_bind(r.outcome.as_str())
                .push_bind(i64::from(r.status_code))
                .push_bind(r.upstream_status.map(i64::from))
                .push_bind(r.arguments.clone())
                .push_bind(r.result.clone())
                .push_bind(r.error.clone())
                .push_bind(r.response_excerpt.clone())
                .push_bind(i64::from(r.attempts))
                .push_bind(r.started_at)
                .push_bind(r.duration_us)
                .push_bind(r.node.clone());
        });
        q.push(" ON CONFLICT (id) DO NOTHING");
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn page(
    pool: &PgPool,
    filter: &InvocationFilter,
    page: &PageRequest,
) -> Result<InvocationPage, StoreError> {
    let mut q = QueryBuilder::<Postgres>::new(format!(
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
