//! The connector actor's side of pacing: holding everything while the
//! target asked for a pause ([`crate::pacing`] keeps the pauses, this carries
//! them out; the mailbox takes one `rate_limit` token per attempt).

use std::time::Duration;

use actix::prelude::*;

use super::{now, ConnectorActor};
use crate::{
    connector::{Outcome, Verdict},
    delivery::NextStep,
    pacing::Hold,
    time::{now_ms, rfc3339, Millis},
};

impl ConnectorActor {
    /// The target asked for a pause: nothing starts until it ends. New
    /// deliveries wait in storage (saturated); queued jobs whose retry window
    /// closes before the end fail now, naming the pause; those whose lease
    /// window would pass go back to storage due at the end (one write each,
    /// and no node takes them sooner); the rest wait here without a write.
    pub(super) fn hold_for_pause(&mut self, hold: Hold, ctx: &mut Context<Self>) {
        self.saturate();
        let why = held_by(&hold);
        let end = now() + until_from_now(hold.until);
        let held = self.mailbox.hold_for(&hold, end);
        for job in held.expired {
            self.expire_with(job, &why, ctx);
        }
        if !held.deferred.is_empty() {
            let hub = self.s.hub.clone();
            let (deferred, due_at) = (held.deferred, hold.until);
            ctx.spawn(
                async move {
                    if let Err(e) = hub.store.release_until(&hub.node, deferred, due_at).await {
                        tracing::warn!(error = %e, "cannot hand paused deliveries back; their leases expire on their own");
                    }
                }
                .into_actor(self),
            );
        }
        self.last_hold = Some(hold);
        self.arm_resume(end, ctx);
    }
}

/// What held a delivery, for its error.
pub(super) fn held_by(hold: &Hold) -> String {
    format!(
        "the connector was paused until {} ({})",
        rfc3339(hold.until),
        hold.reason
    )
}

fn until_from_now(at: Millis) -> Duration {
    Duration::from_millis((at - now_ms()).max(0) as u64)
}

/// The attempt log's error: a retry that a pause pushed past `retry_for`
/// says so, naming the pause (`past_window`: a pause that ends after the
/// delivery's retry window closes).
pub(super) fn attempt_error(
    outcome: &Outcome,
    next: NextStep,
    past_window: Option<&Hold>,
) -> Option<String> {
    match (outcome.verdict, next, past_window) {
        (Verdict::Retry { .. }, NextStep::Failed, Some(h)) => Some(format!(
            "{}; the connector is paused until {} ({}), after retry_for runs out",
            outcome.error.as_deref().unwrap_or("attempt failed"),
            rfc3339(h.until),
            h.reason
        )),
        _ => outcome.error.clone(),
    }
}
