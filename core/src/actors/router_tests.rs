//! The table and the router with real connector actors over a real SQLite
//! file: ingest hands each job to its connector's actor, a parked delivery
//! is picked up from storage when its actor is woken, and removing a
//! connector waits for its attempt in flight.

use std::{sync::Arc, time::Duration};

use actix::{Actor, Addr, Arbiter};
use tokio::sync::{mpsc, Semaphore};

use super::*;
use crate::{
    actors::{ConnectorLimits, HubContext, HubParts, Launcher, Subscription},
    config::{DeliveryConfig, StorageConfig},
    connector::{testing::sample, Connector, DeliveryRequest, MappingError, Outcome},
    delivery::DeliveryState,
    event::EventType,
    ingest::Ingestor,
    outbound::{OutboundClient, OutboundRequest},
    storage::{self, Store},
    telemetry::Metrics,
};

/// A connector that reports each attempt's delivery id, and whose attempts
/// wait for a permit (so a test can hold one in flight).
struct Recorder {
    name: &'static str,
    seen: mpsc::UnboundedSender<(&'static str, String)>,
    gate: Arc<Semaphore>,
}

#[async_trait::async_trait]
impl Connector for Recorder {
    fn prepare(&self, _: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        Ok(Vec::new())
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, _: &OutboundClient) -> Outcome {
        let _ = self.seen.send((self.name, req.delivery_id.to_owned()));
        let _permit = self.gate.acquire().await.expect("gate open");
        Outcome::delivered_without_request()
    }
}

struct Hub {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    table: Arc<ConnectorTable>,
    router: Addr<Router>,
    ingestor: Ingestor,
    seen: mpsc::UnboundedReceiver<(&'static str, String)>,
}

/// A hub with one recording connector per name; `gate` holds their attempts.
async fn hub(names: &[&'static str], gate: Arc<Semaphore>) -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig {
        url: format!("sqlite://{}", dir.path().join("hub.db").display()),
        ..StorageConfig::default()
    };
    let store = storage::open(&config).await.unwrap();
    let table = Arc::new(ConnectorTable::default());
    let router = Router::new(table.clone()).start();
    let metrics = Arc::new(Metrics::new());
    let parts = HubParts {
        store: store.clone(),
        table: table.clone(),
        node: "node-1".into(),
        lease: config.lease,
        poll: None,
        metrics: metrics.clone(),
        redactor: Arc::default(),
    };
    let delivery = DeliveryConfig::default();
    let hub = Arc::new(HubContext::new(parts, &delivery));
    let launcher = Launcher::new(hub, router.clone(), delivery, vec![Arbiter::current()]);
    let (tx, seen) = mpsc::unbounded_channel();
    for &name in names {
        let subscription = Subscription {
            name: name.into(),
            account: Default::default(),
            events: None,
            filter: None,
        };
        table.subscribe(subscription, false);
        let connector = Arc::new(Recorder {
            name,
            seen: tx.clone(),
            gate: gate.clone(),
        });
        launcher
            .start(name.into(), connector, ConnectorLimits::default(), true)
            .unwrap();
    }
    let ingestor = Ingestor::new(
        store.clone(),
        table.clone(),
        "node-1".into(),
        config.lease,
        metrics,
    );
    Hub {
        _dir: dir,
        store,
        table,
        router,
        ingestor,
        seen,
    }
}

impl Hub {
    /// The next attempt any connector starts, within 5 s.
    async fn next_attempt(&mut self) -> (&'static str, String) {
        tokio::time::timeout(Duration::from_secs(5), self.seen.recv())
            .await
            .expect("an attempt within 5 s")
            .expect("recorders alive")
    }

    async fn state(&self, delivery: &str) -> DeliveryState {
        let detail = self
            .store
            .delivery(&crate::account::Scope::default(), delivery)
            .await
            .unwrap()
            .unwrap();
        detail.delivery.status
    }

    /// Waits (up to 5 s) until the delivery reaches `want`.
    async fn wait_for(&self, delivery: &str, want: DeliveryState) {
        for _ in 0..500 {
            if self.state(delivery).await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "{delivery} is {:?}, not {want:?}",
            self.state(delivery).await
        );
    }
}

#[actix_rt::test]
async fn ingest_hands_each_job_to_its_own_connector_and_a_woken_one_finds_parked_work() {
    let mut hub = hub(&["crm", "pager"], Arc::new(Semaphore::new(100))).await;
    let ingested = hub
        .ingestor
        .ingest(sample(EventType::LeadCaptured))
        .await
        .unwrap();
    assert_eq!(ingested.deliveries, 2);
    let mut attempts = vec![hub.next_attempt().await, hub.next_attempt().await];
    attempts.sort();
    assert_eq!(attempts[0].0, "crm");
    assert_eq!(attempts[1].0, "pager");
    for (_, delivery) in &attempts {
        hub.wait_for(delivery, DeliveryState::Succeeded).await;
    }

    // A saturated connector's delivery is parked in storage, and ingest wakes
    // its actor to pull it.
    hub.table.set_saturated("pager", true);
    hub.ingestor
        .ingest(sample(EventType::CallStarted))
        .await
        .unwrap();
    let mut attempts = [hub.next_attempt().await, hub.next_attempt().await];
    attempts.sort();
    assert_eq!(attempts[1].0, "pager");
    hub.wait_for(&attempts[1].1, DeliveryState::Succeeded).await;
}

#[actix_rt::test]
async fn removing_a_connector_waits_for_its_attempt_then_it_gets_nothing_more() {
    let gate = Arc::new(Semaphore::new(0));
    let mut hub = hub(&["crm", "pager"], gate.clone()).await;
    let event = sample(EventType::LeadCaptured);
    hub.ingestor.ingest(event.clone()).await.unwrap();
    let mut held = [hub.next_attempt().await, hub.next_attempt().await];
    held.sort();
    let removed = hub.router.send(RemoveConnector("crm".into()));
    let removed = actix_rt::spawn(removed);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!removed.is_finished(), "crm's attempt is still in flight");
    let wanted: Vec<_> = hub
        .table
        .deliveries_for(&event)
        .into_iter()
        .map(|d| d.connector)
        .collect();
    assert_eq!(wanted, [Arc::from("pager")], "unsubscribed at once");

    gate.add_permits(2);
    tokio::time::timeout(Duration::from_secs(5), removed)
        .await
        .expect("answered once the attempt ended")
        .unwrap()
        .unwrap();
    hub.wait_for(&held[0].1, DeliveryState::Succeeded).await;

    gate.add_permits(100);
    let ingested = hub
        .ingestor
        .ingest(sample(EventType::CallStarted))
        .await
        .unwrap();
    assert_eq!(ingested.deliveries, 1, "pager only");
    assert_eq!(hub.next_attempt().await.0, "pager");
    hub.router.send(DrainAll).await.unwrap();
}
