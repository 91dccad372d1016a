//! Switchboard's core: everything between "an event arrived" and "a target answered".
//!
//! # Layout
//!
//! Data flows top to bottom:
//!
//! - [`api`]: actix-web handlers. `POST /v1/events` checks the token, size and
//!   JSON, validates against the [`event`] schemas, and hands the event to the
//!   [`ingest`] path.
//! - [`ingest`]: the connector table decides an event's deliveries, storage
//!   commits the event with them, and only then does the router hear of them;
//!   each caller is answered only after its event and all its deliveries are
//!   durable.
//! - [`storage`]: the [`storage::Store`] trait, implemented once over SQLite
//!   or PostgreSQL: the cold queries written once (`storage/sql`), each
//!   back-end's own hot paths beside them, and group commit
//!   ([`storage::Batcher`]: concurrent ingests and attempt records share one
//!   transaction). Storage is the truth; every actor message is only a
//!   wake-up.
//! - [`actors`]: the connector table (subscription, actor, disabled,
//!   saturated per connector) decides an event's deliveries and hands the
//!   committed ones to one supervised connector actor per connector; each
//!   owns a retry mailbox backed by storage. The router wakes, retires and
//!   drains the actors.
//! - [`connector`]: the plug-in trait prebuilt connectors implement, the
//!   registry, and the built-in `webhook` kind. Connectors map an event to
//!   requests and classify answers; [`retry`] owns the timing.
//! - [`endpoints`]: runtime endpoints (REST hooks): webhook connectors
//!   created through `POST /v1/endpoints`, stored, and run like configured ones.
//! - [`calls`]: the operator's view of one call (its events, deliveries
//!   and invocations) and finding calls by their caller.
//! - [`functions`]: mid-call tools: `POST /v1/functions/{name}/invoke`
//!   validates the arguments, calls the customer's endpoint signed, checks
//!   the answer and logs the invocation off the answer path.
//! - [`outbound`]: the one HTTP client every connector sends with (timeouts,
//!   SSRF guard, bounded response reads).
//! - [`template`]: Handlebars mapping templates and their helpers;
//!   [`filter`]: per-connector conditions on payload fields.
//! - [`health`]: per-target failure streaks, success rate and breaker
//!   state; drives the circuit breaker and the lifecycle below.
//! - [`operations`]: the failing-target lifecycle (a periodic check on every
//!   node: warn, disable and hold, probe, re-enable) and the operational
//!   events (`switchboard.*`) it emits through the ingest path.
//! - [`pacing`]: per-connector `rate_limit` and the pauses targets ask for
//!   (429 with `Retry-After`, rate-limit headers, vendor quotas).
//! - [`account`]: the account every event and target belongs to, and the
//!   scope every lookup by id takes.
//! - [`signing`], [`config`], [`event`], [`delivery`], [`ids`], [`time`]: shared vocabulary.
//! - [`dashboard`]: the web dashboard at `/` (static pages over the admin API).
//! - [`telemetry`]: the hub's Prometheus registry (`GET /metrics`).
//! - [`lifecycle`]: retention (background pruning), per-caller erasure and
//!   redaction of chosen payload fields.
//! - [`traces`]: OpenTelemetry spans of ingest, attempts and invocations,
//!   exported over OTLP/HTTP, and the `traceparent` they continue and send.
//! - [`hub`]: wires it all together from a [`config::Config`].

pub mod account;
pub mod actors;
pub mod api;
pub mod calls;
pub mod config;
pub mod connector;
pub mod dashboard;
pub mod delivery;
pub mod endpoints;
pub mod event;
pub mod filter;
pub mod functions;
pub mod health;
pub mod hub;
pub mod ids;
pub mod ingest;
pub mod lifecycle;
pub mod operations;
pub mod outbound;
pub mod pacing;
pub mod retry;
pub mod signing;
pub mod storage;
pub mod telemetry;
pub mod template;
pub mod time;
pub mod traces;
