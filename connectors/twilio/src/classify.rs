//! What Twilio's answers mean. Twilio puts its own error code in the body
//! (`{"code", "message", "more_info", "status"}`), and the code, not the
//! HTTP status, tells a full queue (retry) from a bad number (never retry).

use serde_json::Value;
use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
};

/// 21611: this sender's queue is full; Twilio will take messages again
/// once it drains, so it is transient although answered with a 400.
pub const QUEUE_FULL: u64 = 21611;
/// 20429: too many concurrent requests.
pub const TOO_MANY_REQUESTS: u64 = 20429;

/// Twilio's error code in an answer body, if any.
pub fn twilio_code(resp: &Response) -> Option<u64> {
    serde_json::from_slice::<Value>(&resp.body)
        .ok()?
        .get("code")?
        .as_u64()
}

/// 2xx delivered; 21611 and 20429 retried (20429 after `Retry-After`);
/// other 400s (21211 invalid `To`, 21610 unsubscribed...), 401, 404
/// permanent; 429 and 5xx retried.
pub fn classify(resp: &Response) -> Verdict {
    match twilio_code(resp) {
        _ if resp.status.is_success() => Verdict::Delivered,
        Some(QUEUE_FULL) => Verdict::Retry { after: None },
        Some(TOO_MANY_REQUESTS) => Verdict::Retry {
            after: resp.retry_after(),
        },
        _ => vendor::classify(resp, None),
    }
}

/// The error text recorded for an answer that is not a success.
pub fn error_message(resp: &Response) -> String {
    vendor::error_message("Twilio", resp, &["/code", "/message", "/more_info"])
}

/// The outcome of one answer. A 429 with `Retry-After` is a concurrency
/// window of the whole account, so it pauses the connector, not only
/// this delivery.
pub fn judge(resp: &Response) -> Outcome {
    let verdict = classify(resp);
    let outcome = Outcome::from_response(verdict, resp);
    if verdict == Verdict::Delivered {
        return outcome;
    }
    let outcome = outcome.with_error(error_message(resp));
    match (resp.status.as_u16(), resp.retry_after()) {
        (429, Some(wait)) => outcome.paused(wait, "Twilio concurrency limit (429)"),
        _ => outcome,
    }
}
