//! One attempt of one delivery: the connector's `deliver` (a panic caught and
//! recorded as a failed attempt), where the delivery goes next, and the
//! attempt record written to storage.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use tracing::Instrument;

use super::{disable, pacing, ConnectorSettings};
use crate::{
    connector::{DeliveryRequest, Outcome, Verdict},
    delivery::{AttemptRecord, Job, NextStep},
    lifecycle::Redactor,
    retry::{jitter, Attempted},
    time::now_ms,
    traces::{outbound, spans},
};

/// How the connector's `deliver` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ran {
    /// It delivered.
    Succeeded,
    /// It failed (and said whether and when to retry).
    Failed,
    /// It panicked (recorded as a failed attempt; the actor restarts).
    Panicked,
}

/// What became of one attempt.
#[derive(Debug, Clone, Copy)]
pub(super) struct AttemptResult {
    /// How `deliver` ended.
    pub ran: Ran,
    /// Where the delivery goes next, as recorded; `None` if it could not be
    /// recorded (the lease then expires and the delivery is retried).
    pub recorded: Option<NextStep>,
}

/// Makes one attempt and records it.
pub(super) async fn attempt(s: &ConnectorSettings, job: Job) -> AttemptResult {
    let hub = &*s.hub;
    let number = job.attempts_made + 1;
    let started_at = now_ms();
    let clock = std::time::Instant::now();
    let req = DeliveryRequest {
        delivery_id: &job.delivery_id,
        event: &job.event,
        attempt: number,
    };
    let span = attempt_span(s, &job, number);
    let sending = outbound::sending(&span, job.event.trace(), s.connector.deliver(&req, &s.http));
    let (outcome, ran) = match AssertUnwindSafe(sending.instrument(span.clone()))
        .catch_unwind()
        .await
    {
        Ok(o) if o.verdict == Verdict::Delivered => (o, Ran::Succeeded),
        Ok(o) => (o, Ran::Failed),
        Err(panic) => (
            Outcome::retry(format!("connector panicked: {}", panic_message(&panic))),
            Ran::Panicked,
        ),
    };
    let outcome = redact(&hub.redactor, &job, outcome);
    let took = clock.elapsed();
    let duration_ms = took.as_millis() as u64;
    let first = job.first_attempt_at.unwrap_or(started_at);
    // A pause this answer (or another attempt's) asked for holds the retry too.
    let held = hub.pacing.learn(&s.name, outcome.pause.as_ref(), now_ms());
    let attempted = Attempted {
        number,
        first_at: first,
        ended_at: now_ms(),
        held_until: held.as_ref().map(|h| h.until),
        jitter: jitter(),
    };
    let next = hub.policy.next_step(outcome.verdict, &attempted);
    log_attempt(s, &job, number, duration_ms, &outcome, next);
    let end = spans::Ended {
        status_code: outcome.status_code,
        outcome: next.state().as_str(),
        error: outcome.error.as_ref().map(|e| e as &dyn std::fmt::Display),
    };
    spans::ended(&span, end);
    let record = AttemptRecord {
        delivery_id: job.delivery_id.clone(),
        started_at,
        duration_ms,
        status_code: outcome.status_code,
        error: pacing::attempt_error(
            &outcome,
            next,
            held.as_ref()
                .filter(|h| !hub.policy.within_window(first, h.until)),
        ),
        response_excerpt: outcome.response_excerpt.clone(),
        node: hub.node.to_string(),
        request: outcome.request.clone(),
    };
    if next == NextStep::Disabled {
        // Before the delivery shows `disabled`, so whoever sees it sees the
        // connector disabled too, and no new delivery is handed to it.
        disable(s, crate::operations::GONE_REASON).await;
    }
    // Disabled while this attempt was out: the delivery is held with the
    // others rather than left retrying.
    let next = match next {
        NextStep::RetryAt(_) | NextStep::Failed if hub.table.is_disabled(&s.name) => {
            NextStep::Disabled
        }
        other => other,
    };
    let recorded = match hub.store.record_attempt(record, next, first).await {
        Ok(()) => {
            hub.metrics.attempt(&s.name, next, took);
            if next == NextStep::Failed && outcome.verdict != Verdict::Reject {
                super::ops::count_exhausted(s, &job);
            }
            super::ops::note_refused_credentials(s, &job, outcome.status_code);
            Some(next)
        }
        Err(e) => {
            tracing::error!(connector = %s.name, delivery = %job.delivery_id, error = %e, "cannot record attempt");
            None
        }
    };
    AttemptResult { ran, recorded }
}

/// The outcome with `[logging] redact`'s values masked in what is logged
/// and stored: the error, the response excerpt and the request sent.
fn redact(redactor: &Redactor, job: &Job, mut outcome: Outcome) -> Outcome {
    let values = redactor.values_in(&job.event.body);
    if values.is_empty() {
        return outcome;
    }
    let mask = |t: &str| Redactor::mask(t, &values);
    outcome.error = outcome.error.as_deref().map(mask);
    outcome.response_excerpt = outcome.response_excerpt.as_deref().map(mask);
    outcome.request = outcome.request.map(|sent| {
        let mut sent = (*sent).clone();
        sent.url = mask(&sent.url);
        sent.body = mask(&sent.body);
        sent.headers.values_mut().for_each(|v| *v = mask(v));
        std::sync::Arc::new(sent)
    });
    outcome
}

fn attempt_span(s: &ConnectorSettings, job: &Job, number: u32) -> tracing::Span {
    let ids = spans::AttemptIds {
        connector: &s.name,
        delivery_id: &job.delivery_id,
        event: spans::EventIds {
            event_id: &job.event.id,
            event_type: job.event.kind.as_str(),
        },
        number,
    };
    spans::attempt(ids, job.event.trace())
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
