//! The records of the failing-target lifecycle (DESIGN section 16): what was
//! last alerted about each target, its exhausted deliveries, its probes.
//!
//! Every node runs the same periodic check; a transition is a conditional
//! write here, so exactly one node wins it and emits its event.

use crate::{health::HealthRecord, time::Millis};

/// The last state an operational event was emitted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alerted {
    /// Nothing alerted, or `recovered` last.
    #[default]
    Ok,
    /// `switchboard.endpoint.failing` went out for the current period.
    Failing,
    /// `switchboard.endpoint.disabled` went out.
    Disabled,
}

impl Alerted {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Alerted::Ok => "ok",
            Alerted::Failing => "failing",
            Alerted::Disabled => "disabled",
        }
    }

    /// The stored name read back (an unknown one reads as `Ok`).
    pub fn parse(s: &str) -> Self {
        match s {
            "failing" => Alerted::Failing,
            "disabled" => Alerted::Disabled,
            _ => Alerted::Ok,
        }
    }
}

/// One target's lifecycle as stored: health, disabled state and transitions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetLifecycle {
    /// Connector name or endpoint id.
    pub name: String,
    /// Its stored health; `None` before its first attempt.
    pub health: Option<HealthRecord>,
    /// Why it is disabled; `None` while enabled.
    pub disabled: Option<String>,
    /// What was last alerted.
    pub alerted: Alerted,
    /// Deliveries that failed after their retries in this period.
    pub exhausted: u64,
    /// When `switchboard.delivery.exhausted` went out for this period.
    pub exhausted_alerted_at: Option<Millis>,
    /// The last probe of a disabled target (or its disable).
    pub probed_at: Option<Millis>,
    /// The last time the vendor refused the credentials (401/403).
    pub auth_refused_at: Option<Millis>,
    /// When `switchboard.connector.auth_failed` went out for that.
    pub auth_alerted_at: Option<Millis>,
}

/// A conditional write to a target's lifecycle record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Alerted state `from` -> `to` (the current period starting at
    /// `period`); applied by one caller only.
    Alert {
        /// The state the caller saw.
        from: Alerted,
        /// The new state.
        to: Alerted,
        /// Start of the failing period, if any.
        period: Option<Millis>,
    },
    /// `n` more deliveries failed after their retries.
    CountExhausted(u64),
    /// Claims the period's one `exhausted` alert; answers the count.
    ClaimExhausted,
    /// Starts a new exhausted period (a success came after the alert at `alerted_at`).
    ResetExhausted {
        /// The alert the reset follows.
        alerted_at: Millis,
    },
    /// The vendor refused the credentials (401/403) now.
    NoteAuthRefused,
    /// Claims the one `auth_failed` alert until a success; answers 1.
    ClaimAuthAlert,
    /// A success came after the auth alert at `alerted_at`: forget both.
    ResetAuth {
        /// The alert the reset follows.
        alerted_at: Millis,
    },
    /// Claims the next probe of a disabled target, due `every` after the last.
    ClaimProbe {
        /// `[delivery] probe_every` in milliseconds.
        every: Millis,
    },
}
