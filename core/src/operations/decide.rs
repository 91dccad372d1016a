//! The lifecycle as pure policy: from a target's stored record, its timings
//! and this node's view, what is due now. The check in `sweep` carries the
//! actions out; every emitting one is a conditional write one node wins.

use super::{no_success_reason, DisableCause, TargetInfo};
use crate::{
    storage::{Alerted, TargetLifecycle},
    time::Millis,
};

/// One thing due for a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Action {
    /// This node's connector table disagrees with storage: follow storage.
    Follow {
        /// Disabled in storage.
        disabled: bool,
    },
    /// No success for `disable_after`: disable it (then alert).
    Disable {
        /// The reason to record.
        reason: String,
    },
    /// Alert `switchboard.endpoint.disabled`.
    AlertDisabled {
        /// What was alerted before.
        from: Alerted,
        /// Why it is disabled.
        cause: DisableCause,
        /// The recorded reason.
        reason: String,
    },
    /// Alert `switchboard.endpoint.failing`.
    Warn {
        /// Start of the failing period.
        since: Millis,
    },
    /// Alert `switchboard.endpoint.recovered`.
    Recover {
        /// What was alerted before.
        from: Alerted,
    },
    /// Alert `switchboard.delivery.exhausted` (once per period).
    AlertExhausted,
    /// A success came after the exhausted alert: a new period starts.
    ResetExhausted {
        /// The alert's time.
        alerted_at: Millis,
    },
    /// Probe the disabled target.
    Probe,
    /// Alert `switchboard.connector.auth_failed` (once until a success).
    AlertAuthFailed,
    /// A success came after the auth alert: the next refusal alerts again.
    ResetAuth {
        /// The alert's time.
        alerted_at: Millis,
    },
}

/// What is due for `row` at `now`; `locally_disabled` is this node's table.
pub(super) fn decide(
    row: &TargetLifecycle,
    info: &TargetInfo,
    locally_disabled: bool,
    now: Millis,
) -> Vec<Action> {
    let mut due = Vec::new();
    let life = &info.lifecycle;
    if row.disabled.is_some() != locally_disabled {
        due.push(Action::Follow {
            disabled: row.disabled.is_some(),
        });
    }
    let failing_since = row
        .health
        .as_ref()
        .filter(|h| h.consecutive_failures > 0)
        .and_then(|h| h.failing_since);
    let reached = |limit: std::time::Duration, since: Millis| {
        !limit.is_zero() && now - since >= limit.as_millis() as i64
    };
    match (&row.disabled, failing_since) {
        (Some(reason), _) => {
            let cause = DisableCause::of(reason);
            if row.alerted != Alerted::Disabled {
                due.push(Action::AlertDisabled {
                    from: row.alerted,
                    cause,
                    reason: reason.clone(),
                });
            } else if cause == DisableCause::NoSuccess
                && info.probed()
                && row.probed_at.is_none_or(|at| reached(life.probe_every, at))
            {
                due.push(Action::Probe);
            }
        }
        (None, Some(since)) if reached(life.disable_after, since) => {
            due.push(Action::Disable {
                reason: no_success_reason(life.disable_after, since),
            });
        }
        (None, Some(since)) => {
            if row.alerted == Alerted::Ok && reached(life.warn_after, since) {
                due.push(Action::Warn { since });
            }
        }
        (None, None) if row.alerted != Alerted::Ok => {
            due.push(Action::Recover { from: row.alerted });
        }
        (None, None) => {}
    }
    let last_success = row.health.as_ref().and_then(|h| h.last_success_at);
    match row.auth_alerted_at {
        None if row.auth_refused_at.is_some() && info.vendor() => due.push(Action::AlertAuthFailed),
        Some(at) if last_success.is_some_and(|s| s > at) => {
            due.push(Action::ResetAuth { alerted_at: at });
        }
        _ => {}
    }
    match row.exhausted_alerted_at {
        None if row.exhausted > 0 => due.push(Action::AlertExhausted),
        Some(at) if last_success.is_some_and(|s| s > at) => {
            due.push(Action::ResetExhausted { alerted_at: at });
        }
        _ => {}
    }
    due
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
