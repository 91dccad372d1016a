//! Pauses read generically from any target's answer, for every connector
//! kind: a `429`/`503` with `Retry-After`, or `X-RateLimit-Remaining: 0`
//! (also `RateLimit-Remaining`) with its reset time.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::Pause;
use crate::{outbound::Response, time::now_ms};

/// Reset values at least this large are epoch seconds (2001 onwards), smaller
/// ones seconds from now: no window lasts 30 years, and no clock is in 1970.
const EPOCH_SECONDS_FROM: f64 = 1.0e9;
/// ... and at least this large, epoch milliseconds.
const EPOCH_MILLIS_FROM: f64 = 1.0e12;

/// The pause an answer asks for, if any.
pub fn pause_from_headers(resp: &Response) -> Option<Pause> {
    let status = resp.status;
    if matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        if let Some(wait) = resp.retry_after() {
            return Some(Pause {
                wait,
                reason: format!("target answered {} with Retry-After", status.as_u16()),
            });
        }
    }
    let exhausted = ["x-ratelimit-remaining", "ratelimit-remaining"]
        .iter()
        .filter_map(|h| number(&resp.headers, h))
        .any(|left| left <= 0.0);
    if !exhausted {
        return None;
    }
    let reset = ["x-ratelimit-reset", "ratelimit-reset"]
        .iter()
        .find_map(|h| number(&resp.headers, h))?;
    Some(Pause {
        wait: reset_wait(reset, now_ms()),
        reason: "target's rate limit is used up (X-RateLimit-Remaining: 0) until its reset".into(),
    })
}

/// How long until a reset given as epoch seconds, epoch milliseconds or
/// seconds from now.
fn reset_wait(value: f64, now: i64) -> Duration {
    let ms = if value >= EPOCH_MILLIS_FROM {
        value - now as f64
    } else if value >= EPOCH_SECONDS_FROM {
        value * 1000.0 - now as f64
    } else {
        value * 1000.0
    };
    Duration::from_millis(ms.max(0.0) as u64)
}

/// A header's numeric value (header names are case-insensitive).
fn number(headers: &HeaderMap, name: &str) -> Option<f64> {
    headers
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Response {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: bytes::Bytes::new(),
            elapsed: Duration::ZERO,
            request: None,
        }
    }

    #[test]
    fn retry_after_on_429_and_503_pauses() {
        let p = pause_from_headers(&answer(429, &[("Retry-After", "2")])).unwrap();
        assert_eq!(p.wait, Duration::from_secs(2));
        assert!(p.reason.contains("429"));
        assert!(pause_from_headers(&answer(503, &[("retry-after", "7")])).is_some());
        assert!(pause_from_headers(&answer(500, &[("Retry-After", "7")])).is_none());
        assert!(pause_from_headers(&answer(429, &[])).is_none());
    }

    #[test]
    fn remaining_zero_pauses_until_the_reset() {
        let now_s = now_ms() / 1000;
        for (remaining, reset) in [
            ("X-RateLimit-Remaining", "X-RateLimit-Reset"),
            ("x-ratelimit-remaining", "x-ratelimit-reset"),
            ("RateLimit-Remaining", "RateLimit-Reset"),
        ] {
            let p = pause_from_headers(&answer(200, &[(remaining, "0"), (reset, "3")])).unwrap();
            assert_eq!(p.wait, Duration::from_secs(3), "{remaining}");
        }
        let epoch = (now_s + 60).to_string();
        let p = pause_from_headers(&answer(
            429,
            &[
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", &epoch),
            ],
        ))
        .unwrap();
        assert!(
            p.wait > Duration::from_secs(58) && p.wait <= Duration::from_secs(60),
            "{:?}",
            p.wait
        );
        let epoch_ms = ((now_s + 10) * 1000).to_string();
        let p = pause_from_headers(&answer(
            200,
            &[
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", &epoch_ms),
            ],
        ))
        .unwrap();
        assert!(p.wait <= Duration::from_secs(10) && p.wait > Duration::from_secs(8));
        // Something left, no reset, or a reset in the past: no (or no) wait.
        assert!(pause_from_headers(&answer(
            200,
            &[("X-RateLimit-Remaining", "3"), ("X-RateLimit-Reset", "3")]
        ))
        .is_none());
        assert!(pause_from_headers(&answer(200, &[("X-RateLimit-Remaining", "0")])).is_none());
        assert_eq!(reset_wait(1_000_000_000.0, now_ms()), Duration::ZERO);
    }
}
