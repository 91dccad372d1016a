//! The verdict on an attempt, apart from when to try again (core's job).

use std::{sync::Arc, time::Duration};

use http::StatusCode;

use crate::outbound::{Response, SendError, SendFailure, SentRequest};

/// What an attempt's result means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Done.
    Delivered,
    /// Transient: try again, no sooner than `after` if given.
    Retry {
        /// The target's own wait (`Retry-After` or a vendor header).
        after: Option<Duration>,
    },
    /// Permanent: never retry (bad mapping, invalid credentials, invalid number).
    Reject,
    /// The target is gone (`410 Gone`): disable the connector.
    Disable,
}

/// The target asked for no requests at all for a while: a rate-limit window
/// or a quota (e.g. HubSpot's daily limit). Core holds every delivery of the
/// connector until `wait` has passed, in storage, and spends no attempt on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    /// How long from now no request should be sent.
    pub wait: Duration,
    /// What the target said (`HubSpot DAILY quota`), shown in `GET /v1/connectors`.
    pub reason: String,
}

/// An attempt's verdict plus what the attempt log records.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What it means.
    pub verdict: Verdict,
    /// HTTP status of the (last) answer.
    pub status_code: Option<u16>,
    /// What went wrong, for the log and the admin API.
    pub error: Option<String>,
    /// Start of the answer body.
    pub response_excerpt: Option<String>,
    /// Set when the target asked the whole connector to wait (rate limit, quota).
    pub pause: Option<Pause>,
    /// The (last) request sent, masked: the one `status_code` and
    /// `response_excerpt` answer. `None` when nothing was sent, and for
    /// webhooks (their request is the stored event, signed).
    pub request: Option<Arc<SentRequest>>,
}

impl Outcome {
    /// A verdict on an answer, with the pause its headers ask for (a `429`
    /// or `503` with `Retry-After`, `X-RateLimit-Remaining: 0` with a reset).
    pub fn from_response(verdict: Verdict, resp: &Response) -> Self {
        let error = match verdict {
            Verdict::Delivered => None,
            _ => Some(format!("target answered {}", resp.status)),
        };
        Outcome {
            verdict,
            status_code: Some(resp.status.as_u16()),
            error,
            response_excerpt: Some(resp.excerpt()),
            pause: super::limits::pause_from_headers(resp),
            request: resp.request.clone(),
        }
    }

    /// No answer: connection error or timeout (retried), refused target (permanent).
    pub fn from_send_error(e: &SendFailure) -> Self {
        let verdict = match e.error {
            SendError::Refused(_) | SendError::Build(_) => Verdict::Reject,
            SendError::Timeout(_) | SendError::Connect(_) => Verdict::Retry { after: None },
        };
        Outcome {
            verdict,
            status_code: None,
            error: Some(e.error.to_string()),
            response_excerpt: None,
            pause: None,
            request: e.request.clone(),
        }
    }

    /// A permanent failure before anything was sent.
    pub fn rejected(reason: impl Into<String>) -> Self {
        Outcome {
            verdict: Verdict::Reject,
            status_code: None,
            error: Some(reason.into()),
            response_excerpt: None,
            pause: None,
            request: None,
        }
    }

    /// A transient failure before anything was sent.
    pub fn retry(reason: impl Into<String>) -> Self {
        Outcome {
            verdict: Verdict::Retry { after: None },
            status_code: None,
            error: Some(reason.into()),
            response_excerpt: None,
            pause: None,
            request: None,
        }
    }

    /// A connector that had nothing to send for this event.
    pub fn delivered_without_request() -> Self {
        Outcome {
            verdict: Verdict::Delivered,
            status_code: None,
            error: None,
            response_excerpt: None,
            pause: None,
            request: None,
        }
    }

    /// Asks core to hold every delivery of this connector for `wait`
    /// (a rate limit or quota the target announced).
    pub fn paused(mut self, wait: Duration, reason: impl Into<String>) -> Self {
        self.pause = Some(Pause {
            wait,
            reason: reason.into(),
        });
        self
    }

    /// Replaces the error text (e.g. with the vendor's own message).
    pub fn with_error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }
}

/// The generic reading of an HTTP status: 2xx delivered, 429 and 503 retried
/// after `Retry-After`, everything else retried.
pub fn classify_status(resp: &Response) -> Verdict {
    match resp.status {
        s if s.is_success() => Verdict::Delivered,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => Verdict::Retry {
            after: resp.retry_after(),
        },
        _ => Verdict::Retry { after: None },
    }
}
