//! The hot writes: grouped ingest, leases, grouped attempt records.
//!
//! Each batch is a handful of set-based statements (`unnest` of arrays), not
//! one statement per row, so a batch costs the same few round trips whatever
//! its size. Rows are written in id order so that concurrent batches lock
//! them in the same order and cannot deadlock.

use std::{collections::HashSet, sync::Arc};

use sqlx::{PgPool, Row};

use super::RecordReq;
use crate::{
    delivery::{DeliveryState, Job, NextStep},
    event::EventType,
    storage::{rows::request_json, Admission, Ingested, Lease, NewEvent, StoreError},
    time::now_ms,
};

pub(super) async fn ingest(
    pool: PgPool,
    batch: Vec<(NewEvent, Lease)>,
) -> Result<Vec<Ingested>, StoreError> {
    let now = now_ms();
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by(|&a, &b| batch[a].0.event.id.cmp(&batch[b].0.event.id));
    let mut tx = pool.begin().await?;
    let (mut ids, mut kinds, mut created, mut bodies, mut counts) =
        (vec![], vec![], vec![], vec![], vec![]);
    for &i in &order {
        let new = &batch[i].0;
        ids.push(new.event.id.as_str());
        kinds.push(new.event.kind.as_str());
        created.push(new.event.created);
        bodies.push(&*new.event.body);
        counts.push(new.deliveries.len() as i64);
    }
    // DO NOTHING also skips a second copy of an id within this same batch.
    let inserted: HashSet<String> = sqlx::query_scalar(
        "INSERT INTO events (id, type, created, body, deliveries, received_at)
         SELECT id, type, created, body, deliveries, $6
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[])
              AS t(id, type, created, body, deliveries)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(&ids)
    .bind(&kinds)
    .bind(&created)
    .bind(&bodies)
    .bind(&counts)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();

    // The first request of each inserted id creates; every other one reports.
    let mut claimed = HashSet::new();
    let mut creates = vec![false; batch.len()];
    for &i in &order {
        let id = &batch[i].0.event.id;
        if inserted.contains(id) && claimed.insert(id.clone()) {
            creates[i] = true;
        }
    }
    let mut d = DeliveryRows::default();
    for (i, (new, lease)) in batch.iter().enumerate() {
        if creates[i] {
            d.push(new, lease, now);
        }
    }
    if !d.ids.is_empty() {
        sqlx::query(
            "INSERT INTO deliveries (id, event_id, event_type, connector, status, next_attempt_at,
             lease_owner, lease_expires_at, created_at, updated_at)
             SELECT id, event_id, event_type, connector, status, next_at, owner, expires, $9, $9
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                         $7::text[], $8::bigint[])
                  AS t(id, event_id, event_type, connector, status, next_at, owner, expires)",
        )
        .bind(&d.ids)
        .bind(&d.event_ids)
        .bind(&d.types)
        .bind(&d.connectors)
        .bind(&d.states)
        .bind(&d.next_at)
        .bind(&d.owners)
        .bind(&d.expires)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let known: Vec<&str> = batch
        .iter()
        .zip(&creates)
        .filter(|(_, c)| !**c)
        .map(|((n, _), _)| n.event.id.as_str())
        .collect();
    let mut known_counts = std::collections::HashMap::new();
    if !known.is_empty() {
        for row in sqlx::query("SELECT id, deliveries FROM events WHERE id = ANY($1)")
            .bind(&known)
            .fetch_all(&mut *tx)
            .await?
        {
            known_counts.insert(row.get::<String, _>(0), row.get::<i64, _>(1) as usize);
        }
    }
    tx.commit().await?;
    Ok(batch
        .into_iter()
        .zip(creates)
        .map(|((new, _), created)| answer(new, created, &known_counts))
        .collect())
}

fn answer(
    new: NewEvent,
    created: bool,
    known: &std::collections::HashMap<String, usize>,
) -> Ingested {
    let ev = new.event;
    if !created {
        return Ingested {
            deliveries: known.get(&ev.id).copied().unwrap_or(0),
            event_id: ev.id,
            created: false,
            jobs: vec![],
        };
    }
    let jobs = new
        .deliveries
        .iter()
        .filter(|d| d.admission == Admission::Dispatch)
        .map(|d| Job {
            delivery_id: d.id.clone(),
            connector: d.connector.clone(),
            event: ev.clone(),
            attempts_made: 0,
            first_attempt_at: None,
        })
        .collect();
    Ingested {
        event_id: ev.id.clone(),
        deliveries: new.deliveries.len(),
        created: true,
        jobs,
    }
}

/// Column arrays of the deliveries a batch creates.
#[derive(Default)]
struct DeliveryRows {
    ids: Vec<String>,
    event_ids: Vec<String>,
    types: Vec<&'static str>,
    connectors: Vec<String>,
    states: Vec<&'static str>,
    next_at: Vec<Option<i64>>,
    owners: Vec<Option<String>>,
    expires: Vec<Option<i64>>,
}

