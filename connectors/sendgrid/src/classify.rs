//! What SendGrid's answers mean: 202 accepted; 400, 401, 403, 404 and 413
//! permanent (bad mail, bad key, unverified sender, too large); 429 waits
//! for `X-RateLimit-Reset` (SendGrid sends no `Retry-After`); 5xx retried.

use std::time::Duration;

use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
    time::now_ms,
};

/// How long a 429 without a usable `X-RateLimit-Reset` holds the connector.
const FALLBACK_PAUSE: Duration = Duration::from_secs(10);
/// A reset further away than this is a misreading, not a window.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// The wait until SendGrid's `X-RateLimit-Reset` (epoch seconds).
pub fn reset_wait(resp: &Response, now_ms: i64) -> Option<Duration> {
    let reset: i64 = resp
        .headers
        .get("x-ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let wait_ms = (reset * 1000 - now_ms).max(0) as u64;
    Some(Duration::from_millis(wait_ms).min(MAX_PAUSE))
}

/// The outcome of one answer. A 429 is the account's limit, so it pauses
/// the whole connector until the reset, not only this delivery.
pub fn judge(resp: &Response) -> Outcome {
    if resp.status.as_u16() == 429 {
        let wait = reset_wait(resp, now_ms()).unwrap_or(FALLBACK_PAUSE);
        return Outcome::from_response(Verdict::Retry { after: Some(wait) }, resp)
            .with_error(error_message(resp))
            .paused(wait, "SendGrid rate limit (429) until X-RateLimit-Reset");
    }
    let verdict = vendor::classify(resp, None);
    let outcome = Outcome::from_response(verdict, resp);
    match verdict {
        Verdict::Delivered => outcome,
        _ => outcome.with_error(error_message(resp)),
    }
}

/// `SendGrid answered 400: <message> (<field>)`, from `errors[]`.
pub fn error_message(resp: &Response) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let listed: Vec<String> = parsed
        .as_ref()
        .and_then(|v| v.get("errors")?.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            let message = e.get("message")?.as_str()?;
            Some(match e.get("field").and_then(|f| f.as_str()) {
                Some(field) => format!("{message} ({field})"),
                None => message.to_owned(),
            })
        })
        .collect();
    if listed.is_empty() {
        return vendor::error_message("SendGrid", resp, &[]);
    }
    format!("SendGrid answered {}: {}", resp.status, listed.join("; "))
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, StatusCode};

    use super::*;

    fn answer(status: u16, reset: Option<i64>, body: &str) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(r) = reset {
            headers.insert("X-RateLimit-Reset", r.to_string().parse().unwrap());
            headers.insert("X-RateLimit-Remaining", "0".parse().unwrap());
        }
        Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.to_owned().into_bytes().into(),
            elapsed: Duration::ZERO,
            request: None,
        }
    }

    #[test]
    fn a_429_waits_for_the_reset_and_pauses_the_connector() {
        let reset = now_ms() / 1000 + 30;
        let o = judge(&answer(
            429,
            Some(reset),
            r#"{"errors":[{"field":null,"message":"too many requests"}]}"#,
        ));
        let Verdict::Retry { after: Some(wait) } = o.verdict else {
            panic!("{:?}", o.verdict)
        };
        assert!(wait > Duration::from_secs(28) && wait <= Duration::from_secs(30));
        assert_eq!(o.pause.unwrap().wait, wait);
        assert!(o.error.unwrap().contains("too many requests"));
        assert_eq!(
            judge(&answer(429, None, "")).pause.unwrap().wait,
            FALLBACK_PAUSE
        );
    }

    #[test]
    fn client_errors_are_permanent_with_sendgrids_words() {
        for status in [400, 401, 403, 404, 413] {
            let o = judge(&answer(
                status,
                None,
                r#"{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from"}]}"#,
            ));
            assert_eq!(o.verdict, Verdict::Reject, "{status}");
            assert!(o
                .error
                .unwrap()
                .contains("verified Sender Identity. (from)"));
        }
        assert_eq!(judge(&answer(202, None, "")).verdict, Verdict::Delivered);
        assert!(matches!(
            judge(&answer(502, None, "")).verdict,
            Verdict::Retry { .. }
        ));
    }
}
