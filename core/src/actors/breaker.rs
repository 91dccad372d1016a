//! The circuit breaker of one connector actor. It opens only on a target that
//! is clearly down: at least `failures` failed attempts in a row AND no
//! success for at least `window` (counted from the first failure of the
//! streak), so a flaky target whose attempts still succeed now and then, or a
//! short burst of failures, never pauses it. Open, it lets one probe through
//! per cooldown (doubling after each failed probe, up to [`MAX_FACTOR`] times
//! the first) until one succeeds. A pure state machine: the actor asks it
//! before starting attempts.

use std::time::{Duration, Instant};

use crate::health::BreakerState;

/// The cooldown grows to at most this multiple of the configured one.
pub const MAX_FACTOR: u32 = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed,
    Open {
        until: Instant,
    },
    /// Cooldown over: the next attempt is the probe.
    Ready,
    Probing,
}

/// What the actor may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gate {
    /// Send as usual.
    Free,
    /// Send exactly one attempt (the probe), then wait for its outcome.
    Probe,
    /// Send nothing; a probe may go at `Some(instant)`.
    Shut(Option<Instant>),
}

/// When the breaker opens (`[delivery] breaker_failures` and `breaker_window`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TripRule {
    /// Failed attempts in a row needed; 0 never opens.
    pub failures: u32,
    /// How long the streak must have lasted without a success.
    pub window: Duration,
}

#[derive(Debug)]
pub(super) struct Breaker {
    rule: TripRule,
    base: Duration,
    cooldown: Duration,
    failures: u32,
    /// First failure after the last success.
    failing_since: Option<Instant>,
    state: State,
}

impl Breaker {
    /// A closed breaker; `rule.failures` 0 never opens.
    pub(super) fn new(rule: TripRule, cooldown: Duration) -> Self {
        Breaker {
            rule,
            base: cooldown,
            cooldown,
            failures: 0,
            failing_since: None,
            state: State::Closed,
        }
    }

    pub(super) fn gate(&mut self, now: Instant) -> Gate {
        match self.state {
            State::Closed => Gate::Free,
            State::Open { until } if now >= until => {
                self.state = State::Ready;
                Gate::Probe
            }
            State::Open { until } => Gate::Shut(Some(until)),
            State::Ready => Gate::Probe,
            State::Probing => Gate::Shut(None),
        }
    }

    /// The probe was started.
    pub(super) fn probing(&mut self) {
        if self.state == State::Ready {
            self.state = State::Probing;
        }
    }

    /// An attempt ended.
    pub(super) fn outcome(&mut self, success: bool, now: Instant) {
        if success {
            self.failures = 0;
            self.failing_since = None;
            self.cooldown = self.base;
            self.state = State::Closed;
            return;
        }
        self.failures = self.failures.saturating_add(1);
        let since = *self.failing_since.get_or_insert(now);
        match self.state {
            State::Probing => {
                self.cooldown = (self.cooldown * 2).min(self.base * MAX_FACTOR);
                self.state = State::Open {
                    until: now + self.cooldown,
                };
            }
            State::Closed if self.dead(since, now) => {
                self.state = State::Open {
                    until: now + self.cooldown,
                };
            }
            // Attempts started before the breaker opened, ending now.
            _ => {}
        }
    }

    /// Both halves of the rule: enough failures in a row, for long enough.
    fn dead(&self, failing_since: Instant, now: Instant) -> bool {
        self.rule.failures > 0
            && self.failures >= self.rule.failures
            && now.saturating_duration_since(failing_since) >= self.rule.window
    }

