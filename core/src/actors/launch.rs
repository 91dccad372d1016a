//! Starting one connector actor: the single path configured connectors (at
//! start-up) and runtime endpoints (at any time) both take.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use actix::{Addr, ArbiterHandle, Supervisor};

use super::{
    breaker::TripRule, AddConnector, ConnectorActor, ConnectorSettings, Router, Subscriptions,
};
use crate::{
    config::{DeliveryConfig, RateLimit},
    connector::Connector,
    health::HealthBoard,
    outbound::{OutboundClient, SendError},
    pacing::PacingBoard,
    retry::RetryPolicy,
    storage::Store,
    telemetry::Metrics,
};

/// Everything shared by the connector actors of one hub.
#[derive(Clone)]
pub struct Launcher {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// The router new actors register with.
    pub router: Addr<Router>,
    /// Shared subscription table.
    pub subscriptions: Arc<Subscriptions>,
    /// `[delivery]`: outbound client settings, retry schedule, defaults.
    pub delivery: DeliveryConfig,
    /// This node's id.
    pub node: Arc<str>,
    /// Lease duration.
    pub lease: Duration,
    /// Poll interval for work released by other nodes (multi-node only).
    pub poll: Option<Duration>,
    /// Arbiters (threads) actors are spread over.
    pub arbiters: Vec<ArbiterHandle>,
    /// This node's live health view, shared with the admin API.
    pub health: Arc<HealthBoard>,
    /// The hub's metrics, recorded by every actor.
    pub metrics: Arc<Metrics>,
    /// This node's pacing (rate limits, pauses), shared with the admin API.
    pub pacing: Arc<PacingBoard>,
    next: Arc<AtomicUsize>,
}

/// A connector's own limits; `None` fields take `[delivery]`'s (or none).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectorLimits {
    /// Attempt timeout.
    pub timeout: Option<Duration>,
    /// Attempts in flight at most.
    pub concurrency: Option<usize>,
    /// Attempts per second at most.
    pub rate_limit: Option<RateLimit>,
}

impl Launcher {
    /// A launcher spreading actors over `arbiters` (at least one).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        router: Addr<Router>,
        subscriptions: Arc<Subscriptions>,
        delivery: DeliveryConfig,
        node: Arc<str>,
        lease: Duration,
        poll: Option<Duration>,
        arbiters: Vec<ArbiterHandle>,
        metrics: Arc<Metrics>,
    ) -> Self {
        assert!(!arbiters.is_empty(), "at least one arbiter");
        Launcher {
            store,
            router,
            subscriptions,
            delivery,
            node,
            lease,
            poll,
            arbiters,
            health: Arc::default(),
            metrics,
            pacing: Arc::default(),
            next: Arc::default(),
        }
    }

    /// Starts a supervised actor for `connector` on the next arbiter and
    /// registers it with the router under `name` (replacing any actor of
    /// that name), within `limits`.
    /// `at_hub_start`: the hub is starting, so this node's leases on the
    /// connector are left over from a previous run and are released.
    pub fn start(
        &self,
        name: Arc<str>,
        connector: Arc<dyn Connector>,
        limits: ConnectorLimits,
        at_hub_start: bool,
    ) -> Result<(), SendError> {
        let settings = ConnectorSettings {
            name: name.clone(),
            connector,
            http: OutboundClient::new(
                &self.delivery,
                limits.timeout.unwrap_or(self.delivery.timeout),
            )?,
            store: self.store.clone(),
            policy: RetryPolicy::from_config(&self.delivery),
            node: self.node.clone(),
            lease: self.lease,
            concurrency: limits.concurrency.unwrap_or(self.delivery.concurrency),
            queue_limit: self.delivery.queue_limit,
            poll: self.poll,
            subscriptions: self.subscriptions.clone(),
            release_on_start: at_hub_start,
            health: self.health.clone(),
            breaker: TripRule {
                failures: self.delivery.breaker_failures,
                window: self.delivery.breaker_window,
            },
            breaker_cooldown: self.delivery.breaker_cooldown,
            disable_after: self.delivery.disable_after,
            metrics: self.metrics.clone(),
            rate_limit: limits.rate_limit,
            pacing: self.pacing.clone(),
        };
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.arbiters.len();
        let addr =
            Supervisor::start_in_arbiter(&self.arbiters[i], move |_| ConnectorActor::new(settings));
        self.router.do_send(AddConnector(name, addr));
        Ok(())
    }
}
