//! The grouped ingest write: a whole batch of events and their deliveries
//! inside the writer's transaction, one prepared statement per table.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Statement};

use crate::{
    delivery::DeliveryState,
    storage::{Admission, Ingested, Lease, NewEvent, StoreError},
    time::now_ms,
};

/// Writes a batch inside the caller's transaction; answers in the batch's
/// order. A known id (also one repeated within the batch) creates nothing and
/// reports the stored count.
pub(super) fn ingest(
    db: &Connection,
    batch: &[(NewEvent, Lease)],
) -> Result<Vec<Ingested>, StoreError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let mut event = db.prepare(
        "INSERT INTO events (id, type, created, body, deliveries, received_at, account, call_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (account, id) DO NOTHING",
    )?;
    let mut delivery = db.prepare(
        "INSERT INTO deliveries (id, event_id, event_type, connector, status, next_attempt_at,
             lease_owner, lease_expires_at, created_at, updated_at, account)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
    )?;
    // Idempotency is per account: the same id in two accounts is two events.
    let mut claimed: HashMap<(&str, &str), usize> = HashMap::new();
    let mut out = Vec::with_capacity(batch.len());
    for (new, lease) in batch {
        let ev = &new.event;
        let n = new.deliveries.len();
        let created = event.execute(params![
            ev.id,
            ev.kind.as_str(),
            ev.created,
            &*ev.body,
            n as i64,
            now,
            ev.account.as_str(),
            ev.call_id()
        ])? == 1;
        if !created {
            // Stored before, or earlier in this batch (whose count is known).
            let deliveries = match claimed.get(&(ev.account.as_str(), ev.id.as_str())) {
                Some(&n) => n,
                None => stored_count(db, ev.account.as_str(), &ev.id)?,
            };
            out.push(Ingested {
                event_id: ev.id.clone(),
                deliveries,
                created: false,
            });
            continue;
        }
        claimed.insert((ev.account.as_str(), &ev.id), n);
        insert_deliveries(&mut delivery, new, lease, now)?;
        out.push(Ingested {
            event_id: ev.id.clone(),
            deliveries: n,
            created: true,
        });
    }
    Ok(out)
}

/// Inserts an event's deliveries, those to dispatch leased to `lease`.
fn insert_deliveries(
    stmt: &mut Statement<'_>,
    new: &NewEvent,
    lease: &Lease,
    now: i64,
) -> Result<(), StoreError> {
    let ev = &new.event;
    for d in &new.deliveries {
        let pending = d.admission.state() == DeliveryState::Pending;
        let leased = d.admission == Admission::Dispatch;
        stmt.execute(params![
            d.id,
            ev.id,
            ev.kind.as_str(),
            &*d.connector,
            d.admission.state().as_str(),
            pending.then_some(now),
            leased.then_some(&*lease.node),
            leased.then_some(lease.until),
            now,
            ev.account.as_str(),
        ])?;
    }
    Ok(())
}

fn stored_count(db: &Connection, account: &str, id: &str) -> Result<usize, StoreError> {
    let n: Option<i64> = db
        .prepare("SELECT deliveries FROM events WHERE account = ?1 AND id = ?2")?
        .query_row([account, id], |row| row.get(0))
        .optional()?;
    Ok(n.unwrap_or(0) as usize)
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, time::Duration};

    use super::*;
    use crate::{
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

    #[tokio::test]
    async fn a_batch_creates_new_events_once_and_reports_known_ones() {
        let (_dir, store) = SqliteStore::temp().await;
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
        // Through the writer, as one batch.
        let (writes, answers): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|(e, l)| {
                let (answer, outcome) = tokio::sync::oneshot::channel();
                (super::super::writer::Write::Ingest(e, l, answer), outcome)
            })
            .unzip();
        super::super::writer::commit(store.engine.write.clone(), writes)
            .await
            .expect("batch");
        let mut out: Vec<Ingested> = Vec::new();
        for answer in answers {
            out.push(answer.await.expect("answered after the commit"));
        }
        let summary: Vec<_> = out
            .iter()
            .map(|i| (i.event_id.as_str(), i.created, i.deliveries))
            .collect();
        assert_eq!(
            summary,
            [
                ("evt_1", true, 3),
                ("evt_old", false, 1),
                ("evt_1", false, 3),
                ("evt_2", true, 0),
            ]
        );
        let stored = store
            .event(&crate::account::Scope::default(), "evt_1")
            .await
            .expect("read")
            .expect("stored");
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