    /// The position the API shows.
    pub(super) fn public(&self) -> BreakerState {
        match self.state {
            State::Closed => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::Ready | State::Probing => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(failures: u32, window: Duration) -> TripRule {
        TripRule { failures, window }
    }

    #[test]
    fn opens_probes_backs_off_and_closes() {
        let base = Duration::from_secs(30);
        let mut b = Breaker::new(rule(3, Duration::ZERO), base);
        let t0 = Instant::now();
        for _ in 0..2 {
            b.outcome(false, t0);
            assert_eq!(b.gate(t0), Gate::Free);
        }
        b.outcome(false, t0);
        assert_eq!(b.gate(t0), Gate::Shut(Some(t0 + base)));
        assert_eq!(b.public(), BreakerState::Open);
        // Cooldown over: one probe, nothing else until it ends.
        let t1 = t0 + base;
        assert_eq!(b.gate(t1), Gate::Probe);
        b.probing();
        assert_eq!(b.gate(t1), Gate::Shut(None));
        // A failed probe doubles the wait.
        b.outcome(false, t1);
        assert_eq!(b.gate(t1), Gate::Shut(Some(t1 + base * 2)));
        let t2 = t1 + base * 2;
        assert_eq!(b.gate(t2), Gate::Probe);
        b.probing();
        b.outcome(true, t2);
        assert_eq!(b.gate(t2), Gate::Free);
        assert_eq!(b.public(), BreakerState::Closed);
    }

    #[test]
    fn cooldown_is_capped_and_zero_threshold_never_opens() {
        let base = Duration::from_millis(10);
        let mut b = Breaker::new(rule(1, Duration::ZERO), base);
        let mut now = Instant::now();
        b.outcome(false, now);
        for _ in 0..10 {
            let Gate::Shut(Some(until)) = b.gate(now) else {
                panic!("open")
            };
            now = until;
            assert_eq!(b.gate(now), Gate::Probe);
            b.probing();
            b.outcome(false, now);
        }
        assert_eq!(b.gate(now), Gate::Shut(Some(now + base * MAX_FACTOR)));

        let mut off = Breaker::new(rule(0, Duration::ZERO), base);
        for _ in 0..100 {
            off.outcome(false, now);
        }
        assert_eq!(off.gate(now), Gate::Free);
    }

    #[test]
    fn a_burst_of_failures_shorter_than_the_window_does_not_open() {
        let window = Duration::from_secs(30);
        let mut b = Breaker::new(rule(5, window), Duration::from_secs(30));
        let t0 = Instant::now();
        // Fifty failures in a second (every queued event failing once at once).
        for i in 0..50 {
            b.outcome(false, t0 + Duration::from_millis(i * 20));
        }
        assert_eq!(b.gate(t0 + Duration::from_secs(1)), Gate::Free);
        // A success ends the streak: the window starts over.
        b.outcome(true, t0 + Duration::from_secs(20));
        for s in 21..45 {
            b.outcome(false, t0 + Duration::from_secs(s));
        }
        assert_eq!(b.public(), BreakerState::Closed);
    }

    #[test]
    fn fails_twice_then_succeeds_never_opens() {
        let mut b = Breaker::new(rule(5, Duration::from_secs(30)), Duration::from_secs(30));
        let mut now = Instant::now();
        for _ in 0..1000 {
            b.outcome(false, now);
            b.outcome(false, now + Duration::from_secs(5));
            now += Duration::from_secs(15);
            b.outcome(true, now);
            assert_eq!(b.gate(now), Gate::Free);
        }
    }

    #[test]
    fn one_success_in_five_keeps_it_closed_however_sparse() {
        let mut b = Breaker::new(rule(5, Duration::from_secs(30)), Duration::from_secs(30));
        let mut now = Instant::now();
        for i in 0..1000 {
            // One attempt a minute: the window alone would be exceeded.
            now += Duration::from_secs(60);
            b.outcome(i % 5 == 4, now);
            assert_eq!(b.gate(now), Gate::Free, "attempt {i}");
        }
    }

    #[test]
    fn a_dead_target_opens_once_the_streak_lasts_the_window() {
        let window = Duration::from_secs(30);
        let mut b = Breaker::new(rule(5, window), Duration::from_secs(10));
        let t0 = Instant::now();
        // Refused connections, retried with backoff: 0, 1, 3, 7, 15 s...
        for s in [0, 1, 3, 7, 15] {
            b.outcome(false, t0 + Duration::from_secs(s));
            assert_eq!(b.public(), BreakerState::Closed, "at {s}s");
        }
        let t = t0 + Duration::from_secs(31);
        b.outcome(false, t);
        assert_eq!(b.gate(t), Gate::Shut(Some(t + Duration::from_secs(10))));
        // Probed as before, and a successful probe closes it.
        let t = t + Duration::from_secs(10);
        assert_eq!(b.gate(t), Gate::Probe);
        b.probing();
        b.outcome(true, t);
        assert_eq!(b.gate(t), Gate::Free);
        // The next streak needs the whole window again.
        for i in 0..10 {
            b.outcome(false, t + Duration::from_millis(i));
        }
        assert_eq!(b.public(), BreakerState::Closed);
    }
}
