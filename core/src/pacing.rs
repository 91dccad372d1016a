//! Pacing: how fast a connector's attempts may start (`rate_limit`, a token
//! bucket per actor) and the pauses its target asked for (a 429 with
//! `Retry-After`, `X-RateLimit-Remaining: 0`, a vendor's quota answer).
//!
//! The token bucket is pure and lives in the connector actor. Pauses are kept
//! on a [`PacingBoard`] shared by the actors and the admin API: an attempt
//! that ends while its connector is paused is rescheduled past the pause,
//! whichever attempt learned it. Like the breaker, both are this node's view.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::Serialize;

use crate::{
    config::RateLimit,
    connector::Pause,
    time::{rfc3339, Millis},
};

/// A pause lasts at most this long, whatever the target said: a daily quota
/// resets within a day, and a bogus header must not park a connector for good.
pub const MAX_PAUSE: Duration = Duration::from_secs(24 * 3600);

/// A token bucket: `burst` tokens, refilled at `per_second`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: RateLimit, now: Instant) -> Self {
        TokenBucket {
            limit,
            tokens: f64::from(limit.burst),
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens =
            (self.tokens + elapsed * self.limit.per_second).min(f64::from(self.limit.burst));
        self.at = self.at.max(now);
    }

    /// Takes a token, or says when the next one is there.
    pub fn take(&mut self, now: Instant) -> Result<(), Instant> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let missing = 1.0 - self.tokens;
        Err(now + Duration::from_secs_f64(missing / self.limit.per_second))
    }

    /// Attempts that can start within `window` from a full bucket.
    pub fn capacity(&self, window: Duration) -> usize {
        f64::from(self.limit.burst) as usize
            + (self.limit.per_second * window.as_secs_f64()) as usize
    }
}

/// A pause in force: nothing of the connector starts before `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// When sending may resume.
    pub until: Millis,
    /// What the target said.
    pub reason: String,
}

#[derive(Debug, Default)]
struct Entry {
    rate_limit: Option<RateLimit>,
    hold: Option<Hold>,
}

/// This node's pacing of every connector: rate limits and pauses in force.
#[derive(Debug, Default)]
pub struct PacingBoard {
    entries: Mutex<HashMap<String, Entry>>,
}

impl PacingBoard {
    /// Records a connector's configured rate limit (for the API).
    pub fn set_rate_limit(&self, name: &str, limit: Option<RateLimit>) {
        let mut entries = self.entries.lock().expect("lock");
        entries.entry(name.to_owned()).or_default().rate_limit = limit;
    }

    /// Records the pause an answer asked for (if it ends later than the one
    /// in force) and returns the pause now in force, if any.
    pub fn learn(&self, name: &str, pause: Option<&Pause>, now: Millis) -> Option<Hold> {
        let mut entries = self.entries.lock().expect("lock");
        let entry = entries.entry(name.to_owned()).or_default();
        if entry.hold.as_ref().is_some_and(|h| h.until <= now) {
            entry.hold = None;
        }
        if let Some(p) = pause {
            let until = now + p.wait.min(MAX_PAUSE).as_millis() as Millis;
            if entry.hold.as_ref().is_none_or(|h| h.until < until) {
                tracing::warn!(connector = %name, until = %rfc3339(until), reason = %p.reason, "target asked for a pause; holding every delivery");
                entry.hold = Some(Hold {
                    until,
                    reason: p.reason.clone(),
                });
            }
        }
        entry.hold.clone()
    }

    /// The pause in force, if any.
    pub fn held(&self, name: &str, now: Millis) -> Option<Hold> {
        self.learn(name, None, now)
    }

    /// The API view of a connector's pacing.
    pub fn view(&self, name: &str, now: Millis) -> PacingView {
        let hold = self.held(name, now);
        let entries = self.entries.lock().expect("lock");
        PacingView {
            rate_limit: entries.get(name).and_then(|e| e.rate_limit),
            paused_until: hold.as_ref().map(|h| rfc3339(h.until)),
            reason: hold.map(|h| h.reason),
        }
    }
}

/// Pacing as `GET /v1/connectors` shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PacingView {
    /// The configured `rate_limit`; `null` when attempts are not paced.
    pub rate_limit: Option<RateLimit>,
    /// While the target asked for a pause (429 with `Retry-After`, rate-limit
    /// headers, a quota): when sending resumes (RFC 3339). This node's view.
    pub paused_until: Option<String>,
    /// What the target said, while paused.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_the_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(
            RateLimit {
                per_second: 10.0,
                burst: 3,
            },
            t0,
        );
        for _ in 0..3 {
            assert_eq!(b.take(t0), Ok(()));
        }
        let next = b.take(t0).unwrap_err();
        assert_eq!(next, t0 + Duration::from_millis(100));
        assert_eq!(b.take(next), Ok(()));
        // A quiet spell refills up to the burst, not beyond.
        let later = next + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(b.take(later), Ok(()));
        }
        assert!(b.take(later).is_err());
        assert_eq!(b.capacity(Duration::from_secs(2)), 23);
    }

    #[test]
    fn pauses_extend_expire_and_are_capped() {
        let board = PacingBoard::default();
        let pause = |secs, reason: &str| Pause {
            wait: Duration::from_secs(secs),
            reason: reason.into(),
        };
        assert_eq!(board.held("a", 0), None);
        let h = board.learn("a", Some(&pause(10, "window")), 0).unwrap();
        assert_eq!(h.until, 10_000);
        // A shorter pause does not shorten the one in force; a longer one wins.
        assert_eq!(
            board.learn("a", Some(&pause(2, "x")), 1_000).unwrap().until,
            10_000
        );
        let h = board
            .learn("a", Some(&pause(99_999_999, "quota")), 2_000)
            .unwrap();
        assert_eq!(h.until, 2_000 + MAX_PAUSE.as_millis() as Millis);
        assert_eq!(h.reason, "quota");
        assert_eq!(
            board.held("b", 2_000),
            None,
            "other connectors are unaffected"
        );
        assert_eq!(board.held("a", h.until), None, "over at its end");
        let v = board.view("a", 0);
        assert_eq!(v.paused_until, None);
    }
}
