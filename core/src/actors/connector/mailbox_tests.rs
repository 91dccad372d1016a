use super::*;
use crate::{
    config::RateLimit,
    connector::testing::sample,
    event::EventType,
    pacing::{Hold, TokenBucket},
};

const LEASE: Duration = Duration::from_secs(60);
const TIMEOUT: Duration = Duration::from_secs(10);
/// 60 - 10 - 15: the start window of these limits.
const WINDOW: Duration = Duration::from_secs(35);
const DAY_MS: Millis = 86_400_000;

fn limits(concurrency: usize, queue_limit: usize) -> Limits {
    Limits {
        lease: LEASE,
        timeout: TIMEOUT,
        concurrency,
        queue_limit,
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        first_retry: Duration::from_secs(5),
        max_backoff: Duration::from_secs(3600),
        retry_for: Duration::from_millis(DAY_MS as u64),
    }
}

fn job(id: &str, first_attempt_at: Option<Millis>) -> Job {
    Job {
        delivery_id: id.into(),
        connector: "crm".into(),
        event: sample(EventType::LeadCaptured),
        attempts_made: u32::from(first_attempt_at.is_some()),
        first_attempt_at,
    }
}

fn jobs(ids: &[&str]) -> Vec<Job> {
    ids.iter().map(|id| job(id, None)).collect()
}

/// What `next` says, by delivery id.
fn step(m: &mut Mailbox, now: Instant, now_ms: Millis) -> String {
    match m.next(now, now_ms) {
        None => "none".into(),
        Some(Next::Start(j)) => format!("start {}", j.delivery_id),
        Some(Next::Stale(j)) => format!("stale {}", j.delivery_id),
        Some(Next::OutOfTime(j)) => format!("expire {}", j.delivery_id),
        Some(Next::PacedUntil(at)) => format!("paced {:?}", at - now),
    }
}

#[test]
fn starts_in_order_up_to_the_concurrency_then_again_as_attempts_end() {
    let t0 = Instant::now();
    let mut m = Mailbox::new(limits(2, 100), policy(), None);
    m.enqueue(jobs(&["a", "b", "c"]), t0);
    assert_eq!(step(&mut m, t0, 0), "start a");
    assert_eq!(step(&mut m, t0, 0), "start b");
    assert_eq!(step(&mut m, t0, 0), "none", "both slots taken");
    assert_eq!(m.in_flight(), 2);
    m.finished();
    assert_eq!(step(&mut m, t0, 0), "start c");
    m.finished();
    assert_eq!(step(&mut m, t0, 0), "none", "queue empty");
}

#[test]
fn a_job_past_its_start_window_goes_back_and_storage_is_looked_at_again() {
    let t0 = Instant::now();
    let mut m = Mailbox::new(limits(1, 100), policy(), None);
    assert_eq!(m.begin_pull(true), Some(2));
    assert!(!m.pulled(jobs(&["old"]), 2, t0), "storage exhausted");
    m.enqueue(jobs(&["new"]), t0 + WINDOW);
    // Exactly at the deadline it may still start; a moment later it may not.
    let later = t0 + WINDOW + Duration::from_millis(1);
    assert_eq!(step(&mut m, later, 0), "stale old");
    assert_eq!(step(&mut m, later, 0), "start new");
    m.finished();
    assert_eq!(
        m.begin_pull(true),
        Some(2),
        "the stale job is in storage again"
    );
}

#[test]
fn a_retry_whose_window_closed_while_queued_is_expired_not_started() {
    let t0 = Instant::now();
    let mut m = Mailbox::new(limits(4, 100), policy(), None);
    m.enqueue(vec![job("late", Some(0)), job("fresh", Some(10))], t0);
    assert_eq!(step(&mut m, t0, DAY_MS + 1), "expire late");
    assert_eq!(step(&mut m, t0, DAY_MS + 1), "start fresh");
}

#[test]
fn without_a_token_the_job_stays_in_front_until_the_next_one() {
    let t0 = Instant::now();
    let limit = RateLimit {
        per_second: 2.0,
        burst: 1,
    };
    let mut m = Mailbox::new(limits(8, 100), policy(), Some(TokenBucket::new(limit, t0)));
    m.enqueue(jobs(&["a", "b"]), t0);
    assert_eq!(step(&mut m, t0, 0), "start a");
    assert_eq!(step(&mut m, t0, 0), "paced 500ms");
    assert_eq!(m.in_flight(), 1, "no slot taken without a token");
    assert_eq!(step(&mut m, t0 + Duration::from_millis(500), 0), "start b");
}

#[test]
fn a_rate_limit_caps_the_queue_at_what_can_start_within_the_window() {
    let t0 = Instant::now();
    let limit = RateLimit {
        per_second: 0.1,
        burst: 1,
    };
    // 1 + 0.1/s * 35 s: four jobs; the rest would only go stale.
    let mut m = Mailbox::new(limits(1, 100), policy(), Some(TokenBucket::new(limit, t0)));
    m.enqueue(jobs(&["a", "b", "c", "d", "e", "f"]), t0);
    assert_eq!(m.overflow(), ["e", "f"]);
}

