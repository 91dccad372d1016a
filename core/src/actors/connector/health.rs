//! The connector actor's bookkeeping of attempt outcomes: the circuit
//! breaker, the live health view, and the stored health record (written at
//! most every [`HEALTH_FLUSH`]) that the lifecycle check reads.

use std::time::Duration;

use actix::prelude::*;

use super::{now, ConnectorActor};
use crate::{health::HealthDelta, time::now_ms};

/// Attempt outcomes are written to the stored health at most this often.
const HEALTH_FLUSH: Duration = Duration::from_millis(200);

/// Outcomes not yet written to the stored health.
#[derive(Debug, Default)]
pub(super) struct Unflushed {
    delta: HealthDelta,
    /// A flush is scheduled or running.
    flushing: bool,
}

impl Unflushed {
    /// The actor restarts: its timers are gone, so no flush is scheduled.
    pub(super) fn restarting(&mut self) {
        self.flushing = false;
    }
}

impl ConnectorActor {
    pub(super) fn publish_breaker(&self) {
        self.s
            .hub
            .health
            .breaker(&self.s.name, self.breaker.public());
    }

    /// Feeds an attempt's outcome to the breaker and the health record.
    pub(super) fn observe(&mut self, success: bool, ctx: &mut Context<Self>) {
        let before = self.breaker.public();
        self.breaker.outcome(success, now());
        let after = self.breaker.public();
        if before != after {
            tracing::warn!(connector = %self.s.name, breaker = ?after, "circuit breaker changed");
            self.publish_breaker();
        }
        self.s.hub.health.attempt(&self.s.name, success);
        self.health.delta.add(success, now_ms());
        self.schedule_flush(ctx);
    }

    fn schedule_flush(&mut self, ctx: &mut Context<Self>) {
        if !self.health.flushing {
            self.health.flushing = true;
            ctx.run_later(HEALTH_FLUSH, |act, ctx| act.flush_health(ctx));
        }
    }

    fn flush_health(&mut self, ctx: &mut Context<Self>) {
        let delta = std::mem::take(&mut self.health.delta);
        if delta.is_empty() {
            self.health.flushing = false;
            return;
        }
        let s = self.s.clone();
        let fut = async move { s.hub.store.record_health(&s.name, &delta).await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            act.health.flushing = false;
            // `disable_after` and `warn_after` are the lifecycle check's
            // (crate::operations), on the clock for every node.
            if let Err(e) = res {
                tracing::warn!(connector = %act.s.name, error = %e, "cannot record health; the counts lag")
            }
            if !act.health.delta.is_empty() {
                act.schedule_flush(ctx);
            }
        }));
    }
}
