//! When to try again: exponential backoff with jitter, `Retry-After`, and the
//! overall retry window. Connectors say *whether* to retry; this says *when*.

use std::time::Duration;

use rand::Rng;

use crate::{config::DeliveryConfig, connector::Verdict, delivery::NextStep, time::Millis};

/// `Retry-After` is honoured up to this, so a target cannot park a delivery forever.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The retry schedule of every delivery.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Wait before the first retry.
    pub first_retry: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
    /// Retrying stops this long after the first attempt.
    pub retry_for: Duration,
}

impl RetryPolicy {
    /// The schedule configured in `[delivery]`.
    pub fn from_config(c: &DeliveryConfig) -> Self {
        RetryPolicy {
            first_retry: c.first_retry,
            max_backoff: c.max_backoff,
            retry_for: c.retry_for,
        }
    }

    /// Nominal wait before retry number `n` (1-based): `first_retry * 2^(n-1)`, capped.
    pub fn backoff(&self, n: u32) -> Duration {
        let factor = 1u32
            .checked_shl(n.saturating_sub(1).min(31))
            .unwrap_or(u32::MAX);
        self.first_retry
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry `n`: the backoff plus up to 20% jitter (never less
    /// than nominal, so gaps always at least double), or a longer `Retry-After`.
    pub fn delay(&self, n: u32, retry_after: Option<Duration>) -> Duration {
        self.delay_jittered(n, retry_after, jitter())
    }

    /// [`delay`](Self::delay) with the jitter factor given (1.0 to 1.2).
    pub fn delay_jittered(&self, n: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let jittered = self.backoff(n).mul_f64(jitter);
        match retry_after {
            Some(ra) => jittered.max(ra.min(MAX_RETRY_AFTER)),
            None => jittered,
        }
    }

    /// Whether an attempt at `at_ms` would still be inside the retry window
    /// that opened with the first attempt at `first_ms`.
    pub fn within_window(&self, first_ms: i64, at_ms: i64) -> bool {
        at_ms <= first_ms.saturating_add(self.retry_for.as_millis() as i64)
    }

    /// Where a delivery goes after an attempt with this verdict. A retry
    /// waits `max(backoff, Retry-After)` and, while the connector is paused,
    /// for the pause's end too (not capped at an hour like `Retry-After`: a
    /// daily quota waits for its reset); one that would start after the
    /// retry window closes fails instead.
    pub fn next_step(&self, verdict: Verdict, attempt: &Attempted) -> NextStep {
        match verdict {
            Verdict::Delivered => NextStep::Succeeded,
            Verdict::Reject => NextStep::Failed,
            Verdict::Disable => NextStep::Disabled,
            Verdict::Retry { after } => {
                let wait = self.delay_jittered(attempt.number, after, attempt.jitter);
                let backoff = attempt.ended_at + wait.as_millis() as i64;
                let at = attempt
                    .held_until
                    .map_or(backoff, |until| backoff.max(until));
                if self.within_window(attempt.first_at, at) {
                    NextStep::RetryAt(at)
                } else {
                    NextStep::Failed
                }
            }
        }
    }
}

/// What the next step of a delivery depends on besides the verdict.
#[derive(Debug, Clone, Copy)]
pub struct Attempted {
    /// The attempt's 1-based number.
    pub number: u32,
    /// When the delivery's first attempt started (its retry window opened).
    pub first_at: Millis,
    /// When this attempt ended.
    pub ended_at: Millis,
    /// The end of a pause in force for the connector, if any.
    pub held_until: Option<Millis>,
    /// The jitter factor for the backoff (1.0 to 1.2; see [`jitter`]).
    pub jitter: f64,
}

/// A random jitter factor, 1.0 (inclusive) to 1.2 (exclusive).
pub fn jitter() -> f64 {
    rand::thread_rng().gen_range(1.0..1.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            first_retry: Duration::from_secs(5),
            max_backoff: Duration::from_secs(3600),
            retry_for: Duration::from_secs(86400),
        }
    }

    #[test]
    fn doubles_then_caps() {
        let p = policy();
        assert_eq!(p.backoff(1), Duration::from_secs(5));
        assert_eq!(p.backoff(2), Duration::from_secs(10));
        assert_eq!(p.backoff(3), Duration::from_secs(20));
        assert_eq!(p.backoff(40), Duration::from_secs(3600));
    }

    #[test]
    fn jitter_stays_within_twenty_percent_above_nominal() {
        let p = policy();
        for n in 1..10 {
            let d = p.delay(n, None);
            assert!(
                d >= p.backoff(n) && d <= p.backoff(n).mul_f64(1.2),
                "retry {n}: {d:?}"
            );
        }
    }

    #[test]
    fn retry_after_wins_when_longer_and_is_capped() {
        let p = policy();
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(60)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(99_999))),
            MAX_RETRY_AFTER
        );
        assert!(p.delay(1, Some(Duration::from_secs(1))) >= Duration::from_secs(5));
    }

    fn attempted(number: u32, ended_at: Millis, held_until: Option<Millis>) -> Attempted {
        Attempted {
            number,
            first_at: 0,
            ended_at,
            held_until,
            jitter: 1.1,
        }
    }

    fn retry(after: Option<u64>) -> Verdict {
        Verdict::Retry {
            after: after.map(Duration::from_secs),
        }
    }

    #[test]
    fn final_verdicts_end_the_delivery() {
        let p = policy();
        let a = attempted(1, 1000, None);
        assert_eq!(p.next_step(Verdict::Delivered, &a), NextStep::Succeeded);
        assert_eq!(p.next_step(Verdict::Reject, &a), NextStep::Failed);
        assert_eq!(p.next_step(Verdict::Disable, &a), NextStep::Disabled);
    }

    #[test]
    fn a_retry_is_due_after_the_jittered_backoff_or_a_longer_retry_after() {
        let p = policy();
        // Third attempt: 20 s nominal, 22 s with a 1.1 jitter.
        assert_eq!(
            p.next_step(retry(None), &attempted(3, 1000, None)),
            NextStep::RetryAt(23_000)
        );
        assert_eq!(
            p.next_step(retry(Some(90)), &attempted(3, 1000, None)),
            NextStep::RetryAt(91_000)
        );
    }

    #[test]
    fn a_pause_holds_the_retry_until_it_ends_even_past_an_hour() {
        let p = policy();
        let reset = 10 * 3_600_000;
        assert_eq!(
            p.next_step(retry(None), &attempted(1, 1000, Some(reset))),
            NextStep::RetryAt(reset)
        );
        // A pause shorter than the backoff changes nothing.
        assert_eq!(
            p.next_step(retry(None), &attempted(1, 1000, Some(2000))),
            NextStep::RetryAt(6500)
        );
    }

    #[test]
    fn a_retry_that_would_start_after_the_window_fails_instead() {
        let p = policy();
        let day = 86_400_000;
        assert_eq!(
            p.next_step(retry(None), &attempted(1, day - 5500, None)),
            NextStep::RetryAt(day)
        );
        assert_eq!(
            p.next_step(retry(None), &attempted(1, day - 5499, None)),
            NextStep::Failed
        );
        assert_eq!(
            p.next_step(retry(None), &attempted(1, 1000, Some(day + 1))),
            NextStep::Failed,
            "held past the window"
        );
    }

    #[test]
    fn window_closes_after_retry_for() {
        let p = policy();
        assert!(p.within_window(0, 86_400_000));
        assert!(!p.within_window(0, 86_400_001));
    }
}
