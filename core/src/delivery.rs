//! Deliveries (one per event and connector), their states, and their attempts.

use std::{fmt, str::FromStr, sync::Arc};

use serde::{Deserialize, Serialize};

use crate::{event::Event, outbound::SentRequest, time::Millis};

/// Where a delivery stands. `pending -> succeeded | retrying -> ... -> failed`;
/// `disabled` when its target was disabled (410 Gone or by the operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Not attempted yet.
    Pending,
    /// Attempted, failed, and due again at `next_attempt_at`.
    Retrying,
    /// A 2xx answer (or the connector's equivalent) arrived.
    Succeeded,
    /// Permanently failed, or out of retry time; can be replayed.
    Failed,
    /// Held while its target is disabled; sent again (oldest first, with a
    /// fresh `retry_for`) when the target is re-enabled.
    Disabled,
}

impl DeliveryState {
    /// Every state.
    pub const ALL: [DeliveryState; 5] = [
        DeliveryState::Pending,
        DeliveryState::Retrying,
        DeliveryState::Succeeded,
        DeliveryState::Failed,
        DeliveryState::Disabled,
    ];

    /// The stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Retrying => "retrying",
            DeliveryState::Succeeded => "succeeded",
            DeliveryState::Failed => "failed",
            DeliveryState::Disabled => "disabled",
        }
    }

    /// Whether the delivery still waits for an attempt.
    pub fn is_active(self) -> bool {
        matches!(self, DeliveryState::Pending | DeliveryState::Retrying)
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A state name that is not one of the five.
#[derive(Debug, thiserror::Error)]
#[error("unknown delivery status '{0}', expected one of: pending, retrying, succeeded, failed, disabled")]
pub struct UnknownState(pub String);

impl FromStr for DeliveryState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeliveryState::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

/// A delivery as the admin API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    /// `dlv_<ULID>`, stable across retries.
    pub id: String,
    /// The event delivered.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// The connector it goes to.
    pub connector: String,
    /// Where it stands.
    pub status: DeliveryState,
    /// Attempts made so far.
    pub attempt_count: u32,
    /// When the next attempt is due (RFC 3339), if any.
    #[serde(serialize_with = "crate::time::serialize_rfc3339_opt")]
    #[schema(value_type = Option<String>)]
    pub next_attempt_at: Option<Millis>,
    /// Creation time (RFC 3339).
    #[serde(serialize_with = "crate::time::serialize_rfc3339")]
    #[schema(value_type = String)]
    pub created_at: Millis,
    /// Last change (RFC 3339).
    #[serde(serialize_with = "crate::time::serialize_rfc3339")]
    #[schema(value_type = String)]
    pub updated_at: Millis,
    /// Why it failed or was disabled, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// One attempt as logged.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    /// 1-based attempt number.
    pub number: u32,
    /// When it started (RFC 3339).
    #[serde(serialize_with = "crate::time::serialize_rfc3339")]
    #[schema(value_type = String)]
    pub started_at: Millis,
    /// How long it took.
    pub duration_ms: u64,
    /// The target's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// The first 4 KiB of the answer's body.
    pub response_excerpt: Option<String>,
    /// The hub node that made it.
    pub node: String,
    /// The (last) request it sent, secrets masked; `null` when none was sent
    /// (a mapping failure) and for webhooks, whose request is the event.
    pub request: Option<SentRequest>,
}

/// A delivery with its attempts, for `GET /v1/deliveries/{id}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryDetail {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: Delivery,
    /// Its attempts, oldest first.
    pub attempts: Vec<Attempt>,
}

/// A delivery handed to a connector actor to attempt now.
#[derive(Debug, Clone)]
pub struct Job {
    /// The delivery id.
    pub delivery_id: String,
    /// The connector it belongs to.
    pub connector: Arc<str>,
    /// The event to deliver.
    pub event: Event,
    /// Attempts made before this one.
    pub attempts_made: u32,
    /// When the first attempt was made (the retry window opens then).
    pub first_attempt_at: Option<Millis>,
}

/// The result of an attempt, as storage records it.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// The delivery attempted. Storage numbers the attempt (the next after
    /// the delivery's stored ones), so an attempt that outlived its lease
    /// and the other node's attempt both keep their own number.
    pub delivery_id: String,
    /// Start time.
    pub started_at: Millis,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// HTTP status, if any answer came.
    pub status_code: Option<u16>,
    /// Error text, if the attempt failed.
    pub error: Option<String>,
    /// First 4 KiB of the answer.
    pub response_excerpt: Option<String>,
    /// The node that made it.
    pub node: String,
    /// The (last) request sent, masked; `None` for webhooks.
    pub request: Option<Arc<SentRequest>>,
}

/// What becomes of the delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Done.
    Succeeded,
    /// Try again at this time.
    RetryAt(Millis),
    /// Stop trying.
    Failed,
    /// Stop trying, and disable the connector.
    Disabled,
}

impl NextStep {
    /// The delivery state this step leads to.
    pub fn state(self) -> DeliveryState {
        match self {
            NextStep::Succeeded => DeliveryState::Succeeded,
            NextStep::RetryAt(_) => DeliveryState::Retrying,
            NextStep::Failed => DeliveryState::Failed,
            NextStep::Disabled => DeliveryState::Disabled,
        }
    }
}
