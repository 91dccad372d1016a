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
    order.sort_by(|&a, &b| key(&batch[a].0).cmp(&key(&batch[b].0)));
    let mut tx = pool.begin().await?;
    let (mut accounts, mut ids, mut kinds, mut created, mut bodies, mut counts) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut calls: Vec<Option<&str>> = Vec::with_capacity(batch.len());
    for &i in &order {
        let new = &batch[i].0;
        accounts.push(new.event.account.as_str());
        ids.push(new.event.id.as_str());
        kinds.push(new.event.kind.as_str());
        created.push(new.event.created);
        bodies.push(&*new.event.body);
        counts.push(new.deliveries.len() as i64);
        calls.push(new.event.call_id());
    }
    // DO NOTHING also skips a second copy of an id within this same batch.
    // Idempotency is per account: the same id in two accounts is two events.
    let inserted: HashSet<(String, String)> = sqlx::query_as(
        "INSERT INTO events (id, type, created, body, deliveries, received_at, account, call_id)
         SELECT id, type, created, body, deliveries, $6, account, call_id
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $7::text[],
                     $8::text[])
              AS t(id, type, created, body, deliveries, account, call_id)
         ON CONFLICT (account, id) DO NOTHING RETURNING account, id",
    )
    .bind(&ids)
    .bind(&kinds)
    .bind(&created)
    .bind(&bodies)
    .bind(&counts)
    .bind(now)
    .bind(&accounts)
    .bind(&calls)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();

    // The first request of each inserted id creates; every other one reports.
    let mut claimed = HashSet::new();
    let mut creates = vec![false; batch.len()];
    for &i in &order {
        let k = key(&batch[i].0);
        let k = (k.0.to_owned(), k.1.to_owned());
        if inserted.contains(&k) && claimed.insert(k) {
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
             lease_owner, lease_expires_at, created_at, updated_at, account)
             SELECT id, event_id, event_type, connector, status, next_at, owner, expires, $9, $9,
                    account
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                         $7::text[], $8::bigint[], $10::text[])
                  AS t(id, event_id, event_type, connector, status, next_at, owner, expires,
                       account)",
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
        .bind(&d.accounts)
        .execute(&mut *tx)
        .await?;
    }
    let (known_accounts, known_ids): (Vec<&str>, Vec<&str>) = batch
        .iter()
        .zip(&creates)
        .filter(|(_, c)| !**c)
        .map(|((n, _), _)| key(n))
        .unzip();
    let mut known_counts = std::collections::HashMap::new();
    if !known_ids.is_empty() {
        for row in sqlx::query(
            "SELECT e.account, e.id, e.deliveries
             FROM events e JOIN unnest($1::text[], $2::text[]) AS k(account, id)
                 ON e.account = k.account AND e.id = k.id",
        )
        .bind(&known_accounts)
        .bind(&known_ids)
        .fetch_all(&mut *tx)
        .await?
        {
            let k = (row.get::<String, _>(0), row.get::<String, _>(1));
            known_counts.insert(k, row.get::<i64, _>(2) as usize);
        }
    }
    tx.commit().await?;
    Ok(batch
        .into_iter()
        .zip(creates)
        .map(|((new, _), created)| answer(new, created, &known_counts))
        .collect())
}

/// An event's identity: its account and id.
fn key(new: &NewEvent) -> (&str, &str) {
    (new.event.account.as_str(), new.event.id.as_str())
}

fn answer(
    new: NewEvent,
    created: bool,
    known: &std::collections::HashMap<(String, String), usize>,
) -> Ingested {
    let deliveries = match created {
        true => new.deliveries.len(),
        false => {
            let (account, id) = key(&new);
            known
                .get(&(account.to_owned(), id.to_owned()))
                .copied()
                .unwrap_or(0)
        }
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
    accounts: Vec<String>,
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
            self.accounts.push(new.event.account.to_string());
        }
    }
}
