//! One actor per connector: its concurrency limit, its retry mailbox, its attempts.
//!
//! Storage is the truth and messages are wake-ups. New deliveries arrive
//! already leased to this node ([`Dispatch`]); retries are written back with
//! their due time and the actor keeps a single timer for the earliest one;
//! when idle it asks storage for the next due time, so nothing polls while
//! nothing is due. A panic inside a connector is caught, recorded as a failed
//! attempt, and the actor is stopped so its supervisor restarts it clean; on
//! (re)start it releases this node's leases and reloads due work from storage.
//! Attempts are paced by the connector's `rate_limit` and held while its
//! target asked for a pause ([`pacing`]).
//!
//! The parts: [`mailbox`] decides what to start, hand back or expire;
//! [`attempt`] makes one attempt; [`health`] keeps the breaker and the health
//! record; [`lifecycle`] is the actix side (start, restart, messages).

mod attempt;
mod health;
mod lifecycle;
mod mailbox;
mod ops;
mod pacing;
mod timer;

use std::{future::Future, sync::Arc, time::Instant};

use actix::prelude::*;
use tokio::sync::oneshot;

use self::{
    attempt::Ran,
    health::Unflushed,
    mailbox::{Limits, Mailbox, Next},
    timer::Timer,
};
use super::{
    breaker::{Breaker, Gate},
    ConnectorSettings,
};
use crate::{
    delivery::{Job, NextStep},
    health::BreakerState,
    pacing::{Hold, TokenBucket},
    storage::Lease,
    time::{now_ms, Millis},
};

pub use lifecycle::{Dispatch, Drain, Retire, Wake};
pub use ops::{ProbeTarget, Reenabled};

/// The actor.
pub struct ConnectorActor {
    s: Arc<ConnectorSettings>,
    mailbox: Mailbox,
    breaker: Breaker,
    /// Release this node's leases when (re)starting: set for a restart, and
    /// at the first start after a hub restart.
    release_leases: bool,
    /// Answered once idle, while draining; `None`: not draining.
    draining: Option<Vec<oneshot::Sender<()>>>,
    /// The next due retry known (wall clock).
    wake: Timer<Millis>,
    /// The next token, or the end of a pause.
    resume: Timer<Instant>,
    /// The breaker's next probe.
    probe: Timer<Instant>,
    /// Attempt outcomes not yet written to the stored health.
    health: Unflushed,
    /// The latest pause, to name it on deliveries whose window it outlasted.
    last_hold: Option<Hold>,
}

