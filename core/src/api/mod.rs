//! HTTP APIs: ingest (platform), admin (operators), schemas and health.

mod accounts;
mod admin;
mod auth;
mod calls;
mod codes;
mod endpoints;
mod erasure;
mod error;
mod extract;
mod functions;
mod health;
mod ingest;
mod limits;
mod metrics;
mod not_allowed;
pub mod openapi;
mod params;
mod test_fire;
mod traced;

use std::sync::{Arc, RwLock};

use actix::Addr;

pub use auth::{require, AdminToken, IngestToken, OperatorToken};
pub use codes::ErrorCode;
pub use error::ApiError;
pub use limits::{limit_headers, IngestLimiter};
pub use not_allowed::{not_found_or_not_allowed, refuse_nul_in_path, KnownRoutes};
pub use params::{PageLimit, Rfc3339};

use crate::{
    actors::{ConnectorTable, Router},
    config::Secret,
    ingest::Ingestor,
    storage::Store,
};

/// A configured connector as the admin API lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConnectorInfo {
    /// Name.
    pub name: String,
    /// The account it belongs to.
    pub account: crate::account::AccountId,
    /// Kind.
    pub kind: String,
    /// Subscribed event types; `None` means all.
    pub events: Option<Vec<String>>,
}

/// Shared state of every handler.
pub struct AppState {
    /// Token of `POST /v1/events`.
    pub ingest_token: Secret,
    /// Token of the admin API.
    pub admin_token: Secret,
    /// Largest accepted ingest body.
    pub max_body: usize,
    /// Largest accepted total size of a request's headers.
    pub max_header_bytes: usize,
    /// Per-client ingest rate limit, if configured.
    pub ingest_limiter: Option<IngestLimiter>,
    /// The ingest path.
    pub ingestor: Ingestor,
    /// Storage.
    pub store: Arc<dyn Store>,
    /// The router (replays wake connectors through it).
    pub router: Addr<Router>,
    /// The connector table (subscriptions, disabled state).
    pub subscriptions: Arc<ConnectorTable>,
    /// Connectors, for `GET /v1/connectors`.
    pub connectors: RwLock<Vec<ConnectorInfo>>,
    /// This node's id.
    pub node: Arc<str>,
    /// Functions the agent can invoke, with their invocation log.
    pub functions: Arc<crate::functions::Functions>,
    /// Runtime endpoints.
    pub endpoints: Arc<crate::endpoints::Endpoints>,
    /// This node's live view of target health.
    pub health: Arc<crate::health::HealthBoard>,
    /// This node's pacing of every connector (rate limits, pauses).
    pub pacing: Arc<crate::pacing::PacingBoard>,
    /// Events erased on this node (their queued deliveries are dropped).
    pub cancelled: Arc<crate::lifecycle::Cancelled>,
    /// This hub's metrics registry.
    pub metrics: Arc<crate::telemetry::Metrics>,
    /// Whether `GET /metrics` answers without the admin token.
    pub public_metrics: bool,
}

/// Route table of the API: what `configure` mounts.
pub type ServiceConfig<'a> = utoipa_actix_web::service_config::ServiceConfig<'a>;

/// Mounts every API route. Only `#[utoipa::path]`-annotated handlers can be
/// mounted here, so the OpenAPI document ([`openapi::document`]) lists them all.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(extract::path_config())
        .configure(health::configure)
        .configure(ingest::configure)
        .configure(admin::configure)
        .configure(accounts::configure)
        .configure(calls::configure)
        .configure(endpoints::configure)
        .configure(erasure::configure)
        .configure(functions::configure)
        .configure(metrics::configure)
        .configure(test_fire::configure)
        .service(openapi::openapi_json);
}
