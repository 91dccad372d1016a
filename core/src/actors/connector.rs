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

mod attempt;
mod pacing;

use std::{
    collections::VecDeque,
    sync::Arc,
    time::{Duration, Instant},
};

use actix::prelude::*;
use tokio::sync::oneshot;

use super::{
    breaker::{Breaker, Gate, TripRule},
    Subscriptions,
};
use crate::{
    config::RateLimit,
    connector::Connector,
    delivery::{Job, NextStep},
    health::{HealthBoard, HealthDelta, HealthRecord},
    outbound::OutboundClient,
    pacing::{Hold, PacingBoard, TokenBucket},
    retry::RetryPolicy,
    storage::{Lease, Store},
    telemetry::Metrics,
    time::{now_ms, rfc3339, Millis},
};

/// Attempt outcomes are written to the stored health at most this often.
const HEALTH_FLUSH: Duration = Duration::from_millis(200);

/// What a connector actor needs, cloned on every restart.
#[derive(Clone)]
pub struct ConnectorSettings {
    /// Connector name.
    pub name: Arc<str>,
    /// The plug-in.
    pub connector: Arc<dyn Connector>,
    /// Its HTTP client (timeout, SSRF guard).
    pub http: OutboundClient,
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Retry schedule.
    pub policy: RetryPolicy,
    /// This node's id.
    pub node: Arc<str>,
    /// Lease duration.
    pub lease: Duration,
    /// Attempts in flight at most.
    pub concurrency: usize,
    /// Jobs held in memory beyond the in-flight ones (`[delivery] queue_limit`).
    pub queue_limit: usize,
    /// Poll storage this often for work other nodes released (multi-node only).
    pub poll: Option<Duration>,
    /// Shared subscription table (to mark this connector disabled).
    pub subscriptions: Arc<Subscriptions>,
    /// Release this node's leases on the connector's deliveries at the first
    /// start too (a hub restarting after a crash), not only at restarts. Off
    /// for a connector created while the hub runs: it cannot have stale
    /// leases, and its new deliveries are already leased to it in flight.
    pub release_on_start: bool,
    /// This node's live health view (success rate, breaker position).
    pub health: Arc<HealthBoard>,
    /// When the breaker opens (`breaker_failures` 0: never).
    pub breaker: TripRule,
    /// First breaker cooldown.
    pub breaker_cooldown: Duration,
    /// Disable the connector once all its attempts failed for this long (0: never).
    pub disable_after: Duration,
    /// The hub's metrics (attempt outcomes and latency).
    pub metrics: Arc<Metrics>,
    /// Attempts per second at most (`rate_limit`); `None`: not paced.
    pub rate_limit: Option<RateLimit>,
    /// This node's pacing of every connector (pauses targets asked for).
    pub pacing: Arc<PacingBoard>,
}

/// The actor.
pub struct ConnectorActor {
    s: ConnectorSettings,
    in_flight: usize,
    /// Leased jobs waiting for a slot, each with the instant it must start by.
    queue: VecDeque<(Job, Instant)>,
    more_in_storage: bool,
    /// Queue full: ingest parks new deliveries in storage instead of sending them.
    saturated: bool,
    pulling: bool,
    wake: Option<(Millis, SpawnHandle)>,
    draining: Option<Vec<oneshot::Sender<()>>>,
    restarted: bool,
    breaker: Breaker,
    probe_timer: Option<SpawnHandle>,
    /// Outcomes not yet written to the stored health.
    health: HealthDelta,
    health_flush_pending: bool,
    /// Tokens for attempts, when the connector has a `rate_limit`.
    bucket: Option<TokenBucket>,
    /// The timer for the next token or the end of a pause.
    resume: Option<(Instant, SpawnHandle)>,
    /// The latest pause, to name it on deliveries whose window it outlasted.
    last_hold: Option<Hold>,
}

/// Deliveries to attempt now (already leased to this node).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Dispatch(pub Vec<Job>);

