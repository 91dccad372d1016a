//! The connector actor's mailbox: the leased jobs waiting for an attempt
//! slot, each with the instant it must start by, and what the actor knows of
//! storage (whether more may be due there, whether a pull is running).
//!
//! A plain struct that decides and returns what to do (start this job, hand
//! those back, wait for a token until T); the actor carries it out. Every
//! method takes the time it runs at, so tests drive it with made-up instants.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use crate::{
    delivery::Job,
    pacing::{Hold, TokenBucket},
    retry::RetryPolicy,
    time::Millis,
};

/// A leased job and the instant it must start by.
#[derive(Debug)]
struct Queued {
    job: Job,
    start_by: Instant,
}

/// What the actor does with the head of the queue.
#[derive(Debug)]
pub(super) enum Next {
    /// Attempt it now (a slot and a token were taken).
    Start(Job),
    /// It waited past its start window: hand it back for any node to lease
    /// afresh (its lease could run out mid-attempt).
    Stale(Job),
    /// Its retry window closed while it waited: fail it.
    OutOfTime(Job),
    /// No token for the next attempt before this instant.
    PacedUntil(Instant),
}

/// What a pause does to the queued jobs ([`Mailbox::hold_for`]).
#[derive(Debug, Default)]
pub(super) struct Held {
    /// Their retry window closes before the pause ends: they fail now.
    pub expired: Vec<Job>,
    /// Their start window closes before the pause ends: back to storage,
    /// due when it ends.
    pub deferred: Vec<String>,
}

/// The queue and the storage bookkeeping of one connector actor.
#[derive(Debug)]
pub(super) struct Mailbox {
    queue: VecDeque<Queued>,
    /// How long a leased job may wait before it must start.
    window: Duration,
    /// Jobs kept in memory at most.
    cap: usize,
    concurrency: usize,
    in_flight: usize,
    policy: RetryPolicy,
    /// Tokens for attempts, when the connector has a `rate_limit`.
    bucket: Option<TokenBucket>,
    /// Storage may hold due work for this connector that is not queued here.
    more_in_storage: bool,
    pulling: bool,
    /// Queue full: ingest parks new deliveries in storage instead of sending them.
    saturated: bool,
}

/// The fixed limits a mailbox works within.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Lease duration.
    pub lease: Duration,
    /// Attempt timeout.
    pub timeout: Duration,
    /// Attempts in flight at most.
    pub concurrency: usize,
    /// Jobs queued at most (`[delivery] queue_limit`).
    pub queue_limit: usize,
}

impl Mailbox {
    /// An empty mailbox that expects due work in storage.
    pub(super) fn new(limits: Limits, policy: RetryPolicy, bucket: Option<TokenBucket>) -> Self {
        let window = start_window(limits.lease, limits.timeout);
        // With a `rate_limit`, no more than can start before their lease
        // window closes (more would only go stale and be handed back).
        let cap = match &bucket {
            Some(b) => b.capacity(window).clamp(1, limits.queue_limit),
            None => limits.queue_limit,
        };
        Mailbox {
            queue: VecDeque::new(),
            window,
            cap,
            concurrency: limits.concurrency,
            in_flight: 0,
            policy,
            bucket,
            more_in_storage: true,
            pulling: false,
            saturated: false,
        }
    }

    /// Queues jobs leased at `leased_at`.
    pub(super) fn enqueue(&mut self, jobs: impl IntoIterator<Item = Job>, leased_at: Instant) {
        let start_by = leased_at + self.window;
        self.queue
            .extend(jobs.into_iter().map(|job| Queued { job, start_by }));
    }

    /// The next thing to do with the queue, if a slot is free: `None` when
    /// every slot is taken or nothing is queued.
    pub(super) fn next(&mut self, now: Instant, now_ms: Millis) -> Option<Next> {
        if self.in_flight >= self.concurrency {
            return None;
        }
        let queued = match self.pop(now, now_ms)? {
            Ok(queued) => queued,
            Err(next) => return Some(next),
        };
        if let Some(Err(ready)) = self.bucket.as_mut().map(|b| b.take(now)) {
            self.queue.push_front(queued);
            return Some(Next::PacedUntil(ready));
        }
        self.in_flight += 1;
        Some(Next::Start(queued.job))
    }

    /// The breaker's probe: the first job still good to go, regardless of
    /// slots and tokens, or what to do with the one in front of it.
    pub(super) fn next_probe(&mut self, now: Instant, now_ms: Millis) -> Option<Next> {
        let queued = match self.pop(now, now_ms)? {
            Ok(queued) => queued,
            Err(next) => return Some(next),
        };
        self.in_flight += 1;
        Some(Next::Start(queued.job))
    }

