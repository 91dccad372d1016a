//! What Zendesk's answers mean.

use http::StatusCode;
use serde_json::Value;
use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
};

/// 2xx delivered; 409 (the same idempotency key still in flight) and 400
/// `IdempotentRequestError` (a ticket may exist: the caller looks it up)
/// retried; 429 after `Retry-After`; 5xx retried; other 4xx permanent.
pub fn verdict(resp: &Response) -> Verdict {
    if resp.status == StatusCode::CONFLICT || is_idempotency_mismatch(resp) {
        return Verdict::Retry {
            after: resp.retry_after(),
        };
    }
    vendor::classify(resp, None)
}

/// The outcome of an answer: its verdict, Zendesk's own message, and for a
/// 429 a pause of the whole connector (Zendesk's limits are per account, so
/// every delivery would meet the same 429).
pub fn judge(resp: &Response) -> Outcome {
    let verdict = verdict(resp);
    let mut outcome = Outcome::from_response(verdict, resp);
    if verdict != Verdict::Delivered {
        outcome = outcome.with_error(message(resp));
    }
    if resp.status == StatusCode::TOO_MANY_REQUESTS {
        if let Some(wait) = resp.retry_after() {
            outcome = outcome.paused(wait, "Zendesk rate limit (429)");
        }
    }
    outcome
}

/// `Zendesk answered <status>: <error>: <description>: <details>`; a 429's
/// text/plain body as it is.
pub fn message(resp: &Response) -> String {
    vendor::error_message("Zendesk", resp, &["/error", "/description", "/details"])
}

/// 400 `IdempotentRequestError`: the key came before with another body.
pub fn is_idempotency_mismatch(resp: &Response) -> bool {
    resp.status == StatusCode::BAD_REQUEST
        && serde_json::from_slice::<Value>(&resp.body)
            .ok()
            .and_then(|b| b.get("error").and_then(Value::as_str).map(str::to_owned))
            .is_some_and(|e| e == "IdempotentRequestError")
}

/// Whether a `GET /api/v2/tickets?external_id=` answer lists a ticket;
/// `None` if the body is not a ticket list.
pub fn lists_a_ticket(resp: &Response) -> Option<bool> {
    let body: Value = serde_json::from_slice(&resp.body).ok()?;
    Some(!body.get("tickets")?.as_array()?.is_empty())
}

/// The `user.id` of a `users/create_or_update` answer.
pub fn user_id(resp: &Response) -> Option<u64> {
    serde_json::from_slice::<Value>(&resp.body)
        .ok()?
        .pointer("/user/id")?
        .as_u64()
}
