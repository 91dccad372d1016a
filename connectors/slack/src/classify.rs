//! What Slack's answers mean.
//!
//! The Web API answers HTTP 200 even when it refused the message: the
//! verdict is in the body's `ok` and `error`. Rate limits come as 429 (or
//! `ratelimited` in a 200) with `Retry-After` in seconds, and hold the whole
//! connector for that long. Incoming webhooks answer with a status and a
//! plain-text reason (`invalid_payload`, `channel_is_archived`).

use std::time::Duration;

use http::StatusCode;
use serde_json::Value;
use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
};

/// How long a rate limit naming no `Retry-After` holds the connector:
/// `chat.postMessage` allows about one message a second per channel.
const FALLBACK_PAUSE: Duration = Duration::from_secs(1);
const RATE_LIMIT_REASON: &str = "Slack rate limit";

/// Web API errors worth another attempt. Slack says an `internal_error` or
/// `fatal_error` may have posted anyway, so a retry can post twice.
const TRANSIENT: [&str; 5] = [
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
];

/// The parent message a reply named is gone (deleted, or the channel
/// changed): the thread must start again.
pub const THREAD_GONE: [&str; 2] = ["thread_not_found", "invalid_thread_ts"];

/// A `chat.postMessage` answer: the outcome, and `ts` of the posted message.
pub fn judge_api(resp: &Response) -> (Outcome, Option<String>) {
    if resp.status == StatusCode::TOO_MANY_REQUESTS {
        return (rate_limited(resp), None);
    }
    if !resp.status.is_success() {
        return (status_outcome(resp), None);
    }
    let Ok(answer) = serde_json::from_slice::<Value>(&resp.body) else {
        let o = Outcome::from_response(Verdict::Retry { after: None }, resp);
        return (o.with_error("Slack answered 200 without a JSON body"), None);
    };
    if answer["ok"] == Value::Bool(true) {
        let ts = answer["ts"].as_str().map(str::to_owned);
        return (Outcome::from_response(Verdict::Delivered, resp), ts);
    }
    let error = answer["error"].as_str().unwrap_or("unknown_error");
    let outcome = match error {
        "ratelimited" | "rate_limited" => rate_limited(resp),
        e if TRANSIENT.contains(&e) || THREAD_GONE.contains(&e) => {
            Outcome::from_response(Verdict::Retry { after: None }, resp)
        }
        _ => Outcome::from_response(Verdict::Reject, resp),
    };
    (outcome.with_error(api_error(error, &answer)), None)
}

/// An incoming webhook's answer.
pub fn judge_webhook(resp: &Response) -> Outcome {
    if resp.status == StatusCode::TOO_MANY_REQUESTS {
        return rate_limited(resp);
    }
    status_outcome(resp)
}

/// 2xx delivered; 400, 403, 404, 410 permanent (a bad payload, a removed
/// channel or webhook); 5xx retried.
fn status_outcome(resp: &Response) -> Outcome {
    let verdict = vendor::classify(resp, None);
    let outcome = Outcome::from_response(verdict, resp);
    match verdict {
        Verdict::Delivered => outcome,
        _ => outcome.with_error(vendor::error_message("Slack", resp, &["/error"])),
    }
}

fn rate_limited(resp: &Response) -> Outcome {
    let wait = resp.retry_after().unwrap_or(FALLBACK_PAUSE);
    Outcome::from_response(Verdict::Retry { after: Some(wait) }, resp)
        .with_error(format!("Slack rate limit: retry after {}s", wait.as_secs()))
        .paused(wait, RATE_LIMIT_REASON)
}

/// `Slack refused the message: channel_not_found (...)`, with what to do.
fn api_error(error: &str, answer: &Value) -> String {
    let hint = match error {
        "channel_not_found" => " (check `channel`: use the channel ID, C0123456789)",
        "not_in_channel" => " (invite the app to the channel, or give it `chat:write.public`)",
        "is_archived" => " (the channel is archived: unarchive it or change `channel`)",
        "invalid_auth" | "not_authed" | "token_revoked" | "account_inactive" => {
            " (check `token`: the app may have been removed)"
        }
        _ => "",
    };
    let detail = answer
        .pointer("/response_metadata/messages")
        .map(|m| format!(" {m}"))
        .unwrap_or_default();
    format!("Slack refused the message: {error}{hint}{detail}")
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
    fn ok_false_in_a_200_is_read_from_the_body() {
        let (o, ts) = judge_api(&answer(
            200,
            &[],
            r#"{"ok":true,"channel":"C1","ts":"1.2"}"#,
        ));
        assert_eq!(
            (o.verdict, ts.as_deref()),
            (Verdict::Delivered, Some("1.2"))
        );
        for error in [
            "channel_not_found",
            "not_in_channel",
            "is_archived",
            "invalid_auth",
        ] {
            let (o, _) = judge_api(&answer(
                200,
                &[],
                &format!(r#"{{"ok":false,"error":"{error}"}}"#),
            ));
            assert_eq!(o.verdict, Verdict::Reject, "{error}");
            assert!(o.error.unwrap().contains(error));
        }
        let (o, _) = judge_api(&answer(
            200,
            &[],
            r#"{"ok":false,"error":"internal_error"}"#,
        ));
        assert!(matches!(o.verdict, Verdict::Retry { .. }));
    }

    #[test]
    fn rate_limits_pause_for_retry_after() {
        for resp in [
            answer(
                429,
                &[("Retry-After", "7")],
                r#"{"ok":false,"error":"ratelimited"}"#,
            ),
            answer(
                200,
                &[("Retry-After", "7")],
                r#"{"ok":false,"error":"ratelimited"}"#,
            ),
        ] {
            let (o, _) = judge_api(&resp);
            let seven = Duration::from_secs(7);
            assert_eq!(o.verdict, Verdict::Retry { after: Some(seven) });
            assert_eq!(o.pause.unwrap().wait, seven);
        }
        assert_eq!(
            judge_webhook(&answer(429, &[], "rate_limited"))
                .pause
                .unwrap()
                .wait,
            FALLBACK_PAUSE
        );
    }

    #[test]
    fn webhook_answers_are_read_from_the_status() {
        assert_eq!(
            judge_webhook(&answer(200, &[], "ok")).verdict,
            Verdict::Delivered
        );
        for status in [400, 403, 404, 410] {
            let o = judge_webhook(&answer(status, &[], "channel_is_archived"));
            assert_eq!(o.verdict, Verdict::Reject, "{status}");
        }
        assert!(matches!(
            judge_webhook(&answer(500, &[], "rollup_error")).verdict,
            Verdict::Retry { .. }
        ));
    }
}
