//! Request limits that protect the hub before any work is done: the total
//! size of a request's headers (431) and a per-client rate on ingest (429).

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    middleware::Next,
    web, FromRequest, HttpRequest, ResponseError,
};
use governor::{clock::Clock, clock::DefaultClock, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::{ApiError, AppState, ErrorCode};

/// Clients tracked before idle ones are forgotten (a client is idle once its
/// bucket is full again, so forgetting it changes nothing).
const MAX_TRACKED_CLIENTS: usize = 10_000;

/// Middleware: answers 431 when a request's headers (names, values and
/// separators) exceed `[server] max_header_bytes`.
pub async fn limit_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let max = req
        .app_data::<web::Data<AppState>>()
        .map_or(usize::MAX, |s| s.max_header_bytes);
    let size: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if size > max {
        let err = ApiError::new(
            ErrorCode::HeadersTooLarge,
            format!(
                "the request's headers are {size} bytes, over the {max}-byte limit ([server] max_header_bytes)"
            ),
        );
        return Ok(req
            .into_response(err.error_response())
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Per-client (per IP address) limit on `POST /v1/events`.
pub struct IngestLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    per_second: u32,
}

impl IngestLimiter {
    /// `None` when `per_second` is 0 (no limit); `burst` 0 means one second's worth.
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst).unwrap_or(rate);
        Some(IngestLimiter {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
            per_second,
        })
    }

    /// Takes one request's token from `client`'s bucket, or says when to retry.
    pub fn check(&self, client: IpAddr) -> Result<(), ApiError> {
        if self.limiter.len() > MAX_TRACKED_CLIENTS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            // Whole seconds, rounded up, so a client that obeys is let in.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let secs = secs.max(1);
            ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "more than {} events/s from {client} ([server] ingest_rate_limit); retry after {secs} s",
                    self.per_second
                ),
            )
            .retry_after(Duration::from_secs(secs))
        })
    }
}

/// Extractor: the client is within `[server] ingest_rate_limit` (a flood is
/// refused before the token is even checked).
pub struct WithinRate;

impl FromRequest for WithinRate {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>();
        let verdict = match (
            state.and_then(|s| s.ingest_limiter.as_ref()),
            req.peer_addr(),
        ) {
            (Some(limiter), Some(peer)) => limiter.check(peer.ip()),
            _ => Ok(()),
        };
        std::future::ready(verdict.map(|()| WithinRate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_each_client_is_limited_on_its_own() {
        let limiter = IngestLimiter::new(1, 3).expect("limited");
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            limiter.check(a).expect("within the burst");
        }
        let refused = limiter.check(a).expect_err("over the rate");
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert_eq!(refused.retry_after, Some(Duration::from_secs(1)));
        limiter.check(b).expect("another client has its own bucket");
    }

    #[test]
    fn zero_means_no_limit() {
        assert!(IngestLimiter::new(0, 10).is_none());
    }
}
