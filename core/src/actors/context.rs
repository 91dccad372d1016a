//! What connector actors share: the per-hub context (one `Arc` for all of
//! them) and each connector's own settings (one `Arc` per actor, cloned per
//! attempt as a pointer, never field by field).

use std::{sync::Arc, time::Duration};

use super::{breaker::TripRule, ConnectorTable};
use crate::{
    config::{DeliveryConfig, RateLimit},
    connector::Connector,
    health::HealthBoard,
    outbound::OutboundClient,
    pacing::PacingBoard,
    retry::RetryPolicy,
    storage::Store,
    telemetry::Metrics,
};

/// Everything the connector actors of one hub share.
pub struct HubContext {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// The connector table (subscriptions, actors, disabled and saturated).
    pub table: Arc<ConnectorTable>,
    /// This node's id.
    pub node: Arc<str>,
    /// Lease duration.
    pub lease: Duration,
    /// Poll storage this often for work other nodes released (multi-node only).
    pub poll: Option<Duration>,
    /// Retry schedule.
    pub policy: RetryPolicy,
    /// Jobs held in memory beyond the in-flight ones (`[delivery] queue_limit`).
    pub queue_limit: usize,
    /// When the breaker opens (`breaker_failures` 0: never).
    pub breaker: TripRule,
    /// First breaker cooldown.
    pub breaker_cooldown: Duration,
    /// Disable a connector once all its attempts failed for this long (0: never).
    pub disable_after: Duration,
    /// This node's live health view (success rate, breaker position).
    pub health: Arc<HealthBoard>,
    /// The hub's metrics (attempt outcomes and latency).
    pub metrics: Arc<Metrics>,
    /// This node's pacing of every connector (pauses targets asked for).
    pub pacing: Arc<PacingBoard>,
    /// Events erased on this node: their queued deliveries are dropped.
    pub cancelled: Arc<crate::lifecycle::Cancelled>,
    /// `[logging] redact`: masks payload fields in attempt logs and excerpts.
    pub redactor: Arc<crate::lifecycle::Redactor>,
}

/// Where a hub's connector actors store, lease and report.
pub struct HubParts {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// The connector table.
    pub table: Arc<ConnectorTable>,
    /// This node's id.
    pub node: Arc<str>,
    /// Lease duration.
    pub lease: Duration,
    /// Poll interval for work released by other nodes (multi-node only).
    pub poll: Option<Duration>,
    /// The hub's metrics.
    pub metrics: Arc<Metrics>,
    /// `[logging] redact`.
    pub redactor: Arc<crate::lifecycle::Redactor>,
}

impl HubContext {
    /// The context of a hub's actors, with `[delivery]`'s schedule and
    /// breaker, and a fresh health and pacing view.
    pub fn new(parts: HubParts, delivery: &DeliveryConfig) -> Self {
        HubContext {
            store: parts.store,
            table: parts.table,
            node: parts.node,
            lease: parts.lease,
            poll: parts.poll,
            policy: RetryPolicy::from_config(delivery),
            queue_limit: delivery.queue_limit,
            breaker: TripRule {
                failures: delivery.breaker_failures,
                window: delivery.breaker_window,
            },
            breaker_cooldown: delivery.breaker_cooldown,
            disable_after: delivery.disable_after,
            health: Arc::default(),
            metrics: parts.metrics,
            pacing: Arc::default(),
            cancelled: Arc::default(),
            redactor: parts.redactor,
        }
    }
}

/// One connector actor's settings, kept across restarts.
pub struct ConnectorSettings {
    /// Connector name.
    pub name: Arc<str>,
    /// The plug-in.
    pub connector: Arc<dyn Connector>,
    /// Its HTTP client (timeout, SSRF guard).
    pub http: OutboundClient,
    /// Attempts in flight at most.
    pub concurrency: usize,
    /// Attempts per second at most (`rate_limit`); `None`: not paced.
    pub rate_limit: Option<RateLimit>,
    /// Release this node's leases on the connector's deliveries at the first
    /// start too (a hub restarting after a crash), not only at restarts. Off
    /// for a connector created while the hub runs: it cannot have stale
    /// leases, and its new deliveries are already leased to it in flight.
    pub release_on_start: bool,
    /// What every actor of the hub shares.
    pub hub: Arc<HubContext>,
}
