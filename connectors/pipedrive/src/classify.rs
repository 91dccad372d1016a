//! What Pipedrive's answers mean. Its documented statuses: 400, 401, 402
//! (account not open), 403 (forbidden or entity cap), 404, 410, 415 and 422
//! are permanent; 429, 500 and 503 transient. Rate limits are per company
//! account and shared by every app, so a 429 pauses the whole connector.

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use http::StatusCode;
use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
};

/// Pipedrive's burst window, when a 429 does not say how long to wait.
const BURST_WINDOW: Duration = Duration::from_secs(2);

/// 2xx delivered; 429 after its wait; 5xx retried; other 4xx permanent.
pub fn verdict(resp: &Response) -> Verdict {
    vendor::classify(resp, limit(resp, Utc::now()).map(|l| l.wait))
}

/// The verdict with Pipedrive's own message; a 429 pauses the connector.
pub fn judge(resp: &Response) -> Outcome {
    let limit = limit(resp, Utc::now());
    let verdict = vendor::classify(resp, limit.as_ref().map(|l| l.wait));
    let mut outcome = Outcome::from_response(verdict, resp);
    if verdict != Verdict::Delivered {
        outcome = outcome.with_error(message(resp));
    }
    match limit {
        Some(l) => outcome.paused(l.wait, l.reason),
        None => outcome,
    }
}

/// `Pipedrive answered <status>: <error>: <error_info>`.
pub fn message(resp: &Response) -> String {
    vendor::error_message("Pipedrive", resp, &["/error", "/error_info", "/code"])
}

/// How long a 429 holds every request, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// From now.
    pub wait: Duration,
    /// Shown in `GET /v1/connectors`.
    pub reason: &'static str,
}

/// A 429's wait: the daily budget (`x-daily-requests-left: 0`) is probed
/// again on the next full UTC hour (Pipedrive does not say when it resets);
/// otherwise `Retry-After`, else `x-ratelimit-reset` (seconds), else the
/// 2-second burst window.
pub fn limit(resp: &Response, now: DateTime<Utc>) -> Option<Limit> {
    if resp.status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let daily_left = vendor::header_wait(resp, "x-daily-requests-left", false);
    if daily_left == Some(Duration::ZERO) {
        return Some(Limit {
            wait: until_next_hour(now),
            reason: "Pipedrive daily request budget used up",
        });
    }
    let wait = resp
        .retry_after()
        .or_else(|| vendor::header_wait(resp, "x-ratelimit-reset", false))
        .unwrap_or(BURST_WINDOW);
    Some(Limit {
        wait,
        reason: "Pipedrive rate limit (429)",
    })
}

fn until_next_hour(now: DateTime<Utc>) -> Duration {
    let into_hour = u64::from(now.minute()) * 60 + u64::from(now.second());
    Duration::from_secs(3600 - into_hour)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&'static str, &str)]) -> Response {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: Default::default(),
            elapsed: Duration::ZERO,
            request: None,
        }
    }

    #[test]
    fn a_429_waits_for_what_pipedrive_says_and_the_daily_budget_for_the_hour() {
        let now: DateTime<Utc> = "2026-12-03T11:52:30Z".parse().unwrap();
        let l = |h: &[(&'static str, &str)]| limit(&answer(429, h), now).unwrap().wait;
        assert_eq!(l(&[("retry-after", "7")]), Duration::from_secs(7));
        assert_eq!(l(&[("x-ratelimit-reset", "3")]), Duration::from_secs(3));
        assert_eq!(l(&[]), BURST_WINDOW);
        assert_eq!(
            l(&[("x-daily-requests-left", "0"), ("retry-after", "1")]),
            Duration::from_secs(7 * 60 + 30)
        );
        assert_eq!(limit(&answer(500, &[("retry-after", "7")]), now), None);
    }

    #[test]
    fn documented_statuses_are_permanent_or_transient() {
        for s in [400, 401, 402, 403, 404, 410, 415, 422] {
            assert_eq!(verdict(&answer(s, &[])), Verdict::Reject, "{s}");
        }
        for s in [429, 500, 503] {
            assert!(
                matches!(verdict(&answer(s, &[])), Verdict::Retry { .. }),
                "{s}"
            );
        }
    }
}
