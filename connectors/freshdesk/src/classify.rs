//! What Freshdesk's answers mean: 400 (validation), 401, 403 (permission,
//! feature off, or the plan has no API), 404, 405 and 409 are permanent;
//! 429 and 5xx transient. Its limits are per minute and account-wide, so a
//! 429 pauses the whole connector for `Retry-After` (read by core), else a
//! minute.

use std::time::Duration;

use http::StatusCode;
use switchboard_core::{
    connector::{vendor, Outcome, Verdict},
    outbound::Response,
};

/// Freshdesk's rate-limit window.
const WINDOW: Duration = Duration::from_secs(60);

/// 2xx delivered; 429 and 5xx retried; other 4xx permanent.
pub fn verdict(resp: &Response) -> Verdict {
    vendor::classify(resp, None)
}

/// The verdict with Freshdesk's own message; a 429 pauses the connector.
pub fn judge(resp: &Response) -> Outcome {
    let verdict = verdict(resp);
    let mut outcome = Outcome::from_response(verdict, resp);
    if verdict != Verdict::Delivered {
        outcome = outcome.with_error(message(resp));
    }
    if resp.status == StatusCode::TOO_MANY_REQUESTS && outcome.pause.is_none() {
        outcome = outcome.paused(WINDOW, "Freshdesk rate limit (429)");
    }
    outcome
}

/// `Freshdesk answered <status>: <description>: <field>: <message>`.
pub fn message(resp: &Response) -> String {
    vendor::error_message(
        "Freshdesk",
        resp,
        &[
            "/description",
            "/message",
            "/errors/0/field",
            "/errors/0/message",
        ],
    )
}