/// Look in storage for due work.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

/// Stop starting attempts, give queued work back, answer when idle.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drain;

/// [`Drain`], then stop for good (the connector was removed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Retire;

impl ConnectorActor {
    /// A new actor; start it with `Supervisor::start_in_arbiter`.
    pub fn new(s: ConnectorSettings) -> Self {
        s.pacing.set_rate_limit(&s.name, s.rate_limit);
        ConnectorActor {
            bucket: s.rate_limit.map(|l| TokenBucket::new(l, Instant::now())),
            resume: None,
            last_hold: None,
            breaker: Breaker::new(s.breaker, s.breaker_cooldown),
            probe_timer: None,
            health: HealthDelta::default(),
            health_flush_pending: false,
            s,
            in_flight: 0,
            queue: VecDeque::new(),
            more_in_storage: true,
            saturated: false,
            pulling: false,
            wake: None,
            draining: None,
            restarted: false,
        }
    }

    /// How long a leased job may wait in the queue: it must start early
    /// enough to finish (timeout) and be recorded before its lease runs out,
    /// or another node could attempt it at the same time.
    fn start_window(&self) -> Duration {
        let lease = self.s.lease;
        lease
            .saturating_sub(self.s.http.timeout())
            .saturating_sub(lease / 4)
            .max(lease / 4)
    }

    fn enqueue(&mut self, jobs: Vec<Job>, leased_at: Instant) {
        let start_by = leased_at + self.start_window();
        self.queue.extend(jobs.into_iter().map(|j| (j, start_by)));
    }

    fn fill(&mut self, ctx: &mut Context<Self>) {
        if self.draining.is_some() {
            return self.finish_drain_if_idle();
        }
        if let Some(hold) = self.s.pacing.held(&self.s.name, now_ms()) {
            return self.hold_for_pause(hold, ctx);
        }
        let now = Instant::now();
        match self.breaker.gate(now) {
            Gate::Free => {}
            Gate::Shut(probe_at) => return self.hold(probe_at, ctx),
            // The probe waits for attempts started before the breaker opened.
            Gate::Probe if self.in_flight > 0 => return,
            Gate::Probe => return self.probe(ctx),
        }
        let mut stale = Vec::new();
        while self.in_flight < self.s.concurrency {
            let Some((job, start_by)) = self.queue.pop_front() else {
                break;
            };
            if start_by < now {
                stale.push(job.delivery_id);
                continue;
            }
            if self.out_of_time(&job) {
                self.expire(job, ctx);
                continue;
            }
            if !self.paced(now, ctx) {
                self.queue.push_front((job, start_by));
                break;
            }
            self.start(job, ctx);
        }
        if !stale.is_empty() {
            // Waited too long: give them back for any node to lease afresh.
            self.more_in_storage = true;
            self.release(stale, ctx);
        }
        if self.saturated && self.queue.len() <= self.queue_cap() / 2 {
            self.set_saturated(false);
        }
        if self.queue.is_empty() && self.in_flight < self.s.concurrency && self.more_in_storage {
            self.pull(ctx);
        }
    }

    /// Breaker open: sleep until the probe; nothing polls. New deliveries
    /// wait in storage rather than being leased to this actor, and the queue
    /// stays as it is, so an open breaker costs no writes (handing thousands
    /// of queued leases back at once would stall every other connector's
    /// writes at the moment a target fails). Queued jobs whose lease window
    /// passes meanwhile are handed back when the actor next looks at them.
    fn hold(&mut self, probe_at: Option<Instant>, ctx: &mut Context<Self>) {
        if !self.saturated {
            self.set_saturated(true);
        }
        if let (Some(at), None) = (probe_at, self.probe_timer) {
            let delay = at.saturating_duration_since(Instant::now());
            self.probe_timer = Some(ctx.run_later(delay, |act, ctx| {
                act.probe_timer = None;
                act.more_in_storage = true;
                act.fill(ctx);
            }));
        }
    }

