//! The connector actor's side of pacing: one token per attempt from the
//! `rate_limit` bucket, and holding everything while the target asked for a
//! pause ([`crate::pacing`] keeps the pauses, this carries them out).

use std::time::{Duration, Instant};

use actix::prelude::*;

use super::ConnectorActor;
use crate::{
    connector::{Outcome, Verdict},
    delivery::NextStep,
    pacing::Hold,
    time::{now_ms, rfc3339, Millis},
};

impl ConnectorActor {
    /// Takes a token for one attempt; without one, sets the timer for the
    /// next and says no. Always yes without a `rate_limit`.
    pub(super) fn paced(&mut self, now: Instant, ctx: &mut Context<Self>) -> bool {
        let Some(bucket) = self.bucket.as_mut() else {
            return true;
        };
        match bucket.take(now) {
            Ok(()) => true,
            Err(ready) => {
                self.resume_at(ready, ctx);
                false
            }
        }
    }

    /// Leased jobs this actor keeps in memory: with a `rate_limit`, no more
    /// than can start before their lease window closes (more would only go
    /// stale and be handed back).
    pub(super) fn queue_cap(&self) -> usize {
        match &self.bucket {
            Some(b) => b.capacity(self.start_window()).clamp(1, self.s.queue_limit),
            None => self.s.queue_limit,
        }
    }

    /// The target asked for a pause: nothing starts until it ends. New
    /// deliveries wait in storage (saturated); queued jobs whose retry window
    /// closes before the end fail now, naming the pause; those whose lease
    /// window would pass go back to storage due at the end (one write each,
    /// and no node takes them sooner); the rest wait here without a write.
    pub(super) fn hold_for_pause(&mut self, hold: Hold, ctx: &mut Context<Self>) {
        if !self.saturated {
            self.set_saturated(true);
        }
        let why = held_by(&hold);
        let end = Instant::now() + until_from_now(hold.until);
        let mut expired = Vec::new();
        let mut deferred = Vec::new();
        for (job, start_by) in std::mem::take(&mut self.queue) {
            if job
                .first_attempt_at
                .is_some_and(|first| !self.s.policy.within_window(first, hold.until))
            {
                expired.push(job);
            } else if start_by < end {
                deferred.push(job.delivery_id);
            } else {
                self.queue.push_back((job, start_by));
            }
        }
        for job in expired {
            self.expire_with(job, &why, ctx);
        }
        if !deferred.is_empty() {
            self.more_in_storage = true;
            let store = self.s.store.clone();
            let node = self.s.node.clone();
            let due_at = hold.until;
            ctx.spawn(
                async move {
                    if let Err(e) = store.release_until(&node, deferred, due_at).await {
                        tracing::warn!(error = %e, "cannot hand paused deliveries back; their leases expire on their own");
                    }
                }
                .into_actor(self),
            );
        }
        self.last_hold = Some(hold);
        self.resume_at(end, ctx);
    }

    /// Keeps one timer for the earliest moment pacing lets work start again.
    pub(super) fn resume_at(&mut self, at: Instant, ctx: &mut Context<Self>) {
        if let Some((current, handle)) = self.resume {
            if current <= at {
                return;
            }
            ctx.cancel_future(handle);
        }
        let delay = at.saturating_duration_since(Instant::now());
        let handle = ctx.run_later(delay, |act, ctx| {
            act.resume = None;
            act.more_in_storage = true;
            act.fill(ctx);
        });
        self.resume = Some((at, handle));
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
