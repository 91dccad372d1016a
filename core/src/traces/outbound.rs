//! The `traceparent` every outbound request of an attempt or invocation
//! carries. The connector plug-ins build their requests without knowing
//! about traces, so the value rides in a task-local around the work that
//! sends them, and [`crate::outbound::OutboundClient`] adds it to each one.

use std::future::Future;

use http::HeaderValue;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::{enabled, TraceParent};

tokio::task_local! {
    static OUTBOUND: HeaderValue;
}

/// Runs `work` (which sends requests) so that each request carries `span`'s
/// `traceparent` while tracing is on, else `inherited` (the platform's own),
/// else none.
pub async fn sending<F: Future>(span: &Span, inherited: Option<TraceParent>, work: F) -> F::Output {
    match header(span, inherited) {
        Some(value) => OUTBOUND.scope(value, work).await,
        None => work.await,
    }
}

/// The `traceparent` requests sent now should carry, if any.
pub fn current() -> Option<HeaderValue> {
    OUTBOUND.try_with(HeaderValue::clone).ok()
}

fn header(span: &Span, inherited: Option<TraceParent>) -> Option<HeaderValue> {
    let own = enabled()
        .then(|| TraceParent::of(&span.context()))
        .flatten();
    own.or(inherited).map(|p| p.header_value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_outside_a_traced_attempt_carry_nothing() {
        assert_eq!(current(), None);
        let none = sending(&Span::none(), None, async { current() }).await;
        assert_eq!(none, None, "no trace to continue: no header");
    }

    #[tokio::test]
    async fn without_tracing_the_platforms_traceparent_is_forwarded() {
        let value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let inherited = TraceParent::parse(value);
        let seen = sending(&Span::none(), inherited, async { current() }).await;
        assert_eq!(seen.as_ref().map(|v| v.to_str().unwrap()), Some(value));
        assert_eq!(current(), None, "only inside the scope");
    }
}
