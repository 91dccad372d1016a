//! The grouped ingest write: a whole batch of events and their deliveries in
//! one transaction, with multi-row statements.
//!
//! One statement per row costs a round trip to sqlx's connection thread each;
//! at tens of thousands of rows a second that, not SQLite, is the limit. Rows
//! are sent in chunks of fixed sizes so the few statement texts stay in the
//! connection's prepared-statement cache.

use std::collections::{HashMap, HashSet};

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::{
    delivery::{DeliveryState, Job},
    storage::{Admission, Ingested, Lease, NewEvent, StoreError},
    time::now_ms,
};

/// Rows per statement, largest first; 256 deliveries bind 2,560 values,
/// far below SQLite's limit of 32,766.
const CHUNKS: [usize; 5] = [256, 64, 16, 4, 1];

/// Splits `items` into slices whose lengths are all in [`CHUNKS`].
pub(super) fn chunked<T>(mut items: &[T]) -> Vec<&[T]> {
    let mut out = Vec::new();
    while !items.is_empty() {
        let n = CHUNKS
            .into_iter()
            .find(|&n| n <= items.len())
            .expect("1 divides all");
        let (head, tail) = items.split_at(n);
        out.push(head);
        items = tail;
    }
    out
}

/// Writes a batch inside the caller's transaction; answers in the batch's
/// order. A known id (also one repeated within the batch) creates nothing and
/// reports the stored count.
pub(super) async fn ingest(
    tx: &mut SqliteConnection,
    batch: &[(NewEvent, Lease)],
) -> Result<Vec<Ingested>, StoreError> {
    let now = now_ms();
    let mut new_ids: HashSet<String> = HashSet::with_capacity(batch.len());
    for chunk in chunked(batch) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO events (id, type, created, body, deliveries, received_at) ",
        );
        q.push_values(chunk, |mut b, (new, _)| {
            let ev = &new.event;
            b.push_bind(ev.id.as_str())
                .push_bind(ev.kind.as_str())
                .push_bind(ev.created)
                .push_bind(&*ev.body)
                .push_bind(new.deliveries.len() as i64)
                .push_bind(now);
        });
        q.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
        for row in q.build().fetch_all(&mut *tx).await? {
            new_ids.insert(row.get(0));
        }
    }

    let mut out = Vec::with_capacity(batch.len());
    let mut rows = Vec::new();
    let mut claimed: HashMap<&str, usize> = HashMap::new();
    let mut known = Vec::new();
    for (i, (new, lease)) in batch.iter().enumerate() {
        let ev = &new.event;
        if !new_ids.remove(&ev.id) {
            // Stored before, or earlier in this batch (whose count is already known).
            let count = claimed.get(ev.id.as_str()).copied();
            if count.is_none() {
                known.push(i);
            }
            out.push(Ingested {
                event_id: ev.id.clone(),
                deliveries: count.unwrap_or(0),
                created: false,
                jobs: vec![],
            });
            continue;
        }
        claimed.insert(&ev.id, new.deliveries.len());
        let mut jobs = Vec::new();
        for d in &new.deliveries {
            rows.push((new, lease, d));
            if d.admission == Admission::Dispatch {
                jobs.push(Job {
                    delivery_id: d.id.clone(),
                    connector: d.connector.clone(),
                    event: ev.clone(),
                    attempts_made: 0,
                    first_attempt_at: None,
                });
            }
        }
        out.push(Ingested {
            event_id: ev.id.clone(),
            deliveries: new.deliveries.len(),
            created: true,
            jobs,
        });
    }

    for chunk in chunked(&rows) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO deliveries (id, event_id, event_type, connector, status, next_attempt_at, \
             lease_owner, lease_expires_at, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, (new, lease, d)| {
            let pending = d.admission.state() == DeliveryState::Pending;
            let leased = d.admission == Admission::Dispatch;
            b.push_bind(d.id.as_str())
                .push_bind(new.event.id.as_str())
                .push_bind(new.event.kind.as_str())
                .push_bind(&*d.connector)
                .push_bind(d.admission.state().as_str())
                .push_bind(pending.then_some(now))
                .push_bind(leased.then_some(&*lease.node))
                .push_bind(leased.then_some(lease.until))
                .push_bind(now)
                .push_bind(now);
        });
        q.build().execute(&mut *tx).await?;
    }

    for i in known {
        let n: i64 = sqlx::query_scalar("SELECT deliveries FROM events WHERE id = ?")
            .bind(&out[i].event_id)
            .fetch_one(&mut *tx)
            .await?;
        out[i].deliveries = n as usize;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, time::Duration};

    use super::*;
    use crate::{
        config::StorageConfig,
        event::Event,
        storage::{sqlite::SqliteStore, NewDelivery, Store},
    };

    fn event(id: &str) -> Event {
        let body = format!(
            r#"{{"id":"{id}","type":"call.started","data":{{"call_id":"c","agent_id":"a"}}}}"#
        );
        Event::parse(body.as_bytes(), 1).expect("valid")
    }

    fn new_event(id: &str, connectors: &[&str]) -> NewEvent {
        NewEvent {
            event: event(id),
            deliveries: connectors
                .iter()
                .map(|c| NewDelivery {
                    id: crate::ids::delivery_id(),
                    connector: Arc::from(*c),
                    admission: match *c {
                        "off" => Admission::Disabled,
                        "parked" => Admission::Park,
                        _ => Admission::Dispatch,
                    },
                })
                .collect(),
        }
    }

    #[test]
    fn chunks_use_only_the_cached_sizes_and_keep_order() {
        let items: Vec<usize> = (0..599).collect();
        let chunks = chunked(&items);
        assert!(chunks.iter().all(|c| CHUNKS.contains(&c.len())));
        assert_eq!(chunks.concat(), items);
        assert!(chunked::<u8>(&[]).is_empty());
    }

    #[tokio::test]
    async fn a_batch_creates_new_events_once_and_reports_known_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = StorageConfig {
            url: format!("sqlite://{}", dir.path().join("t.db").display()),
            ..StorageConfig::default()
        };
        let store = SqliteStore::open(&config).await.expect("open");
        let lease = || Lease::new("node".into(), Duration::from_secs(60));
        let first = store
            .ingest(new_event("evt_old", &["a"]), lease())
            .await
            .expect("ingest");
        assert!(first.created);

        let batch = vec![
            (new_event("evt_1", &["a", "b", "off"]), lease()),
            (new_event("evt_old", &["a", "b"]), lease()),
            (new_event("evt_1", &["a"]), lease()),
            (new_event("evt_2", &[]), lease()),
        ];
        let mut tx = super::super::tx::WriteTx::begin(&store.write)
            .await
            .expect("begin");
        let out = ingest(tx.conn(), &batch).await.expect("batch");
        tx.commit().await.expect("commit");
        let summary: Vec<_> = out
            .iter()
            .map(|i| (i.event_id.as_str(), i.created, i.deliveries, i.jobs.len()))
            .collect();
        assert_eq!(
            summary,
            [
                ("evt_1", true, 3, 2),
                ("evt_old", false, 1, 0),
                ("evt_1", false, 3, 0),
                ("evt_2", true, 0, 0),
            ]
        );
        let stored = store.event("evt_1").await.expect("read").expect("stored");
        let mut states: Vec<_> = stored.deliveries.iter().map(|d| d.status).collect();
        states.sort_by_key(|s| s.as_str());
        assert_eq!(
            states,
            [
                DeliveryState::Disabled,
                DeliveryState::Pending,
                DeliveryState::Pending
            ]
        );
        let leased = store.lease_due("a", &lease(), 10).await.expect("lease");
        assert!(
            leased.is_empty(),
            "new deliveries are leased to the ingesting node"
        );
    }
}
