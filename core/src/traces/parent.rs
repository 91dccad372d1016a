//! The W3C `traceparent` a trace is continued from.

use http::HeaderValue;
use opentelemetry::{
    propagation::{Extractor, TextMapPropagator},
    trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState},
    Context,
};
use opentelemetry_sdk::propagation::TraceContextPropagator;

/// The header's name (W3C Trace Context).
pub const TRACEPARENT: &str = "traceparent";

/// One span of a trace, as a `traceparent` header names it: what an event
/// carries from its ingest request to its delivery attempts. `Copy` (no
/// heap), so carrying it costs nothing per job. `tracestate` is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    trace_id: TraceId,
    span_id: SpanId,
    flags: TraceFlags,
}

impl TraceParent {
    /// Parses a `traceparent` header value by the W3C rules (as the
    /// OpenTelemetry propagator applies them); `None` when it is not valid,
    /// which the W3C says to treat as no header at all.
    pub fn parse(value: &str) -> Option<Self> {
        let cx =
            TraceContextPropagator::new().extract_with_context(&Context::new(), &Header(value));
        Self::of(&cx)
    }

    /// The span `cx` holds, if it is a valid one.
    pub fn of(cx: &Context) -> Option<Self> {
        let span = cx.span();
        let sc = span.span_context();
        sc.is_valid().then(|| TraceParent {
            trace_id: sc.trace_id(),
            span_id: sc.span_id(),
            flags: sc.trace_flags(),
        })
    }

    /// The trace this span belongs to.
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The span's own id.
    pub fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// A context whose (remote) span is this one, to parent a span with.
    pub fn context(&self) -> Context {
        let sc = SpanContext::new(
            self.trace_id,
            self.span_id,
            self.flags,
            true,
            TraceState::NONE,
        );
        Context::new().with_remote_span_context(sc)
    }

    /// The header value: `00-<trace id>-<span id>-<flags>`, lowercase hex.
    pub fn header_value(&self) -> HeaderValue {
        let text = format!(
            "00-{}-{}-{:02x}",
            self.trace_id,
            self.span_id,
            self.flags.to_u8()
        );
        HeaderValue::try_from(text).expect("hex digits and dashes make a header value")
    }
}

/// A carrier holding only the `traceparent` value.
struct Header<'a>(&'a str);

impl Extractor for Header<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        key.eq_ignore_ascii_case(TRACEPARENT).then_some(self.0)
    }

    fn keys(&self) -> Vec<&str> {
        vec![TRACEPARENT]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLED: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_header_round_trips() {
        let p = TraceParent::parse(SAMPLED).expect("valid");
        assert_eq!(p.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(p.span_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(p.header_value(), SAMPLED);
        assert_eq!(TraceParent::of(&p.context()), Some(p));
    }

    #[test]
    fn the_sampled_flag_is_kept() {
        let unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        let p = TraceParent::parse(unsampled).expect("valid");
        assert_eq!(p.header_value(), unsampled);
    }

    #[test]
    fn invalid_headers_are_no_header() {
        for bad in [
            "",
            "garbage",
            // All-zero trace and span ids are invalid.
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            // Version ff is forbidden; uppercase hex is not allowed.
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad:?}");
        }
    }
}
