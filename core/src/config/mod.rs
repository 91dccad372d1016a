//! Configuration: one TOML file, environment overrides, `${VAR}` secrets.
//!
//! Every field's doc comment is operator documentation; `examples/switchboard.toml`
//! shows them all with their defaults.

mod function;
mod interpolate;
mod lifecycle;
mod load;
mod operations;
mod rate_limit;
mod secret;
mod telemetry;

use std::{net::IpAddr, net::SocketAddr, path::PathBuf, time::Duration};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{account::AccountId, event::EventType};

pub use function::{FunctionConfig, DEFAULT_FUNCTION_TIMEOUT, MAX_FUNCTION_TIMEOUT};
pub use lifecycle::{LoggingConfig, RetentionConfig};
pub use load::{ConfigError, ConfigSource};
pub use operations::OperationsConfig;
pub use rate_limit::RateLimit;
pub use secret::Secret;
pub use telemetry::TelemetryConfig;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the APIs listen and which tokens they accept.
    #[serde(default)]
    pub server: ServerConfig,
    /// Where events and deliveries are stored.
    #[serde(default)]
    pub storage: StorageConfig,
    /// Timeouts, retry schedule and outbound network policy.
    #[serde(default)]
    pub delivery: DeliveryConfig,
    /// This hub node's identity (matters when several nodes share PostgreSQL).
    #[serde(default)]
    pub node: NodeConfig,
    /// The connector instances events are delivered to.
    #[serde(default)]
    pub connectors: Vec<ConnectorConfig>,
    /// Functions the agent can call mid-call (`POST /v1/functions/{name}/invoke`).
    #[serde(default)]
    pub functions: Vec<FunctionConfig>,
    /// How long delivered and failed deliveries and invocations are kept.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// What logs and stored request excerpts leave out.
    #[serde(default)]
    pub logging: LoggingConfig,
    /// The operator's receiver of every account's operational events.
    #[serde(default)]
    pub operations: OperationsConfig,
    /// OpenTelemetry traces (off unless `otlp_endpoint` is set).
    #[serde(default)]
    pub telemetry: TelemetryConfig,
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port of the HTTP listener.
    pub listen: SocketAddr,
    /// Bearer token the receptionist platform posts events with.
    pub ingest_token: Option<Secret>,
    /// Bearer token of the admin API and dashboard.
    pub admin_token: Option<Secret>,
    /// Largest accepted ingest body, in bytes (413 above it).
    pub max_body_bytes: usize,
    /// Ask for the admin token on `GET /metrics` too. Off by default, as
    /// Prometheus scrapers expect; turn it on when the listener is reachable
    /// by people who should not see connector names and volumes.
    pub metrics_require_token: bool,
    /// Largest total size of one request's headers, in bytes (431 above it).
    pub max_header_bytes: usize,
    /// Events per second one client (IP address) may post to `/v1/events`;
    /// over it the answer is 429 with `Retry-After`. 0 = no limit. Behind a
    /// reverse proxy every client shares the proxy's address.
    pub ingest_rate_limit: u32,
    /// Events a client may send at once above the rate; 0 = one second's worth.
    pub ingest_rate_burst: u32,
    /// The address people reach this hub's dashboard at
    /// (`https://hooks.example.com`), for links in what the hub sends (a
    /// Slack message's "open the call", an operational event's link to its
    /// target). None: they carry no links.
    pub public_url: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: ([127, 0, 0, 1], 8787).into(),
            ingest_token: None,
            admin_token: None,
            max_body_bytes: 1024 * 1024,
            metrics_require_token: false,
            max_header_bytes: 16 * 1024,
            ingest_rate_limit: 0,
            ingest_rate_burst: 0,
            public_url: None,
        }
    }
}

/// `[storage]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// `sqlite://path/to/file.db` (embedded default) or `postgres://user@host/db`.
    pub url: String,
    /// Connection pool size.
    pub max_connections: u32,
    /// How long a node holds a delivery it is attempting before another node
    /// may take it over. Must be longer than the attempt timeout.
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// How often a node looks for work leased by nodes that died or released
    /// by other nodes (only matters with several nodes on PostgreSQL).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Key that encrypts the secrets the hub stores itself (runtime
    /// endpoints' signing secrets): 32 random bytes in base64. Unset stores
    /// them as plaintext; usually `"${SWITCHBOARD_SECRET_KEY}"`.
    pub secret_key: Option<Secret>,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            url: "sqlite://switchboard.db".into(),
            max_connections: 8,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            secret_key: None,
        }
    }
}