    /// Cooldown over: one attempt goes out as the probe.
    fn probe(&mut self, ctx: &mut Context<Self>) {
        let now = Instant::now();
        let mut stale = Vec::new();
        let mut probe = None;
        while let Some((job, start_by)) = self.queue.pop_front() {
            if start_by < now {
                stale.push(job.delivery_id);
            } else if self.out_of_time(&job) {
                self.expire(job, ctx);
            } else {
                probe = Some(job);
                break;
            }
        }
        if !stale.is_empty() {
            self.more_in_storage = true;
            self.release(stale, ctx);
        }
        let Some(job) = probe else {
            self.more_in_storage = true;
            return self.pull(ctx);
        };
        tracing::info!(connector = %self.s.name, delivery = %job.delivery_id, "circuit breaker: probing the target");
        self.breaker.probing();
        self.publish_breaker();
        self.start(job, ctx);
        self.hold(None, ctx)
    }

    /// Whether the delivery's retry window closed while it waited (for an
    /// open breaker, usually): no attempt may start after `retry_for`.
    fn out_of_time(&self, job: &Job) -> bool {
        job.first_attempt_at
            .is_some_and(|first| !self.s.policy.within_window(first, now_ms()))
    }

    fn expire(&mut self, job: Job, ctx: &mut Context<Self>) {
        let outlasted = |h: &&Hold| {
            job.first_attempt_at
                .is_some_and(|first| !self.s.policy.within_window(first, h.until))
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
        tracing::warn!(connector = %self.s.name, delivery = %job.delivery_id, "{reason}");
        let store = self.s.store.clone();
        let metrics = self.s.metrics.clone();
        let name = self.s.name.clone();
        ctx.spawn(
            async move {
                match store.expire(&job.delivery_id, &reason).await {
                    Ok(()) => metrics.delivery_expired(&name),
                    Err(e) => tracing::warn!(delivery = %job.delivery_id, error = %e, "cannot fail an expired delivery; it is tried again"),
                }
            }
            .into_actor(self),
        );
    }

    fn publish_breaker(&self) {
        self.s.health.breaker(&self.s.name, self.breaker.public());
    }

    fn pull(&mut self, ctx: &mut Context<Self>) {
        if self.pulling || self.draining.is_some() {
            return;
        }
        self.pulling = true;
        let limit = if self.breaker.public() == crate::health::BreakerState::Closed {
            (self.s.concurrency * 2)
                .saturating_sub(self.in_flight + self.queue.len())
                .max(1)
        } else {
            1
        };
        let store = self.s.store.clone();
        let name = self.s.name.clone();
        let lease = Lease::new(self.s.node.clone(), self.s.lease);
        let leased_at = Instant::now();
        let fut = async move { store.lease_due(&name, &lease, limit).await };
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
            act.pulling = false;
            match res {
                Ok(jobs) => {
                    act.more_in_storage = jobs.len() == limit;
                    act.enqueue(jobs, leased_at);
                    if !act.more_in_storage {
                        act.schedule_next_due(ctx);
                    }
                }
                Err(e) => {
                    tracing::error!(connector = %act.s.name, error = %e, "cannot lease due deliveries; retrying in 1s");
                    act.schedule_wake(now_ms() + 1000, ctx);
                }
            }
            act.fill(ctx);
        }));
    }

    fn schedule_next_due(&mut self, ctx: &mut Context<Self>) {
        let store = self.s.store.clone();
        let name = self.s.name.clone();
        let fut = async move { store.next_due(&name).await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(Some(at)) => act.schedule_wake(at.max(now_ms() + 1), ctx),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(connector = %act.s.name, error = %e, "cannot read next due time; retrying in 1s");
                act.schedule_wake(now_ms() + 1000, ctx);
            }
        }));
    }

    /// Keeps one timer, for the earliest known due time.
    fn schedule_wake(&mut self, at: Millis, ctx: &mut Context<Self>) {
        if let Some((current, handle)) = self.wake {
            if current <= at {
                return;
            }
            ctx.cancel_future(handle);
        }
        let delay = Duration::from_millis((at - now_ms()).max(0) as u64);
        let handle = ctx.run_later(delay, |act, ctx| {
            act.wake = None;
            act.more_in_storage = true;
            act.fill(ctx);
        });
        self.wake = Some((at, handle));
    }

    fn start(&mut self, job: Job, ctx: &mut Context<Self>) {
        self.in_flight += 1;
        let s = self.s.clone();
        let fut = async move { attempt::attempt(&s, job).await };
        ctx.spawn(fut.into_actor(self).map(|(next, panicked, success), act, ctx| {
            act.in_flight -= 1;
            act.observe(success, ctx);
            if let Some(NextStep::RetryAt(at)) = next {
                act.schedule_wake(at, ctx);
            }
            if panicked {
                tracing::error!(connector = %act.s.name, "connector panicked; restarting its actor");
                ctx.stop();
                return;
            }
            act.fill(ctx);
        }));
    }

    /// While saturated, ingest stores this connector's new deliveries due but
    /// unleased; clearing it means they are in storage to pull.
    fn set_saturated(&mut self, saturated: bool) {
        self.saturated = saturated;
        self.s.subscriptions.set_saturated(&self.s.name, saturated);
        if !saturated {
            self.more_in_storage = true;
        }
    }

    /// Feeds an attempt's outcome to the breaker and the health record.
    fn observe(&mut self, success: bool, ctx: &mut Context<Self>) {
        let before = self.breaker.public();
        self.breaker.outcome(success, Instant::now());
        let after = self.breaker.public();
        if before != after {
            tracing::warn!(connector = %self.s.name, breaker = ?after, "circuit breaker changed");
            self.publish_breaker();
        }
        self.s.health.attempt(&self.s.name, success);
        self.health.add(success, now_ms());
        if !self.health_flush_pending {
            self.health_flush_pending = true;
            ctx.run_later(HEALTH_FLUSH, |act, ctx| act.flush_health(ctx));
        }
    }

    fn flush_health(&mut self, ctx: &mut Context<Self>) {
        let delta = std::mem::take(&mut self.health);
        if delta.is_empty() {
            self.health_flush_pending = false;
            return;
        }
        let store = self.s.store.clone();
        let name = self.s.name.clone();
        let fut = async move { store.record_health(&name, &delta).await };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            act.health_flush_pending = false;
            match res {
                Ok(record) => act.disable_if_failing_too_long(&record, ctx),
                Err(e) => {
                    tracing::warn!(connector = %act.s.name, error = %e, "cannot record health; the counts lag")
                }
            }
            if !act.health.is_empty() {
                act.health_flush_pending = true;
                ctx.run_later(HEALTH_FLUSH, |act, ctx| act.flush_health(ctx));
            }
        }));
    }

    /// `[delivery] disable_after`: every attempt failed for that long.
    fn disable_if_failing_too_long(&mut self, h: &HealthRecord, ctx: &mut Context<Self>) {
        let limit = self.s.disable_after;
        let Some(since) = h.failing_since else {
            return;
        };
        if limit.is_zero()
            || h.consecutive_failures == 0
            || now_ms() - since < limit.as_millis() as i64
            || self.s.subscriptions.is_disabled(&self.s.name)
        {
            return;
        }
        let reason = format!(
            "every attempt failed for {} (since {}); fix the target, then re-enable it with PATCH {{\"enabled\": true}} and replay its disabled deliveries",
            humantime::format_duration(limit),
            rfc3339(since)
        );
        self.disable(reason, ctx);
    }

    fn disable(&mut self, reason: String, ctx: &mut Context<Self>) {
        self.s.subscriptions.set_disabled(&self.s.name, true);
        tracing::warn!(connector = %self.s.name, "disabled: {reason}");
        let store = self.s.store.clone();
        let name = self.s.name.clone();
        ctx.spawn(
            async move {
                if let Err(e) = store.set_disabled(&name, Some(&reason)).await {
                    tracing::error!(connector = %name, error = %e, "cannot record disabled connector");
                }
            }
            .into_actor(self),
        );
    }

    fn overflow(&mut self, ctx: &mut Context<Self>) {
        let cap = self.queue_cap();
        if self.queue.len() <= cap {
            return;
        }
        self.set_saturated(true);
        let spill: Vec<String> = self
            .queue
            .drain(cap..)
            .map(|(j, _)| j.delivery_id)
            .collect();
        self.more_in_storage = true;
        self.release(spill, ctx);
    }

    fn release(&mut self, ids: Vec<String>, ctx: &mut Context<Self>) {
        if ids.is_empty() {
            return;
        }
        let store = self.s.store.clone();
        let node = self.s.node.clone();
        ctx.spawn(
            async move {
                if let Err(e) = store.release(&node, ids).await {
                    tracing::warn!(error = %e, "cannot release leases; they expire on their own");
                }
            }
            .into_actor(self),
        );
    }

    fn finish_drain_if_idle(&mut self) {
        if self.in_flight == 0 {
            for tx in self.draining.iter_mut().flat_map(std::mem::take) {
                let _ = tx.send(());
            }
        }
    }
}

