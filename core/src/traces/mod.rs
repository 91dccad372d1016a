//! OpenTelemetry traces: a span for each ingest request, delivery attempt and
//! function invocation, exported over OTLP/HTTP when `[telemetry]
//! otlp_endpoint` is set (DESIGN.md section 16).
//!
//! The spans are `tracing` spans that `tracing-opentelemetry` turns into
//! OpenTelemetry ones; [`export`] builds that layer and the batch exporter
//! behind it, and `switchboard serve` installs them into its subscriber.
//! Until then [`enabled`] is false and every span constructor in [`spans`]
//! returns `Span::none()` without touching a subscriber, so an unset
//! endpoint costs one relaxed load per request and no allocation.
//!
//! A trace crosses actors with its event: ingest stores the [`TraceParent`]
//! to continue (the ingest span's, or, with tracing off, the platform's own)
//! on the [`crate::event::Event`] every job of that event holds, so an
//! attempt made later on another actor joins the same trace. The requests
//! an attempt or an invocation sends carry a `traceparent` ([`outbound`]):
//! their own span's while tracing is on, else the platform's, if it sent one.

pub mod export;
pub mod outbound;
mod parent;
pub mod spans;

use std::sync::atomic::{AtomicBool, Ordering};

pub use export::{layer, TracesError, TracesGuard};
pub use parent::{TraceParent, TRACEPARENT};

/// Set once an exporter has been built; never unset (the exporter lives as
/// long as the process).
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether spans are being exported (an OTLP endpoint is configured and its
/// layer was built).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn set_enabled() {
    ENABLED.store(true, Ordering::Relaxed);
}
