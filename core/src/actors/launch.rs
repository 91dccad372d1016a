//! Starting one connector actor: the single path configured connectors (at
//! start-up) and runtime endpoints (at any time) both take.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use actix::{Addr, ArbiterHandle, Supervisor};

use super::{ConnectorActor, ConnectorSettings, Drain, HubContext, Router};
use crate::{
    config::{DeliveryConfig, RateLimit},
    connector::Connector,
    outbound::{OutboundClient, SendError},
};

/// Starts the connector actors of one hub.
#[derive(Clone)]
pub struct Launcher {
    /// What the actors share (storage, the connector table, health...).
    pub hub: Arc<HubContext>,
    /// The router (lifecycle work over the actors).
    pub router: Addr<Router>,
    /// `[delivery]`: outbound client settings and defaults.
    pub delivery: DeliveryConfig,
    /// Arbiters (threads) actors are spread over.
    pub arbiters: Vec<ArbiterHandle>,
    next: Arc<AtomicUsize>,
}

/// A connector's own limits; `None` fields take `[delivery]`'s (or none).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectorLimits {
    /// Attempt timeout.
    pub timeout: Option<std::time::Duration>,
    /// Attempts in flight at most.
    pub concurrency: Option<usize>,
    /// Attempts per second at most.
    pub rate_limit: Option<RateLimit>,
}

impl Launcher {
    /// A launcher spreading actors over `arbiters` (at least one).
    pub fn new(
        hub: Arc<HubContext>,
        router: Addr<Router>,
        delivery: DeliveryConfig,
        arbiters: Vec<ArbiterHandle>,
    ) -> Self {
        assert!(!arbiters.is_empty(), "at least one arbiter");
        Launcher {
            hub,
            router,
            delivery,
            arbiters,
            next: Arc::default(),
        }
    }

    /// Starts a supervised actor for `connector` on the next arbiter, within
    /// `limits`, and attaches it to the connector table's row `name` (which
    /// must be subscribed already), replacing (and draining) any actor there.
    /// `at_hub_start`: the hub is starting, so this node's leases on the
    /// connector are left over from a previous run and are released.
    pub fn start(
        &self,
        name: Arc<str>,
        connector: Arc<dyn Connector>,
        limits: ConnectorLimits,
        at_hub_start: bool,
    ) -> Result<(), SendError> {
        let settings = Arc::new(ConnectorSettings {
            name: name.clone(),
            connector,
            http: OutboundClient::new(
                &self.delivery,
                limits.timeout.unwrap_or(self.delivery.timeout),
            )?,
            concurrency: limits.concurrency.unwrap_or(self.delivery.concurrency),
            rate_limit: limits.rate_limit,
            release_on_start: at_hub_start,
            hub: self.hub.clone(),
        });
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.arbiters.len();
        let addr =
            Supervisor::start_in_arbiter(&self.arbiters[i], move |_| ConnectorActor::new(settings));
        if let Some(old) = self.hub.table.attach(&name, addr) {
            old.do_send(Drain);
        }
        Ok(())
    }
}
