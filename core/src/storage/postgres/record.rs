//! The grouped attempt write on PostgreSQL: a batch of attempt records and
//! delivery state changes as two `unnest` statements, rows in id order.

use std::collections::HashSet;

use sqlx::PgPool;

use crate::{
    delivery::NextStep,
    storage::{rows::request_json, RecordReq, StoreError},
    time::now_ms,
};

pub(super) async fn record(pool: PgPool, mut batch: Vec<RecordReq>) -> Result<Vec<()>, StoreError> {
    let n = batch.len();
    batch.sort_by(|a, b| a.attempt.delivery_id.cmp(&b.attempt.delivery_id));
    let mut tx = pool.begin().await?;
    // A delivery recorded twice in one batch (an attempt that outlived its
    // lease, then another) goes in successive rounds so each counts.
    let mut rest = batch;
    while !rest.is_empty() {
        let mut seen = HashSet::new();
        let (round, later): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|r| seen.insert(r.attempt.delivery_id.clone()));
        record_round(&mut tx, &round).await?;
        rest = later;
    }
    tx.commit().await?;
    Ok(vec![(); n])
}

async fn record_round(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    round: &[RecordReq],
) -> Result<(), StoreError> {
    let ids: Vec<&str> = round
        .iter()
        .map(|r| r.attempt.delivery_id.as_str())
        .collect();
    let started: Vec<i64> = round.iter().map(|r| r.attempt.started_at).collect();
    let durations: Vec<i64> = round.iter().map(|r| r.attempt.duration_ms as i64).collect();
    let codes: Vec<Option<i64>> = round
        .iter()
        .map(|r| r.attempt.status_code.map(i64::from))
        .collect();
    let errors: Vec<Option<&str>> = round.iter().map(|r| r.attempt.error.as_deref()).collect();
    let excerpts: Vec<Option<&str>> = round
        .iter()
        .map(|r| r.attempt.response_excerpt.as_deref())
        .collect();
    let nodes: Vec<&str> = round.iter().map(|r| r.attempt.node.as_str()).collect();
    let requests: Vec<Option<String>> = round.iter().map(|r| request_json(&r.attempt)).collect();
    sqlx::query(
        "INSERT INTO attempts (delivery_id, number, started_at, duration_ms, status_code, error, response_excerpt, node, request)
         SELECT t.id, COALESCE((SELECT MAX(number) FROM attempts a WHERE a.delivery_id = t.id), 0) + 1,
                t.started, t.duration, t.code, t.error, t.excerpt, t.node, t.request
         FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
              AS t(id, started, duration, code, error, excerpt, node, request)
         -- A delivery erased while its attempt was in flight is gone: drop its record.
         WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = t.id)",
    )
    .bind(&ids)
    .bind(&started)
    .bind(&durations)
    .bind(&codes)
    .bind(&errors)
    .bind(&excerpts)
    .bind(&nodes)
    .bind(&requests)
    .execute(&mut **tx)
    .await?;
    let states: Vec<&str> = round.iter().map(|r| r.next.state().as_str()).collect();
    let next_at: Vec<Option<i64>> = round
        .iter()
        .map(|r| match r.next {
            NextStep::RetryAt(t) => Some(t),
            _ => None,
        })
        .collect();
    let firsts: Vec<i64> = round.iter().map(|r| r.first_attempt_at).collect();
    let last_errors: Vec<Option<&str>> = round
        .iter()
        .map(|r| match r.next {
            NextStep::Succeeded => None,
            _ => r.attempt.error.as_deref(),
        })
        .collect();
    sqlx::query(
        "UPDATE deliveries d SET status = t.status, attempt_count = d.attempt_count + 1,
             next_attempt_at = t.next_at, first_attempt_at = COALESCE(d.first_attempt_at, t.first),
             lease_owner = NULL, lease_expires_at = NULL, last_error = t.last_error, updated_at = $6
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])
              AS t(id, status, next_at, first, last_error)
         WHERE d.id = t.id",
    )
    .bind(&ids)
    .bind(&states)
    .bind(&next_at)
    .bind(&firsts)
    .bind(&last_errors)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