    /// The front job if it may start, else what must become of it.
    fn pop(&mut self, now: Instant, now_ms: Millis) -> Option<Result<Queued, Next>> {
        let queued = self.queue.pop_front()?;
        Some(if queued.start_by < now {
            self.more_in_storage = true;
            Err(Next::Stale(queued.job))
        } else if self.out_of_time(&queued.job, now_ms) {
            Err(Next::OutOfTime(queued.job))
        } else {
            Ok(queued)
        })
    }

    /// Whether the delivery's retry window is closed at `at`: no attempt may
    /// start after `retry_for`.
    pub(super) fn out_of_time(&self, job: &Job, at: Millis) -> bool {
        job.first_attempt_at
            .is_some_and(|first| !self.policy.within_window(first, at))
    }

    /// An attempt ended.
    pub(super) fn finished(&mut self) {
        self.in_flight -= 1;
    }

    /// Attempts in flight.
    pub(super) fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// A pause holds everything until `until` (`end` on this clock): splits
    /// the queue into jobs that fail now, jobs handed back, and jobs that
    /// wait here (without a write).
    pub(super) fn hold_for(&mut self, hold: &Hold, end: Instant) -> Held {
        let mut held = Held::default();
        for queued in std::mem::take(&mut self.queue) {
            if self.out_of_time(&queued.job, hold.until) {
                held.expired.push(queued.job);
            } else if queued.start_by < end {
                held.deferred.push(queued.job.delivery_id);
            } else {
                self.queue.push_back(queued);
            }
        }
        if !held.deferred.is_empty() {
            self.more_in_storage = true;
        }
        held
    }

    /// Jobs over the cap, to hand back; the mailbox is saturated then.
    pub(super) fn overflow(&mut self) -> Vec<String> {
        if self.queue.len() <= self.cap {
            return Vec::new();
        }
        self.saturated = true;
        self.more_in_storage = true;
        self.queue
            .drain(self.cap..)
            .map(|q| q.job.delivery_id)
            .collect()
    }

    /// Every queued job, to hand back (draining).
    pub(super) fn take_all(&mut self) -> Vec<String> {
        self.queue.drain(..).map(|q| q.job.delivery_id).collect()
    }

    /// Marks the mailbox saturated; true if it was not.
    pub(super) fn saturate(&mut self) -> bool {
        !std::mem::replace(&mut self.saturated, true)
    }

    /// Ends saturation once the queue has room again (half the cap): true
    /// if it did, and the deliveries parked meanwhile are in storage to pull.
    pub(super) fn relieve(&mut self) -> bool {
        if !self.saturated || self.queue.len() > self.cap / 2 {
            return false;
        }
        self.unsaturate();
        true
    }

    fn unsaturate(&mut self) {
        self.saturated = false;
        self.more_in_storage = true;
    }

    /// Storage may hold due work (a wake-up, a timer, a released lease).
    pub(super) fn expect_more(&mut self) {
        self.more_in_storage = true;
    }

    /// Starts a pull from storage if one is due (queue empty, a slot free,
    /// more may be there, none running): how many jobs to lease at most. An
    /// open breaker leases one at a time (the probe).
    pub(super) fn begin_pull(&mut self, breaker_closed: bool) -> Option<usize> {
        let wanted = self.queue.is_empty()
            && self.in_flight < self.concurrency
            && self.more_in_storage
            && !self.pulling;
        if !wanted {
            return None;
        }
        self.pulling = true;
        Some(if breaker_closed {
            (self.concurrency * 2)
                .saturating_sub(self.in_flight + self.queue.len())
                .max(1)
        } else {
            1
        })
    }

    /// A pull of at most `limit` returned `jobs`, leased at `leased_at`.
    /// Returns whether storage may hold more (else the next due time is
    /// worth asking for).
    pub(super) fn pulled(&mut self, jobs: Vec<Job>, limit: usize, leased_at: Instant) -> bool {
        self.pulling = false;
        self.more_in_storage = jobs.len() == limit;
        self.enqueue(jobs, leased_at);
        self.more_in_storage
    }

    /// A pull failed.
    pub(super) fn pull_failed(&mut self) {
        self.pulling = false;
    }

    /// Forgets everything in memory (the actor restarts; storage keeps it)
    /// and is no longer saturated.
    pub(super) fn reset(&mut self) {
        self.in_flight = 0;
        self.queue.clear();
        self.pulling = false;
        self.unsaturate();
    }
}

/// How long a leased job may wait in the queue: it must start early enough
/// to finish (timeout) and be recorded before its lease runs out, or another
/// node could attempt it at the same time.
fn start_window(lease: Duration, timeout: Duration) -> Duration {
    lease
        .saturating_sub(timeout)
        .saturating_sub(lease / 4)
        .max(lease / 4)
}

#[cfg(test)]
#[path = "mailbox_tests.rs"]
mod tests;
