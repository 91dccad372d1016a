//! The ingest path: the connector table decides the deliveries, storage
//! commits event and deliveries together, and only then are the jobs handed
//! to the connector actors (through the same table).

use std::{sync::Arc, time::Duration};

use crate::{
    actors::ConnectorTable,
    delivery::Job,
    event::Event,
    storage::{Admission, Ingested, Lease, NewDelivery, NewEvent, Store, StoreError},
    telemetry::Metrics,
};

/// Accepts validated events. Cheap to clone.
#[derive(Clone)]
pub struct Ingestor {
    store: Arc<dyn Store>,
    table: Arc<ConnectorTable>,
    node: Arc<str>,
    lease: Duration,
    metrics: Arc<Metrics>,
}

impl Ingestor {
    /// An ingestor committing to `store` and dispatching through `table`.
    pub fn new(
        store: Arc<dyn Store>,
        table: Arc<ConnectorTable>,
        node: Arc<str>,
        lease: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Ingestor {
            store,
            table,
            node,
            lease,
            metrics,
        }
    }

    /// Commits the event with its deliveries; returns once durable. A known
    /// event id creates nothing (`created == false`).
    pub async fn ingest(&self, event: Event) -> Result<Ingested, StoreError> {
        let deliveries = self.table.deliveries_for(&event);
        self.ingest_to(event, deliveries).await
    }

    /// The deliveries `event` would get, limited to one connector (the
    /// dashboard's test-fire of a configured connector).
    pub fn deliveries_to(&self, event: &Event, connector: &str) -> Vec<NewDelivery> {
        self.table
            .deliveries_for(event)
            .into_iter()
            .filter(|d| &*d.connector == connector)
            .collect()
    }

    /// Commits the event with the given deliveries instead of its
    /// subscribers' (a test event fired at one endpoint).
    pub async fn ingest_to(
        &self,
        event: Event,
        deliveries: Vec<NewDelivery>,
    ) -> Result<Ingested, StoreError> {
        let parked: Vec<Arc<str>> = deliveries
            .iter()
            .filter(|d| d.admission == Admission::Park)
            .map(|d| d.connector.clone())
            .collect();
        let kind = event.kind;
        let lease = Lease::new(self.node.clone(), self.lease);
        let jobs = jobs(&event, &deliveries);
        let new = NewEvent {
            event: event.for_storage(),
            deliveries,
        };
        drop(event);
        let ingested = self.store.ingest(new, lease).await?;
        if ingested.created {
            self.metrics.event_ingested(kind);
            if !jobs.is_empty() {
                self.table.dispatch(jobs);
            }
            // A full actor may have looked in storage just before this commit.
            if !parked.is_empty() {
                self.table.wake(parked);
            }
        }
        Ok(ingested)
    }
}

/// The deliveries this node attempts at once (those storage leases to it
/// when the event is new), as its connector actors' jobs.
fn jobs(event: &Event, deliveries: &[NewDelivery]) -> Vec<Job> {
    deliveries
        .iter()
        .filter(|d| d.admission == Admission::Dispatch)
        .map(|d| Job {
            delivery_id: d.id.clone(),
            connector: d.connector.clone(),
            event: event.clone(),
            attempts_made: 0,
            first_attempt_at: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dispatched_deliveries_become_jobs() {
        let body = r#"{"id":"evt_j","type":"call.started","data":{"call_id":"c","agent_id":"a"}}"#;
        let event = Event::parse(body.as_bytes(), 1).expect("valid");
        let deliveries = [
            ("a", Admission::Dispatch),
            ("b", Admission::Park),
            ("c", Admission::Disabled),
            ("d", Admission::Dispatch),
        ]
        .map(|(connector, admission)| NewDelivery {
            id: crate::ids::delivery_id(),
            connector: Arc::from(connector),
            admission,
        });
        let jobs = jobs(&event, &deliveries);
        let got: Vec<_> = jobs
            .iter()
            .map(|j| (j.delivery_id.as_str(), &*j.connector, j.event.id.as_str()))
            .collect();
        let want = [
            (deliveries[0].id.as_str(), "a", "evt_j"),
            (deliveries[3].id.as_str(), "d", "evt_j"),
        ];
        assert_eq!(got, want, "parked and disabled deliveries wait in storage");
        assert!(jobs
            .iter()
            .all(|j| j.attempts_made == 0 && j.first_attempt_at.is_none()));
    }
}
