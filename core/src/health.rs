//! Target health: consecutive failures, last success and failure, the time a
//! target has been failing since, a recent success rate, and circuit
//! breaker state, per connector and endpoint.
//!
//! The durable part ([`HealthRecord`]) is written by each connector actor
//! a few times a second at most and drives `[delivery] disable_after`; the
//! success rate over the last [`RATE_WINDOW`] attempts and the breaker state
//! are this node's own view, kept in memory ([`HealthBoard`]).

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use serde::Serialize;

use crate::time::{rfc3339, Millis};

/// Attempts the success rate is computed over (per node).
pub const RATE_WINDOW: usize = 100;

/// The stored health of one target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthRecord {
    /// Failed attempts since the last success.
    pub consecutive_failures: u64,
    /// Last successful attempt.
    pub last_success_at: Option<Millis>,
    /// Last failed attempt.
    pub last_failure_at: Option<Millis>,
    /// First failure after the last success; `None` while healthy.
    pub failing_since: Option<Millis>,
}

/// Attempt outcomes of one actor not yet written, merged into the stored
/// record by [`crate::storage::Store::record_health`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthDelta {
    /// Latest success in this delta; when set, the stored failure streak is
    /// replaced by this delta's trailing one.
    pub last_success_at: Option<Millis>,
    /// Failures after this delta's last success (or all, if none).
    pub trailing_failures: u64,
    /// First of those trailing failures.
    pub first_trailing_failure_at: Option<Millis>,
    /// Latest failure.
    pub last_failure_at: Option<Millis>,
}

impl HealthDelta {
    /// Adds one attempt.
    pub fn add(&mut self, success: bool, at: Millis) {
        if success {
            self.last_success_at = Some(at);
            self.trailing_failures = 0;
            self.first_trailing_failure_at = None;
        } else {
            self.trailing_failures += 1;
            self.first_trailing_failure_at.get_or_insert(at);
            self.last_failure_at = Some(at);
        }
    }

    /// Whether anything was added.
    pub fn is_empty(&self) -> bool {
        self.last_success_at.is_none() && self.trailing_failures == 0
    }
}

/// Circuit breaker position, as the API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Sending normally.
    #[default]
    Closed,
    /// Not sending; a probe follows after the cooldown.
    Open,
    /// One probe attempt in flight (or about to be).
    HalfOpen,
}

#[derive(Debug, Default)]
struct Live {
    recent: VecDeque<bool>,
    breaker: BreakerState,
}

/// This node's live view of every target: recent outcomes and breaker state.
#[derive(Debug, Default)]
pub struct HealthBoard {
    live: Mutex<HashMap<String, Live>>,
}

impl HealthBoard {
    /// Records one attempt's outcome.
    pub fn attempt(&self, name: &str, success: bool) {
        let mut live = self.live.lock().expect("lock");
        let l = live.entry(name.to_owned()).or_default();
        if l.recent.len() == RATE_WINDOW {
            l.recent.pop_front();
        }
        l.recent.push_back(success);
    }

    /// Records the breaker's position.
    pub fn breaker(&self, name: &str, state: BreakerState) {
        self.live
            .lock()
            .expect("lock")
            .entry(name.to_owned())
            .or_default()
            .breaker = state;
    }

    /// The API view of a target: `stored` plus this node's live view.
    pub fn view(&self, name: &str, stored: Option<&HealthRecord>) -> HealthView {
        let live = self.live.lock().expect("lock");
        let l = live.get(name);
        let stored = stored.cloned().unwrap_or_default();
        let rate = l.filter(|l| !l.recent.is_empty()).map(|l| {
            let ok = l.recent.iter().filter(|s| **s).count();
            ok as f64 / l.recent.len() as f64
        });
        HealthView {
            consecutive_failures: stored.consecutive_failures,
            last_success_at: stored.last_success_at.map(rfc3339),
            last_failure_at: stored.last_failure_at.map(rfc3339),
            failing_since: stored.failing_since.map(rfc3339),
            success_rate: rate,
            recent_attempts: l.map_or(0, |l| l.recent.len()),
            breaker: l.map(|l| l.breaker).unwrap_or_default(),
        }
    }
}

/// Health as `GET /v1/connectors` and `GET /v1/endpoints/{id}` show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HealthView {
    /// Failed attempts since the last success (all nodes).
    pub consecutive_failures: u64,
    /// Last successful attempt (RFC 3339).
    pub last_success_at: Option<String>,
    /// Last failed attempt (RFC 3339).
    pub last_failure_at: Option<String>,
    /// Failing since (RFC 3339); `null` while healthy. Reaching
    /// `[delivery] disable_after` disables the target.
    pub failing_since: Option<String>,
    /// Share of successes among this node's last `recent_attempts` attempts
    /// (at most 100); `null` before any.
    pub success_rate: Option<f64>,
    /// Attempts the success rate covers.
    pub recent_attempts: usize,
    /// This node's circuit breaker for the target.
    pub breaker: BreakerState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_keeps_the_trailing_failure_streak() {
        let mut d = HealthDelta::default();
        assert!(d.is_empty());
        d.add(false, 1);
        d.add(true, 2);
        d.add(false, 3);
        d.add(false, 4);
        assert_eq!(d.last_success_at, Some(2));
        assert_eq!(d.trailing_failures, 2);
        assert_eq!(d.first_trailing_failure_at, Some(3));
        assert_eq!(d.last_failure_at, Some(4));
    }

    #[test]
    fn success_rate_covers_the_last_attempts() {
        let board = HealthBoard::default();
        for i in 0..150 {
            board.attempt("a", i >= 100);
        }
        let v = board.view("a", None);
        assert_eq!(v.recent_attempts, RATE_WINDOW);
        assert_eq!(v.success_rate, Some(0.5));
        assert_eq!(board.view("b", None).success_rate, None);
    }
}
