//! HubSpot's 429s. The body's `policyName` tells the rolling 10-second
//! window (retry soon) from the daily quota (nothing gets through until it
//! resets at midnight in the portal's time zone). Either way every delivery
//! of the connector should wait, so the outcome asks core to pause.
//! `Retry-After` is rarely sent and not relied on.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveTime, TimeZone, Timelike, Utc};
use serde_json::Value;
use switchboard_core::{connector::vendor, outbound::Response};

/// The rolling window when HubSpot does not say it.
const TEN_SECONDS: Duration = Duration::from_secs(10);
/// Search has its own per-second limit.
const ONE_SECOND: Duration = Duration::from_secs(1);

/// Which limit a 429 hit, and how long to hold every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// HubSpot's `policyName` (or `RATE_LIMIT` when absent).
    pub policy: String,
    /// How long from now.
    pub wait: Duration,
}

/// The limit a 429 answer announces; `None` for any other answer.
pub fn read(resp: &Response, now: DateTime<Utc>, tz: Option<chrono_tz::Tz>) -> Option<Limit> {
    if resp.status != http::StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let body: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let policy = body
        .get("policyName")
        .and_then(Value::as_str)
        .unwrap_or("RATE_LIMIT")
        .to_owned();
    let window = vendor::header_wait(resp, "x-hubspot-ratelimit-interval-milliseconds", true);
    let wait = match policy.as_str() {
        "DAILY" => until_daily_reset(now, tz),
        "SECONDLY" => window.unwrap_or(ONE_SECOND),
        _ => window.unwrap_or(TEN_SECONDS),
    };
    Some(Limit { policy, wait })
}

/// The wait until the daily quota resets: the portal's next midnight when
/// its time zone is known; otherwise the next full UTC hour, when the
/// quota is probed again (a portal's midnight is always on a UTC hour or
/// half hour), so at most about 24 probes a day.
pub fn until_daily_reset(now: DateTime<Utc>, tz: Option<chrono_tz::Tz>) -> Duration {
    let reset = match tz {
        Some(tz) => next_midnight(now, tz),
        None => next_hour(now),
    };
    (reset - now).to_std().unwrap_or(Duration::ZERO)
}

fn next_hour(now: DateTime<Utc>) -> DateTime<Utc> {
    let hour_start = now
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    hour_start + chrono::Duration::hours(1)
}

fn next_midnight(now: DateTime<Utc>, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&tz).date_naive();
    let tomorrow = local.checked_add_days(Days::new(1)).unwrap_or(local);
    let midnight = tomorrow.and_time(NaiveTime::MIN);
    // A DST change at midnight may skip it: the earliest valid instant then.
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| next_hour(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn without_the_portal_zone_the_quota_is_probed_on_the_next_hour() {
        let now = at("2026-12-03T11:52:30Z");
        assert_eq!(
            until_daily_reset(now, None),
            Duration::from_secs(7 * 60 + 30)
        );
        let now = at("2026-12-03T23:00:00Z");
        assert_eq!(until_daily_reset(now, None), Duration::from_secs(3600));
    }

    #[test]
    fn with_the_portal_zone_it_waits_for_the_portals_midnight() {
        let now = at("2026-12-03T11:52:30Z");
        // Chicago is UTC-6 in December: midnight is 06:00 UTC on the 4th.
        let wait = until_daily_reset(now, Some(chrono_tz::America::Chicago));
        assert_eq!(wait, (at("2026-12-04T06:00:00Z") - now).to_std().unwrap());
        // Kolkata is UTC+5:30: midnight of the 4th is 18:30 UTC on the 3rd.
        let wait = until_daily_reset(now, Some(chrono_tz::Asia::Kolkata));
        assert_eq!(wait, (at("2026-12-03T18:30:00Z") - now).to_std().unwrap());
    }
}
