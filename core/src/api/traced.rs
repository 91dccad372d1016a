//! The `traceparent` of an incoming request: the trace its span continues.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

use super::ApiError;
use crate::traces::{TraceParent, TRACEPARENT};

/// The request's `traceparent`, if it has a valid one; an invalid one counts
/// as none (W3C Trace Context), so it never fails a request.
pub struct Traceparent(pub Option<TraceParent>);

impl FromRequest for Traceparent {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parent = req
            .headers()
            .get(TRACEPARENT)
            .and_then(|v| v.to_str().ok())
            .and_then(TraceParent::parse);
        ready(Ok(Traceparent(parent)))
    }
}
