//! The ingest path: the connector table decides the deliveries, storage
//! commits event and deliveries together, and only then are the jobs handed
//! to the connector actors (through the same table).

use std::{sync::Arc, time::Duration};

use crate::{
    actors::ConnectorTable,
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
        let mut ingested = self
            .store
            .ingest(NewEvent { event, deliveries }, lease)
            .await?;
        if ingested.created {
            self.metrics.event_ingested(kind);
            let jobs = std::mem::take(&mut ingested.jobs);
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
