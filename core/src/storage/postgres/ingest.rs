//! The grouped ingest on PostgreSQL: a batch of events and their deliveries
//! in a handful of set-based statements (`unnest` of arrays), not one
//! statement per row, so a batch costs the same few round trips whatever its
//! size. Rows are written in id order so that concurrent batches lock them
//! in the same order and cannot deadlock.

use std::collections::HashSet;

use sqlx::{PgPool, Row};

use crate::{
    delivery::DeliveryState,
    storage::{Admission, Ingested, Lease, NewEvent, StoreError},
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
    let mut calls: Vec<Option<&str>> = Vec::with_capacity(batch.len());
    for &i in &order {
        let new = &batch[i].0;
        ids.push(new.event.id.as_str());
        kinds.push(new.event.kind.as_str());
        created.push(new.event.created);
        bodies.push(&*new.event.body);
        counts.push(new.deliveries.len() as i64);
        calls.push(new.event.call_id());
    }
    // DO NOTHING also skips a second copy of an id within this same batch.
    let inserted: HashSet<String> = sqlx::query_scalar(
        "INSERT INTO events (id, type, created, body, deliveries, received_at, call_id)
         SELECT id, type, created, body, deliveries, $6, call_id
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $7::text[])
              AS t(id, type, created, body, deliveries, call_id)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(&ids)
    .bind(&kinds)
    .bind(&created)
    .bind(&bodies)
    .bind(&counts)
    .bind(now)
    .bind(&calls)
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
    let deliveries = match created {
        true => new.deliveries.len(),
        false => known.get(&new.event.id).copied().unwrap_or(0),
    };
    Ingested {
        event_id: new.event.id,
        deliveries,
        created,
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