/// The actor's clock: tokio's, so tests can pause it.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl ConnectorActor {
    /// A new actor; start it with `Supervisor::start_in_arbiter`.
    pub fn new(s: Arc<ConnectorSettings>) -> Self {
        let hub = &s.hub;
        hub.pacing.set_rate_limit(&s.name, s.rate_limit);
        let limits = Limits {
            lease: hub.lease,
            timeout: s.http.timeout(),
            concurrency: s.concurrency,
            queue_limit: hub.queue_limit,
        };
        let bucket = s.rate_limit.map(|l| TokenBucket::new(l, now()));
        ConnectorActor {
            mailbox: Mailbox::new(limits, hub.policy, bucket),
            breaker: Breaker::new(hub.breaker, hub.breaker_cooldown),
            release_leases: s.release_on_start,
            draining: None,
            wake: Timer::default(),
            resume: Timer::default(),
            probe: Timer::default(),
            health: Unflushed::default(),
            last_hold: None,
            s,
        }
    }

    /// Starts what may start now, hands back what may not, and pulls from
    /// storage when the queue runs dry.
    fn fill(&mut self, ctx: &mut Context<Self>) {
        if self.draining.is_some() {
            return self.finish_drain_if_idle();
        }
        if self.s.hub.table.is_disabled(&self.s.name) {
            return self.hold_while_disabled(ctx);
        }
        if let Some(hold) = self.s.hub.pacing.held(&self.s.name, now_ms()) {
            return self.hold_for_pause(hold, ctx);
        }
        let now = now();
        match self.breaker.gate(now) {
            Gate::Free => {}
            Gate::Shut(probe_at) => return self.hold(probe_at, ctx),
            // The probe waits for attempts started before the breaker opened.
            Gate::Probe if self.mailbox.in_flight() > 0 => return,
            Gate::Probe => return self.probe(ctx),
        }
        let mut stale = Vec::new();
        while let Some(next) = self.mailbox.next(now, now_ms()) {
            match next {
                // Erased while queued: never sent again (and nothing to record).
                Next::Start(job)
                    if self
                        .s
                        .hub
                        .cancelled
                        .contains(&job.event.account, &job.event.id) =>
                {
                    self.mailbox.finished()
                }
                Next::Start(job) => self.spawn_attempt(job, ctx),
                Next::Stale(job) => stale.push(job.delivery_id),
                Next::OutOfTime(job) => self.expire(job, ctx),
                Next::PacedUntil(ready) => {
                    self.arm_resume(ready, ctx);
                    break;
                }
            }
        }
        // Waited too long: give them back for any node to lease afresh.
        self.release(stale, ctx);
        if self.mailbox.relieve() {
            self.publish_saturated(false);
        }
        self.pull(ctx);
    }

    /// Breaker open: sleep until the probe; nothing polls. New deliveries
    /// wait in storage rather than being leased to this actor, and the queue
    /// stays as it is, so an open breaker costs no writes (handing thousands
    /// of queued leases back at once would stall every other connector's
    /// writes at the moment a target fails). Queued jobs whose lease window
    /// passes meanwhile are handed back when the actor next looks at them.
    fn hold(&mut self, probe_at: Option<Instant>, ctx: &mut Context<Self>) {
        self.saturate();
        if let Some(at) = probe_at {
            let delay = at.saturating_duration_since(now());
            self.probe
                .arm(at, delay, ctx, |a| &mut a.probe, Self::look_again);
        }
    }

    /// Cooldown over: one attempt goes out as the probe.
    fn probe(&mut self, ctx: &mut Context<Self>) {
        let now = now();
        let mut stale = Vec::new();
        let mut probe = None;
        while let Some(next) = self.mailbox.next_probe(now, now_ms()) {
            match next {
                Next::Start(job) => {
                    probe = Some(job);
                    break;
                }
                Next::Stale(job) => stale.push(job.delivery_id),
                Next::OutOfTime(job) => self.expire(job, ctx),
                Next::PacedUntil(_) => unreachable!("a probe takes no token"),
            }
        }
        self.release(stale, ctx);
        let Some(job) = probe else {
            self.mailbox.expect_more();
            return self.pull(ctx);
        };
        tracing::info!(connector = %self.s.name, delivery = %job.delivery_id, "circuit breaker: probing the target");
        self.breaker.probing();
        self.publish_breaker();
        self.spawn_attempt(job, ctx);
        self.hold(None, ctx)
    }

    /// A timer fired: storage may hold due work, and a pause or cooldown may be over.
    fn look_again(&mut self, ctx: &mut Context<Self>) {
        self.mailbox.expect_more();
        self.fill(ctx);
    }

    fn expire(&mut self, job: Job, ctx: &mut Context<Self>) {
        let outlasted = |h: &&Hold| {
            job.first_attempt_at
                .is_some_and(|first| !self.s.hub.policy.within_window(first, h.until))
        };
        let why = match self.last_hold.as_ref().filter(outlasted) {
            Some(hold) => pacing::held_by(hold),
            None => "the target's circuit breaker was open".to_owned(),
        };
        self.expire_with(job, &why, ctx);
    }

    /// Fails a delivery whose retry window closed while `why` held it.
    fn expire_with(&mut self, job: Job, why: &str, ctx: &mut Context<Self>) {
        let reason = format!(
            "retry_for ran out before the next attempt could start ({why}); replay it to try again"
        );
        ops::count_exhausted(&self.s, &job);
        tracing::warn!(connector = %self.s.name, delivery = %job.delivery_id, "{reason}");
        let s = self.s.clone();
        ctx.spawn(
            async move {
                match s.hub.store.expire(&job.delivery_id, &reason).await {
                    Ok(()) => s.hub.metrics.delivery_expired(&s.name),
                    Err(e) => tracing::warn!(delivery = %job.delivery_id, error = %e, "cannot fail an expired delivery; it is tried again"),
                }
            }
            .into_actor(self),
        );
    }

    fn pull(&mut self, ctx: &mut Context<Self>) {
        if self.draining.is_some() {
            return;
        }
        let closed = self.breaker.public() == BreakerState::Closed;
        let Some(limit) = self.mailbox.begin_pull(closed) else {
            return;
        };
        let s = self.s.clone();
        let lease = Lease::new(s.hub.node.clone(), s.hub.lease);
        let leased_at = now();
        let fut = async move { s.hub.store.lease_due(&s.name, &lease, limit).await };
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
            match res {
                Ok(jobs) => {
                    if !act.mailbox.pulled(jobs, limit, leased_at) {
                        act.schedule_next_due(ctx);
                    }
                }
                Err(e) => {
                    act.mailbox.pull_failed();
                    tracing::error!(connector = %act.s.name, error = %e, "cannot lease due deliveries; retrying in 1s");
                    act.arm_wake(now_ms() + 1000, ctx);
                }
            }
            act.fill(ctx);
        }));
    }

    fn schedule_next_due(&mut self, ctx: &mut Context<Self>) {
        let s = self.s.clone();
        let fut = async move { s.hub.store.next_due(&s.name).await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(Some(at)) => act.arm_wake(at.max(now_ms() + 1), ctx),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(connector = %act.s.name, error = %e, "cannot read next due time; retrying in 1s");
                act.arm_wake(now_ms() + 1000, ctx);
            }
        }));
    }

    /// Keeps one timer, for the earliest known due time.
    fn arm_wake(&mut self, at: Millis, ctx: &mut Context<Self>) {
        let delay = std::time::Duration::from_millis((at - now_ms()).max(0) as u64);
        self.wake
            .arm(at, delay, ctx, |a| &mut a.wake, Self::look_again);
    }

    /// Keeps one timer for the earliest moment pacing lets work start again.
    fn arm_resume(&mut self, at: Instant, ctx: &mut Context<Self>) {
        let delay = at.saturating_duration_since(now());
        self.resume
            .arm(at, delay, ctx, |a| &mut a.resume, Self::look_again);
    }

    /// Runs an attempt the mailbox started.
    fn spawn_attempt(&mut self, job: Job, ctx: &mut Context<Self>) {
        let s = self.s.clone();
        // No operational event is raised about the delivery of one.
        let observed = job.event.kind.is_call();
        let fut = async move { attempt::attempt(&s, job).await };
        ctx.spawn(fut.into_actor(self).map(move |result, act, ctx| {
            act.mailbox.finished();
            if observed {
                act.observe(result.ran == Ran::Succeeded, ctx);
            }
            if let Some(NextStep::RetryAt(at)) = result.recorded {
                act.arm_wake(at, ctx);
            }
            if result.ran == Ran::Panicked {
                tracing::error!(connector = %act.s.name, "connector panicked; restarting its actor");
                ctx.stop();
                return;
            }
            act.fill(ctx);
        }));
    }

    /// Saturated: ingest stores this connector's new deliveries due but
    /// unleased instead of handing them over.
    fn saturate(&mut self) {
        if self.mailbox.saturate() {
            self.publish_saturated(true);
        }
    }

    fn publish_saturated(&self, saturated: bool) {
        self.s.hub.table.set_saturated(&self.s.name, saturated);
    }

    /// Hands jobs over the queue's cap back to storage.
    fn overflow(&mut self, ctx: &mut Context<Self>) {
        let spill = self.mailbox.overflow();
        if !spill.is_empty() {
            self.publish_saturated(true);
            self.release(spill, ctx);
        }
    }

    /// Gives leases back, for any node to take.
    fn release(&mut self, ids: Vec<String>, ctx: &mut Context<Self>) {
        if ids.is_empty() {
            return;
        }
        let hub = self.s.hub.clone();
        ctx.spawn(
            async move {
                if let Err(e) = hub.store.release(&hub.node, ids).await {
                    tracing::warn!(error = %e, "cannot release leases; they expire on their own");
                }
            }
            .into_actor(self),
        );
    }

    fn finish_drain_if_idle(&mut self) {
        if self.mailbox.in_flight() == 0 {
            for tx in self.draining.iter_mut().flat_map(std::mem::take) {
                let _ = tx.send(());
            }
        }
    }
}

/// Disables the connector for `reason`: at once in the connector table (no
/// new delivery is handed to it), then in storage (the returned future).
fn disable(s: &ConnectorSettings, reason: &str) -> impl Future<Output = ()> + 'static {
    s.hub.table.set_disabled(&s.name, true);
    tracing::warn!(connector = %s.name, "disabled: {reason}");
    let (hub, name, reason) = (s.hub.clone(), s.name.clone(), reason.to_owned());
    async move {
        if let Err(e) = hub.store.set_disabled(&name, Some(&reason)).await {
            tracing::error!(connector = %name, error = %e, "cannot record disabled connector");
        }
    }
}