#[test]
fn overflow_saturates_and_relief_comes_at_half_the_cap() {
    let t0 = Instant::now();
    let mut m = Mailbox::new(limits(1, 4), policy(), None);
    m.enqueue(jobs(&["a", "b", "c", "d"]), t0);
    assert!(m.overflow().is_empty(), "at the cap, not over it");
    m.enqueue(jobs(&["e", "f"]), t0);
    assert_eq!(m.overflow(), ["e", "f"]);
    assert!(!m.saturate(), "overflow saturated it already");
    assert!(!m.relieve(), "4 queued, cap 4");
    assert_eq!(step(&mut m, t0, 0), "start a");
    m.finished();
    assert!(!m.relieve(), "3 queued");
    assert_eq!(step(&mut m, t0, 0), "start b");
    assert!(m.relieve(), "2 queued: half the cap");
    assert!(!m.relieve(), "once");
}

#[test]
fn pulls_only_when_empty_with_a_free_slot_and_more_to_find_one_at_a_time() {
    let t0 = Instant::now();
    let mut m = Mailbox::new(limits(3, 100), policy(), None);
    assert_eq!(m.begin_pull(true), Some(6), "twice the concurrency");
    assert_eq!(m.begin_pull(true), None, "one pull at a time");
    assert!(m.pulled(jobs(&["a", "b", "c", "d", "e", "f"]), 6, t0));
    assert_eq!(m.begin_pull(true), None, "the queue is not empty");
    for _ in 0..3 {
        step(&mut m, t0, 0);
    }
    m.take_all();
    assert_eq!(m.begin_pull(false), None, "every slot taken");
    m.finished();
    assert_eq!(
        m.begin_pull(false),
        Some(1),
        "an open breaker: one job, the probe"
    );
    assert!(!m.pulled(Vec::new(), 1, t0));
    assert_eq!(m.begin_pull(true), None, "storage said it has no more");
    m.expect_more();
    assert_eq!(
        m.begin_pull(true),
        Some(4),
        "twice the concurrency less the 2 in flight"
    );
}

#[test]
fn the_probe_skips_dead_jobs_and_ignores_slots_and_tokens() {
    let t0 = Instant::now();
    let limit = RateLimit {
        per_second: 0.001,
        burst: 1,
    };
    let mut m = Mailbox::new(limits(1, 100), policy(), Some(TokenBucket::new(limit, t0)));
    m.enqueue(jobs(&["stale"]), t0);
    m.enqueue(vec![job("expired", Some(0))], t0 + WINDOW);
    m.enqueue(jobs(&["probe", "rest"]), t0 + WINDOW);
    let now = t0 + WINDOW + Duration::from_secs(1);
    let mut seen = Vec::new();
    while let Some(next) = m.next_probe(now, DAY_MS + 1) {
        let done = matches!(next, Next::Start(_));
        seen.push(format!("{next:?}").split('(').next().unwrap().to_owned());
        if done {
            break;
        }
    }
    assert_eq!(seen, ["Stale", "OutOfTime", "Start"]);
    assert_eq!(m.in_flight(), 1);
    assert_eq!(m.take_all(), ["rest"], "one probe, the rest waits");
}

#[test]
fn a_pause_fails_what_it_outlasts_hands_back_what_would_go_stale_keeps_the_rest() {
    let t0 = Instant::now();
    let mut m = Mailbox::new(limits(1, 100), policy(), None);
    assert!(!m.pulled(vec![job("retry", Some(0))], 5, t0));
    m.enqueue(jobs(&["soon"]), t0);
    m.enqueue(jobs(&["later"]), t0 + Duration::from_secs(20));
    let hold = Hold {
        until: DAY_MS + 1,
        reason: "daily quota".into(),
    };
    let held = m.hold_for(&hold, t0 + Duration::from_secs(40));
    let expired: Vec<_> = held
        .expired
        .iter()
        .map(|j| j.delivery_id.as_str())
        .collect();
    assert_eq!(expired, ["retry"], "the pause ends after its retry window");
    assert_eq!(held.deferred, ["soon"], "35 s window ends before the pause");
    assert_eq!(m.take_all(), ["later"], "55 s window outlasts it: no write");
    assert_eq!(m.begin_pull(true), Some(2), "deferred jobs are in storage");
}

#[test]
fn a_reset_forgets_the_queue_and_the_slots_and_ends_saturation() {
    let t0 = Instant::now();
    let mut m = Mailbox::new(limits(1, 1), policy(), None);
    m.enqueue(jobs(&["a", "b", "c"]), t0);
    assert_eq!(m.overflow(), ["b", "c"]);
    assert_eq!(step(&mut m, t0, 0), "start a");
    m.reset();
    assert_eq!(m.in_flight(), 0);
    assert!(m.saturate(), "no longer saturated");
    assert_eq!(m.begin_pull(true), Some(2));
}

#[test]
fn the_start_window_leaves_time_to_finish_and_record_within_the_lease() {
    assert_eq!(start_window(LEASE, TIMEOUT), WINDOW);
    // A timeout close to the lease still leaves a quarter of it.
    assert_eq!(
        start_window(LEASE, Duration::from_secs(59)),
        Duration::from_secs(15)
    );
}
