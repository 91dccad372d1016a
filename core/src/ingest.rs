//! The ingest path: subscriptions decide the deliveries, storage commits event
//! and deliveries together, and only then does the router hear of them.

use std::{sync::Arc, time::Duration};

use actix::Addr;

use crate::{
    actors::{Route, Router, Subscriptions, WakeConnectors},
    event::Event,
    storage::{Admission, Ingested, Lease, NewEvent, Store, StoreError},
};

/// Accepts validated events. Cheap to clone.
#[derive(Clone)]
pub struct Ingestor {
    store: Arc<dyn Store>,
    subscriptions: Arc<Subscriptions>,
    router: Addr<Router>,
    node: Arc<str>,
    lease: Duration,
}

impl Ingestor {
    /// An ingestor committing to `store` and routing through `router`.
    pub fn new(
        store: Arc<dyn Store>,
        subscriptions: Arc<Subscriptions>,
        router: Addr<Router>,
        node: Arc<str>,
        lease: Duration,
    ) -> Self {
        Ingestor {
            store,
            subscriptions,
            router,
            node,
            lease,
        }
    }

    /// Commits the event with its deliveries; returns once durable. A known
    /// event id creates nothing (`created == false`).
    pub async fn ingest(&self, event: Event) -> Result<Ingested, StoreError> {
        let deliveries = self.subscriptions.deliveries_for(&event);
        let parked: Vec<String> = deliveries
            .iter()
            .filter(|d| d.admission == Admission::Park)
            .map(|d| d.connector.to_string())
            .collect();
        let kind = event.kind;
        let lease = Lease::new(self.node.clone(), self.lease);
        let mut ingested = self
            .store
            .ingest(NewEvent { event, deliveries }, lease)
            .await?;
        if ingested.created {
            metrics::counter!("switchboard_events_ingested_total", "type" => kind.as_str())
                .increment(1);
            let jobs = std::mem::take(&mut ingested.jobs);
            if !jobs.is_empty() {
                self.router.do_send(Route(jobs));
            }
            // A full actor may have looked in storage just before this commit.
            if !parked.is_empty() {
                self.router.do_send(WakeConnectors(parked));
            }
        }
        Ok(ingested)
    }
}
