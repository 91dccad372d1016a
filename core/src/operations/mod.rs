//! Trouble is heard first, and nothing is lost while a target is down
//! (DESIGN section 16): the hub's operational events and the failing-target
//! lifecycle.
//!
//! Every node runs one periodic check ([`sweep`]) over every target's stored
//! lifecycle ([`crate::storage::TargetLifecycle`]): [`decide`] says, as pure
//! policy, what is due (warn, disable, alert, recover, probe); the check
//! carries it out, each transition a conditional write in storage that one
//! node wins, and the winner emits the event ([`alert`]) through ingest's
//! durable path, to the targets naming its type and to the operator's
//! `[operations] url` ([`target`]), never to the target it is about.
//! Disabling holds a target's deliveries as `disabled`; re-enabling (by hand,
//! or by a probe's first 2xx) sends them again oldest first.

pub mod alert;
mod book;
mod decide;
mod sweep;
pub mod target;

use std::time::Duration;

pub use book::{TargetBook, TargetInfo};
pub use sweep::{spawn, SweepParts};

use crate::{config::DeliveryConfig, time::rfc3339, time::Millis};

/// Connector names starting with this are the hub's own.
pub const RESERVED_PREFIX: &str = "switchboard.";

/// The connector that delivers to `[operations] url`.
pub const OPERATIONS_TARGET: &str = "switchboard.operations";

/// The reason recorded when a target answers `410 Gone`.
pub const GONE_REASON: &str = "target answered 410 Gone; after fixing it, re-enable it with PATCH {\"enabled\": true} and its held deliveries are sent";

/// Starts the reason recorded for a target disabled for no success.
const NO_SUCCESS_PREFIX: &str = "no success: every attempt failed for ";

/// The timings of one target's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// No success for this long raises `failing` (0: never).
    pub warn_after: Duration,
    /// No success for this long disables the target (0: never).
    pub disable_after: Duration,
    /// A target disabled for no success is probed this often.
    pub probe_every: Duration,
    /// A probe's 2xx re-enables it.
    pub auto_reenable: bool,
}

impl Lifecycle {
    /// `[delivery]`'s timings.
    pub fn from_config(d: &DeliveryConfig) -> Self {
        Lifecycle {
            warn_after: d.warn_after,
            disable_after: d.disable_after,
            probe_every: d.probe_every,
            auto_reenable: d.auto_reenable,
        }
    }
}

/// Why a target is disabled, as operational events name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableCause {
    /// It answered `410 Gone` (waits for a person).
    Gone,
    /// No success for `disable_after` (probed; re-enabled on a 2xx).
    NoSuccess,
    /// An operator disabled it (waits for a person).
    Operator,
}

impl DisableCause {
    /// The cause of a stored reason.
    pub fn of(reason: &str) -> Self {
        if reason == GONE_REASON || reason.contains("410 Gone") {
            DisableCause::Gone
        } else if reason.starts_with(NO_SUCCESS_PREFIX) {
            DisableCause::NoSuccess
        } else {
            DisableCause::Operator
        }
    }

    /// The code in `switchboard.endpoint.disabled`'s `data.reason.code`.
    pub fn code(self) -> &'static str {
        match self {
            DisableCause::Gone => "gone",
            DisableCause::NoSuccess => "no_success",
            DisableCause::Operator => "operator",
        }
    }
}

/// The reason recorded when `disable_after` disables a target failing since `since`.
pub fn no_success_reason(limit: Duration, since: Millis) -> String {
    format!(
        "{NO_SUCCESS_PREFIX}{} (failing since {}); its deliveries are held and sent when it is re-enabled (by a probe's first 2xx, or PATCH {{\"enabled\": true}})",
        humantime::format_duration(limit),
        rfc3339(since)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_read_back_from_reasons() {
        assert_eq!(DisableCause::of(GONE_REASON), DisableCause::Gone);
        let r = no_success_reason(Duration::from_secs(60), 0);
        assert_eq!(DisableCause::of(&r), DisableCause::NoSuccess);
        assert_eq!(
            DisableCause::of(crate::endpoints::OPERATOR_DISABLED),
            DisableCause::Operator
        );
    }
}