impl DeliveryRows {
    fn push(&mut self, new: &NewEvent, lease: &Lease, now: i64) {
        for d in &new.deliveries {
            let state = d.admission.state();
            let pending = state == DeliveryState::Pending;
            let leased = d.admission == Admission::Dispatch;
            self.ids.push(d.id.clone());
            self.event_ids.push(new.event.id.clone());
            self.types.push(new.event.kind.as_str());
            self.connectors.push(d.connector.to_string());
            self.states.push(state.as_str());
            self.next_at.push(pending.then_some(now));
            self.owners.push(leased.then(|| lease.node.to_string()));
            self.expires.push(leased.then_some(lease.until));
        }
    }
}

pub(super) async fn lease_due(
    pool: &PgPool,
    connector: &str,
    lease: &Lease,
    limit: usize,
) -> Result<Vec<Job>, StoreError> {
    // SKIP LOCKED: rows another node is leasing right now are simply not
    // ours; rows it leased earlier are excluded by their unexpired lease.
    let rows = sqlx::query(
        "WITH due AS (
             SELECT id FROM deliveries
             WHERE connector = $1 AND status IN ('pending', 'retrying') AND next_attempt_at <= $2
               AND (lease_expires_at IS NULL OR lease_expires_at <= $2)
             ORDER BY next_attempt_at LIMIT $3
             FOR UPDATE SKIP LOCKED),
         leased AS (
             UPDATE deliveries d SET lease_owner = $4, lease_expires_at = $5
             FROM due WHERE d.id = due.id
             RETURNING d.id, d.event_id, d.attempt_count, d.first_attempt_at, d.next_attempt_at)
         SELECT l.id, l.attempt_count, l.first_attempt_at, e.id AS event_id, e.type, e.created, e.body
         FROM leased l JOIN events e ON e.id = l.event_id
         ORDER BY l.next_attempt_at, l.id",
    )
    .bind(connector)
    .bind(lease.now)
    .bind(limit as i64)
    .bind(&*lease.node)
    .bind(lease.until)
    .fetch_all(pool)
    .await?;
    let connector: Arc<str> = connector.into();
    rows.iter()
        .map(|row| {
            let kind: String = row.get("type");
            let kind: EventType = kind
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
            Ok(Job {
                delivery_id: row.get("id"),
                connector: connector.clone(),
                event: crate::event::Event::from_stored(
                    row.get("event_id"),
                    kind,
                    row.get("created"),
                    row.get("body"),
                ),
                attempts_made: row.get::<i64, _>("attempt_count") as u32,
                first_attempt_at: row.get("first_attempt_at"),
            })
        })
        .collect()
}

pub(super) async fn record(pool: PgPool, mut batch: Vec<RecordReq>) -> Result<Vec<()>, StoreError> {
    let n = batch.len();
    batch.sort_by(|a, b| a.0.delivery_id.cmp(&b.0.delivery_id));
    let mut tx = pool.begin().await?;
    // A delivery recorded twice in one batch (an attempt that outlived its
    // lease, then another) goes in successive rounds so each counts.
    let mut rest = batch;
    while !rest.is_empty() {
        let mut seen = HashSet::new();
        let (round, later): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|r| seen.insert(r.0.delivery_id.clone()));
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
    let ids: Vec<&str> = round.iter().map(|r| r.0.delivery_id.as_str()).collect();
    let started: Vec<i64> = round.iter().map(|r| r.0.started_at).collect();
    let durations: Vec<i64> = round.iter().map(|r| r.0.duration_ms as i64).collect();
    let codes: Vec<Option<i64>> = round
        .iter()
        .map(|r| r.0.status_code.map(i64::from))
        .collect();
    let errors: Vec<Option<&str>> = round.iter().map(|r| r.0.error.as_deref()).collect();
    let excerpts: Vec<Option<&str>> = round
        .iter()
        .map(|r| r.0.response_excerpt.as_deref())
        .collect();
    let nodes: Vec<&str> = round.iter().map(|r| r.0.node.as_str()).collect();
    let requests: Vec<Option<String>> = round.iter().map(|r| request_json(&r.0)).collect();
    sqlx::query(
        "INSERT INTO attempts (delivery_id, number, started_at, duration_ms, status_code, error, response_excerpt, node, request)
         SELECT t.id, COALESCE((SELECT MAX(number) FROM attempts a WHERE a.delivery_id = t.id), 0) + 1,
                t.started, t.duration, t.code, t.error, t.excerpt, t.node, t.request
         FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
              AS t(id, started, duration, code, error, excerpt, node, request)",
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
    let states: Vec<&str> = round.iter().map(|r| r.1.state().as_str()).collect();
    let next_at: Vec<Option<i64>> = round
        .iter()
        .map(|r| match r.1 {
            NextStep::RetryAt(t) => Some(t),
            _ => None,
        })
        .collect();
    let firsts: Vec<i64> = round.iter().map(|r| r.2).collect();
    let last_errors: Vec<Option<&str>> = round
        .iter()
        .map(|r| match r.1 {
            NextStep::Succeeded => None,
            _ => r.0.error.as_deref(),
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
