//! When to try again: exponential backoff with jitter, `Retry-After`, and the
//! overall retry window. Connectors say *whether* to retry; this says *when*.

use std::time::Duration;

use rand::Rng;

use crate::config::DeliveryConfig;

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
        let base = self.backoff(n);
        let jittered = base.mul_f64(rand::thread_rng().gen_range(1.0..1.2));
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

    #[test]
    fn window_closes_after_retry_for() {
        let p = policy();
        assert!(p.within_window(0, 86_400_000));
        assert!(!p.within_window(0, 86_400_001));
    }
}