/// `[delivery]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Time limit of one attempt, connect to last body byte.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// How long after its first attempt a delivery keeps being retried.
    #[serde(with = "humantime_serde")]
    pub retry_for: Duration,
    /// Wait before the first retry; each later retry waits twice as long.
    #[serde(with = "humantime_serde")]
    pub first_retry: Duration,
    /// Longest wait between two attempts.
    #[serde(with = "humantime_serde")]
    pub max_backoff: Duration,
    /// Attempts in flight at once per connector, unless the connector sets its own.
    pub concurrency: usize,
    /// Leased deliveries a connector keeps in memory beyond those in flight.
    /// Past it, new deliveries wait in storage and are paged in as room frees,
    /// so a stalled target costs neither memory nor writes.
    pub queue_limit: usize,
    /// Allow targets on loopback, private and link-local addresses (SSRF guard off).
    pub allow_private_targets: bool,
    /// Outbound HTTP(S) proxy URL, e.g. to give webhooks static source IPs.
    pub proxy: Option<String>,
    /// Local address outbound connections are made from.
    pub local_address: Option<IpAddr>,
    /// Consecutive failed attempts that, together with `breaker_window`, open
    /// a target's circuit breaker: the hub then stops sending to it except
    /// one probe per cooldown. 0 turns the breaker off.
    pub breaker_failures: u32,
    /// How long a target must have failed every attempt (no success since the
    /// first failure of the streak) before the breaker opens, so a flaky
    /// target or a short burst of failures is never paused. 0: the failures
    /// in a row alone open it.
    #[serde(with = "humantime_serde")]
    pub breaker_window: Duration,
    /// Wait before the first probe of an open breaker; doubles after each
    /// failed probe, up to 32 times this.
    #[serde(with = "humantime_serde")]
    pub breaker_cooldown: Duration,
    /// A connector or endpoint whose attempts have all failed for this long is
    /// disabled, with the reason recorded (Svix's default is 5 days). 0 never disables.
    /// Measured on the clock: an open breaker does not delay it.
    #[serde(with = "humantime_serde")]
    pub disable_after: Duration,
    /// A target whose attempts have all failed for this long raises one
    /// `switchboard.endpoint.failing` event. 0 never warns.
    #[serde(with = "humantime_serde")]
    pub warn_after: Duration,
    /// A generic webhook target disabled for no success is sent a signed
    /// `switchboard.probe` event this often.
    #[serde(with = "humantime_serde")]
    pub probe_every: Duration,
    /// Re-enable a target disabled for no success on its first 2xx answer to
    /// a probe (targets disabled by a 410 or an operator wait for a person).
    pub auto_reenable: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            timeout: Duration::from_secs(5),
            retry_for: Duration::from_secs(24 * 3600),
            first_retry: Duration::from_secs(5),
            max_backoff: Duration::from_secs(4 * 3600),
            concurrency: 16,
            queue_limit: 4096,
            allow_private_targets: false,
            proxy: None,
            local_address: None,
            breaker_failures: 5,
            breaker_window: Duration::from_secs(30),
            breaker_cooldown: Duration::from_secs(30),
            disable_after: Duration::from_secs(5 * 24 * 3600),
            warn_after: Duration::from_secs(3600),
            probe_every: Duration::from_secs(3600),
            auto_reenable: true,
        }
    }
}

/// `[node]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodeConfig {
    /// Unique name of this hub node; defaults to the host name.
    pub id: Option<String>,
}

impl NodeConfig {
    /// The configured id, else the host name, else `node`.
    pub fn resolved_id(&self) -> String {
        self.id
            .clone()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "node".into())
    }
}

/// One `[[connectors]]` entry: the options every kind shares, plus the
/// kind's own settings, which its factory parses (and rejects typos in).
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectorConfig {
    /// Name, unique within its account, used in the admin API and logs.
    pub name: String,
    /// The account whose events it receives (1-64 of `[A-Za-z0-9_-]`);
    /// default `default`.
    #[serde(default)]
    pub account: AccountId,
    /// `webhook`, `http`, or a prebuilt kind such as `hubspot`.
    pub kind: String,
    /// Event types to deliver; omitted means all.
    #[serde(default)]
    pub events: Option<Vec<EventType>>,
    /// Condition on payload fields, e.g. `data.transfer.urgency == "emergency"`.
    #[serde(default)]
    pub filter: Option<String>,
    /// One template file used for every event type (overrides the defaults).
    #[serde(default)]
    pub template: Option<PathBuf>,
    /// A folder of `<event.type>.hbs` files overriding the defaults file by file.
    #[serde(default)]
    pub templates_dir: Option<PathBuf>,
    /// Attempts in flight at once for this connector.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Attempt timeout for this connector.
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
    /// Pace attempts instead of spending them on 429s: requests per second
    /// (`5`, burst the same rounded up) or `{ per_second = 5, burst = 10 }`.
    /// Each attempt takes one token, however many requests it makes.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// This connector's own `[delivery] warn_after`.
    #[serde(default, with = "humantime_serde")]
    pub warn_after: Option<Duration>,
    /// This connector's own `[delivery] disable_after`.
    #[serde(default, with = "humantime_serde")]
    pub disable_after: Option<Duration>,
    /// The kind's own settings (`url`, `secret`, `token`...).
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

impl ConnectorConfig {
    /// Whether this connector subscribes to the event type.
    pub fn wants(&self, t: EventType) -> bool {
        self.events
            .as_ref()
            .map_or(t.is_call(), |list| list.contains(&t))
    }
}
