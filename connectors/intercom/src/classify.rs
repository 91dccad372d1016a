//! What Intercom's answers mean: 400, 401, 403, 404 and 422 are permanent
//! (409 on a create is the flow's business: the contact exists); 429 and
//! 5xx transient. Limits are per app and workspace over 10-second windows,
//! so a 429 pauses the whole connector until `X-RateLimit-Reset`.

use std::time::Duration;

use http::StatusCode;
use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
};

/// Intercom's rate-limit window, when a 429 does not say its reset.
const WINDOW: Duration = Duration::from_secs(10);

/// 2xx delivered; 429 and 5xx retried; other 4xx permanent.
pub fn verdict(resp: &Response) -> Verdict {
    vendor::classify(resp, None)
}

/// The verdict with Intercom's own message; a 429 pauses the connector
/// until its `X-RateLimit-Reset` (read by core), else for the window.
pub fn judge(resp: &Response) -> Outcome {
    let verdict = verdict(resp);
    let mut outcome = Outcome::from_response(verdict, resp);
    if verdict != Verdict::Delivered {
        outcome = outcome.with_error(message(resp));
    }
    if resp.status == StatusCode::TOO_MANY_REQUESTS && outcome.pause.is_none() {
        outcome = outcome.paused(WINDOW, "Intercom rate limit (429)");
    }
    outcome
}

/// `Intercom answered <status>: <code>: <message>`.
pub fn message(resp: &Response) -> String {
    vendor::error_message("Intercom", resp, &["/errors/0/code", "/errors/0/message"])
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE_LIMITED: &str = r#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"Exceeded rate limit of 167 in 10_seconds"}]}"#;

    fn answer(status: u16, headers: &[(&'static str, String)]) -> Response {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: RATE_LIMITED.as_bytes().to_vec().into(),
            elapsed: Duration::ZERO,
            request: None,
        }
    }

    #[test]
    fn a_429_pauses_until_the_reset_or_for_the_window() {
        let reset = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 4)
        .to_string();
        let o = judge(&answer(
            429,
            &[
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", reset),
            ],
        ));
        let wait = o.pause.unwrap().wait;
        assert!(
            wait <= Duration::from_secs(4) && wait > Duration::from_secs(2),
            "{wait:?}"
        );
        let o = judge(&answer(429, &[]));
        assert_eq!(o.pause.unwrap().wait, WINDOW);
        assert!(o
            .error
            .unwrap()
            .contains("rate_limit_exceeded: Exceeded rate limit"));
        for s in [400, 401, 403, 404, 422] {
            assert_eq!(verdict(&answer(s, &[])), Verdict::Reject, "{s}");
        }
        assert!(matches!(verdict(&answer(503, &[])), Verdict::Retry { .. }));
    }
}
