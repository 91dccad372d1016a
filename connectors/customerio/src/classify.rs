//! What the Track API's answers mean: 2xx done; 400, 401, 403, 404 and
//! other 4xx permanent (bad data or credentials) with the vendor's
//! `meta.error`; 429 waits (`Retry-After`, else a second: the limit is about
//! 100 requests a second per workspace) and holds the connector; 5xx retried.

use std::time::Duration;

use http::StatusCode;
use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
};

const FALLBACK_PAUSE: Duration = Duration::from_secs(1);

/// The outcome of one answer.
pub fn judge(resp: &Response) -> Outcome {
    if resp.status == StatusCode::TOO_MANY_REQUESTS {
        let wait = resp.retry_after().unwrap_or(FALLBACK_PAUSE);
        return Outcome::from_response(Verdict::Retry { after: Some(wait) }, resp)
            .with_error(error_message(resp))
            .paused(wait, "Customer.io rate limit (429)");
    }
    let verdict = vendor::classify(resp, None);
    let outcome = Outcome::from_response(verdict, resp);
    match verdict {
        Verdict::Delivered => outcome,
        _ => outcome.with_error(error_message(resp)),
    }
}

/// `Customer.io answered 401: <meta.error>`.
pub fn error_message(resp: &Response) -> String {
    vendor::error_message("Customer.io", resp, &["/meta/error", "/meta/errors"])
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    fn answer(status: u16, body: &str) -> Response {
        Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.to_owned().into_bytes().into(),
            elapsed: Duration::ZERO,
            request: None,
        }
    }

    #[test]
    fn answers_are_classed() {
        assert_eq!(judge(&answer(200, "{}")).verdict, Verdict::Delivered);
        let o = judge(&answer(401, r#"{"meta":{"error":"Unauthorized request"}}"#));
        assert_eq!(o.verdict, Verdict::Reject);
        assert!(o.error.unwrap().contains("Unauthorized request"));
        let o = judge(&answer(429, ""));
        assert_eq!(o.pause.unwrap().wait, FALLBACK_PAUSE);
        assert!(matches!(
            judge(&answer(500, "")).verdict,
            Verdict::Retry { .. }
        ));
    }
}
