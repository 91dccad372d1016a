//! The circuit breaker of one connector actor: after `threshold` failures in
//! a row it stops attempts, then lets one probe through per cooldown (doubling
//! after each failed probe, up to [`MAX_FACTOR`] times the first) until one
//! succeeds. A pure state machine: the actor asks it before starting attempts.

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

#[derive(Debug)]
pub(super) struct Breaker {
    threshold: u32,
    base: Duration,
    cooldown: Duration,
    failures: u32,
    state: State,
}

impl Breaker {
    /// `threshold` 0 never opens.
    pub(super) fn new(threshold: u32, cooldown: Duration) -> Self {
        Breaker {
            threshold,
            base: cooldown,
            cooldown,
            failures: 0,
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
            self.cooldown = self.base;
            self.state = State::Closed;
            return;
        }
        self.failures = self.failures.saturating_add(1);
        match self.state {
            State::Probing => {
                self.cooldown = (self.cooldown * 2).min(self.base * MAX_FACTOR);
                self.state = State::Open {
                    until: now + self.cooldown,
                };
            }
            State::Closed if self.threshold > 0 && self.failures >= self.threshold => {
                self.state = State::Open {
                    until: now + self.cooldown,
                };
            }
            // Attempts started before the breaker opened, ending now.
            _ => {}
        }
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

    #[test]
    fn opens_probes_backs_off_and_closes() {
        let base = Duration::from_secs(30);
        let mut b = Breaker::new(3, base);
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
        let mut b = Breaker::new(1, base);
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

        let mut off = Breaker::new(0, base);
        for _ in 0..100 {
            off.outcome(false, now);
        }
        assert_eq!(off.gate(now), Gate::Free);
    }
}
