//! The connector actor's bookkeeping of attempt outcomes: the circuit
//! breaker, the live health view, the stored health record (written at most
//! every [`HEALTH_FLUSH`]) and `[delivery] disable_after`.

use std::time::Duration;

use actix::prelude::*;

use super::{disable, now, ConnectorActor};
use crate::{
    health::{HealthDelta, HealthRecord},
    time::{now_ms, rfc3339},
};

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
            match res {
                Ok(record) => act.disable_if_failing_too_long(&record, ctx),
                Err(e) => {
                    tracing::warn!(connector = %act.s.name, error = %e, "cannot record health; the counts lag")
                }
            }
            if !act.health.delta.is_empty() {
                act.schedule_flush(ctx);
            }
        }));
    }

    /// `[delivery] disable_after`: every attempt failed for that long.
    fn disable_if_failing_too_long(&mut self, h: &HealthRecord, ctx: &mut Context<Self>) {
        let limit = self.s.hub.disable_after;
        let Some(since) = h.failing_since else {
            return;
        };
        if limit.is_zero()
            || h.consecutive_failures == 0
            || now_ms() - since < limit.as_millis() as i64
            || self.s.hub.table.is_disabled(&self.s.name)
        {
            return;
        }
        let reason = format!(
            "every attempt failed for {} (since {}); fix the target, then re-enable it with PATCH {{\"enabled\": true}} and replay its disabled deliveries",
            humantime::format_duration(limit),
            rfc3339(since)
        );
        ctx.spawn(disable(&self.s, &reason).into_actor(self));
    }
}
