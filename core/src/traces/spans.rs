//! The hub's spans and what they carry. Each constructor returns
//! `Span::none()` unless tracing is [`enabled`], so the `info_span!`
//! callsites are never even registered with a hub that exports nothing.
//!
//! Attribute names follow OpenTelemetry's conventions where one exists
//! (`http.response.status_code`) and are `switchboard.*`
//! otherwise.

use tracing::{field::Empty, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::{enabled, TraceParent};

/// The `tracing` target of the hub's spans: the exporter takes these (and
/// the hub's warnings inside them), not every span of every library.
pub const TARGET: &str = "switchboard::traces";

/// The account of every event until accounts (DESIGN.md section 15) exist.
const DEFAULT_ACCOUNT: &str = "default";

/// What an ingested event is, for its span.
#[derive(Debug, Clone, Copy)]
pub struct EventIds<'a> {
    /// The event id.
    pub event_id: &'a str,
    /// Its type.
    pub event_type: &'a str,
}

/// The span of one `POST /v1/events`, continuing the platform's trace when
/// its request had a `traceparent`.
pub fn ingest(parent: Option<TraceParent>) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!(
        target: TARGET,
        "ingest",
        otel.kind = "server",
        switchboard.account = DEFAULT_ACCOUNT,
        switchboard.event_id = Empty,
        switchboard.event_type = Empty,
        switchboard.deliveries = Empty,
        switchboard.duplicate = Empty,
    );
    adopt(&span, parent);
    span
}

/// Names the event an ingest span accepted, and how many deliveries it got.
pub fn ingested(span: &Span, event: EventIds<'_>, deliveries: usize, created: bool) {
    span.record("switchboard.event_id", event.event_id);
    span.record("switchboard.event_type", event.event_type);
    span.record("switchboard.deliveries", deliveries as u64);
    span.record("switchboard.duplicate", !created);
}

/// The trace an ingested event carries to its deliveries: the ingest span
/// while tracing is on, else the platform's `traceparent`, if any.
pub fn carried(span: &Span, incoming: Option<TraceParent>) -> Option<TraceParent> {
    let own = enabled()
        .then(|| TraceParent::of(&span.context()))
        .flatten();
    own.or(incoming)
}

/// Which delivery an attempt span is about.
#[derive(Debug, Clone, Copy)]
pub struct AttemptIds<'a> {
    /// The connector (or runtime endpoint) attempted.
    pub connector: &'a str,
    /// The delivery id.
    pub delivery_id: &'a str,
    /// The event delivered.
    pub event: EventIds<'a>,
    /// 1-based attempt number.
    pub number: u32,
}

/// The span of one delivery attempt, a child of the ingest span (or of the
/// platform's span) the event carries.
pub fn attempt(ids: AttemptIds<'_>, parent: Option<TraceParent>) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!(
        target: TARGET,
        "delivery attempt",
        otel.kind = "client",
        otel.status_code = Empty,
        otel.status_description = Empty,
        switchboard.account = DEFAULT_ACCOUNT,
        switchboard.connector = ids.connector,
        switchboard.delivery_id = ids.delivery_id,
        switchboard.event_id = ids.event.event_id,
        switchboard.event_type = ids.event.event_type,
        switchboard.attempt = ids.number,
        switchboard.outcome = Empty,
        http.response.status_code = Empty,
    );
    adopt(&span, parent);
    span
}

/// How an attempt or invocation ended, for its span.
#[derive(Clone, Copy)]
pub struct Ended<'a> {
    /// The target's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// The resulting state (`succeeded`, `retrying`...) or outcome (`ok`...).
    pub outcome: &'a str,
    /// What went wrong, if anything.
    pub error: Option<&'a dyn std::fmt::Display>,
}

/// Records how an attempt or invocation ended; an error marks the span's
/// status as an error.
pub fn ended(span: &Span, end: Ended<'_>) {
    if let Some(code) = end.status_code {
        span.record("http.response.status_code", code);
    }
    span.record("switchboard.outcome", end.outcome);
    if let Some(error) = end.error {
        span.record("otel.status_code", "ERROR");
        span.record("otel.status_description", tracing::field::display(error));
    }
}

/// The span of one function invocation, continuing the caller's trace.
pub fn invocation(function: &str, call_id: &str, parent: Option<TraceParent>) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!(
        target: TARGET,
        "function invocation",
        otel.kind = "server",
        otel.status_code = Empty,
        otel.status_description = Empty,
        switchboard.account = DEFAULT_ACCOUNT,
        switchboard.function = function,
        switchboard.call_id = call_id,
        switchboard.invocation_id = Empty,
        switchboard.outcome = Empty,
        http.response.status_code = Empty,
    );
    adopt(&span, parent);
    span
}

/// Names the invocation a span is about (known once it ran).
pub fn invoked(span: &Span, invocation_id: &str) {
    span.record("switchboard.invocation_id", invocation_id);
}

fn adopt(span: &Span, parent: Option<TraceParent>) {
    if let Some(p) = parent {
        // Only fails when no OpenTelemetry layer is installed: nothing to join.
        let _ = span.set_parent(p.context());
    }
}
