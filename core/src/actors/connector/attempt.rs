//! One attempt of one delivery: the connector's `deliver` (a panic caught and
//! recorded as a failed attempt), where the delivery goes next, and the
//! attempt record written to storage.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use super::{pacing, ConnectorSettings};
use crate::{
    connector::{DeliveryRequest, Outcome, Verdict},
    delivery::{AttemptRecord, Job, NextStep},
    pacing::Hold,
    retry::RetryPolicy,
    time::{now_ms, Millis},
};

/// Makes one attempt and records it. Returns the next step (None if it could
/// not be recorded: the lease then expires and the delivery is retried),
/// whether the connector panicked, and whether the attempt succeeded.
pub(super) async fn attempt(s: &ConnectorSettings, job: Job) -> (Option<NextStep>, bool, bool) {
    let number = job.attempts_made + 1;
    let started_at = now_ms();
    let clock = std::time::Instant::now();
    let req = DeliveryRequest {
        delivery_id: &job.delivery_id,
        event: &job.event,
        attempt: number,
    };
    let (outcome, panicked) = match AssertUnwindSafe(s.connector.deliver(&req, &s.http))
        .catch_unwind()
        .await
    {
        Ok(o) => (o, false),
        Err(panic) => (
            Outcome::retry(format!("connector panicked: {}", panic_message(&panic))),
            true,
        ),
    };
    let took = clock.elapsed();
    let duration_ms = took.as_millis() as u64;
    let success = outcome.verdict == Verdict::Delivered;
    let first = job.first_attempt_at.unwrap_or(started_at);
    // A pause this answer (or another attempt's) asked for holds the retry too.
    let held = s.pacing.learn(&s.name, outcome.pause.as_ref(), now_ms());
    let next = next_step(&s.policy, &outcome, number, first, held.as_ref());
    log_attempt(s, &job, number, duration_ms, &outcome, next);
    let record = AttemptRecord {
        delivery_id: job.delivery_id.clone(),
        started_at,
        duration_ms,
        status_code: outcome.status_code,
        error: pacing::attempt_error(
            &outcome,
            next,
            held.as_ref()
                .filter(|h| !s.policy.within_window(first, h.until)),
        ),
        response_excerpt: outcome.response_excerpt.clone(),
        node: s.node.to_string(),
        request: outcome.request.clone(),
    };
    if next == NextStep::Disabled {
        // Before the delivery shows `disabled`, so whoever sees it sees the
        // connector disabled too, and no new delivery is handed to it.
        disable_on_gone(s).await;
    }
    match s.store.record_attempt(record, next, first).await {
        Ok(()) => {
            s.metrics.attempt(&s.name, next, took);
            (Some(next), panicked, success)
        }
        Err(e) => {
            tracing::error!(connector = %s.name, delivery = %job.delivery_id, error = %e, "cannot record attempt");
            (None, panicked, success)
        }
    }
}

async fn disable_on_gone(s: &ConnectorSettings) {
    let reason = "target answered 410 Gone; re-enable the endpoint and replay to resume";
    s.subscriptions.set_disabled(&s.name, true);
    tracing::warn!(connector = %s.name, "{reason}");
    if let Err(e) = s.store.set_disabled(&s.name, Some(reason)).await {
        tracing::error!(connector = %s.name, error = %e, "cannot record disabled connector");
    }
}

/// Where the delivery goes next. A retry waits `max(backoff, Retry-After)`
/// and, while the connector is paused, for the pause's end too (not capped
/// at an hour like `Retry-After`: a daily quota waits for its reset).
fn next_step(
    policy: &RetryPolicy,
    outcome: &Outcome,
    number: u32,
    first: Millis,
    held: Option<&Hold>,
) -> NextStep {
    match outcome.verdict {
        Verdict::Delivered => NextStep::Succeeded,
        Verdict::Reject => NextStep::Failed,
        Verdict::Disable => NextStep::Disabled,
        Verdict::Retry { after } => {
            let backoff = now_ms() + policy.delay(number, after).as_millis() as i64;
            let at = held.map_or(backoff, |h| backoff.max(h.until));
            if policy.within_window(first, at) {
                NextStep::RetryAt(at)
            } else {
                NextStep::Failed
            }
        }
    }
}

fn log_attempt(
    s: &ConnectorSettings,
    job: &Job,
    number: u32,
    ms: u64,
    outcome: &Outcome,
    next: NextStep,
) {
    let status = outcome.status_code;
    let error = outcome.error.as_deref().unwrap_or("");
    match next {
        NextStep::Succeeded => {
            tracing::debug!(connector = %s.name, delivery = %job.delivery_id, attempt = number, ms, ?status, "delivered")
        }
        NextStep::RetryAt(at) => tracing::info!(
            connector = %s.name, delivery = %job.delivery_id, attempt = number, ms, ?status, error,
            retry_in_ms = at - now_ms(), "attempt failed; will retry"
        ),
        NextStep::Failed | NextStep::Disabled => tracing::warn!(
            connector = %s.name, delivery = %job.delivery_id, attempt = number, ms, ?status, error,
            state = %next.state(), "delivery stopped"
        ),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