impl Actor for ConnectorActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let store = self.s.store.clone();
        let (name, node) = (self.s.name.clone(), self.s.node.clone());
        // Whatever this node held for this connector was lost with the old
        // actor's (or process's) in-flight futures: give it back before
        // pulling again.
        if self.restarted || self.s.release_on_start {
            ctx.wait(
                async move {
                    if let Err(e) = store.release_node(&name, &node).await {
                        tracing::warn!(connector = %name, error = %e, "cannot release old leases; they expire on their own");
                    }
                }
                .into_actor(self),
            );
        }
        if let Some(every) = self.s.poll {
            ctx.run_interval(every, |act, ctx| {
                act.more_in_storage = true;
                act.fill(ctx);
            });
        }
        self.more_in_storage = true;
        self.fill(ctx);
    }
}

impl Supervised for ConnectorActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.restarted = true;
        self.in_flight = 0;
        self.queue.clear();
        self.set_saturated(false);
        self.pulling = false;
        self.wake = None;
        self.probe_timer = None;
        self.resume = None;
    }
}

impl Handler<Dispatch> for ConnectorActor {
    type Result = ();

    fn handle(&mut self, Dispatch(jobs): Dispatch, ctx: &mut Context<Self>) {
        if self.draining.is_some() {
            let ids = jobs.into_iter().map(|j| j.delivery_id).collect();
            return self.release(ids, ctx);
        }
        self.enqueue(jobs, Instant::now());
        self.overflow(ctx);
        self.fill(ctx);
    }
}

impl Handler<Wake> for ConnectorActor {
    type Result = ();

    fn handle(&mut self, _: Wake, ctx: &mut Context<Self>) {
        self.more_in_storage = true;
        self.fill(ctx);
    }
}

impl Handler<Drain> for ConnectorActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Drain, _: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.draining.get_or_insert_with(Vec::new).push(tx);
        let queued: Vec<String> = self.queue.drain(..).map(|(j, _)| j.delivery_id).collect();
        let store = self.s.store.clone();
        let node = self.s.node.clone();
        self.finish_drain_if_idle();
        Box::pin(async move {
            if !queued.is_empty() {
                let _ = store.release(&node, queued).await;
            }
            let _ = rx.await;
        })
    }
}

impl Handler<Retire> for ConnectorActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: Retire, ctx: &mut Context<Self>) -> Self::Result {
        let drained = <Self as Handler<Drain>>::handle(self, Drain, ctx);
        Box::pin(drained.into_actor(self).map(|(), _, ctx| ctx.stop()))
    }
}
