//! What JSM Operations' answers mean: 202 accepted (processed
//! asynchronously); 400, 401, 402 (plan), 403, 404, 422 permanent with the
//! vendor's `message`; 429 waits for the rate-limit period and holds the
//! connector (the limit is the integration's); 5xx retried.

use std::time::Duration;

use http::StatusCode;
use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
};

/// How long a 429 naming no period holds the connector: the vendor's
/// buckets refill per second and per minute.
const FALLBACK_PAUSE: Duration = Duration::from_secs(5);
const RATE_LIMIT_REASON: &str = "JSM Operations rate limit (429)";

/// The outcome of one answer.
pub fn judge(resp: &Response) -> Outcome {
    if resp.status == StatusCode::TOO_MANY_REQUESTS {
        let wait = resp
            .retry_after()
            .or_else(|| vendor::header_wait(resp, "x-ratelimit-period-in-sec", false))
            .unwrap_or(FALLBACK_PAUSE);
        return Outcome::from_response(Verdict::Retry { after: Some(wait) }, resp)
            .with_error(error_message(resp))
            .paused(wait, RATE_LIMIT_REASON);
    }
    let verdict = vendor::classify(resp, None);
    let outcome = Outcome::from_response(verdict, resp);
    match verdict {
        Verdict::Delivered => outcome,
        _ => outcome.with_error(error_message(resp)),
    }
}

/// `JSM Operations answered 422: <message>`.
pub fn error_message(resp: &Response) -> String {
    vendor::error_message("JSM Operations", resp, &["/message", "/errors"])
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
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
            body: body.to_owned().into_bytes().into(),
            elapsed: Duration::ZERO,
            request: None,
        }
    }

    #[test]
    fn answers_are_classed_as_the_vendor_documents() {
        assert_eq!(judge(&answer(202, &[], "{}")).verdict, Verdict::Delivered);
        for status in [400, 401, 402, 403, 422] {
            let o = judge(&answer(
                status,
                &[],
                r#"{"message":"Key format is not valid!","took":0.0}"#,
            ));
            assert_eq!(o.verdict, Verdict::Reject, "{status}");
            assert!(o.error.unwrap().contains("Key format is not valid!"));
        }
        assert!(matches!(
            judge(&answer(503, &[], "")).verdict,
            Verdict::Retry { .. }
        ));
    }

    #[test]
    fn a_429_pauses_for_the_rate_limit_period() {
        let o = judge(&answer(429, &[("X-RateLimit-Period-In-Sec", "60")], ""));
        assert_eq!(
            o.verdict,
            Verdict::Retry {
                after: Some(Duration::from_secs(60))
            }
        );
        assert_eq!(o.pause.unwrap().wait, Duration::from_secs(60));
        assert_eq!(
            judge(&answer(429, &[], "")).pause.unwrap().wait,
            FALLBACK_PAUSE
        );
    }
}
