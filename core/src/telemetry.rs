//! Prometheus metrics of one hub, rendered at `GET /metrics`.
//!
//! Each hub owns its own recorder instead of installing a process-global
//! one: several hubs in one process (the test suite, an embedding
//! application) then never mix their counts. Counters and the latency
//! histogram are recorded where things happen (ingest, each attempt); the
//! backlog gauges are read from storage at scrape time, so they are right
//! even for work another node made or a restart left behind.

use std::{collections::BTreeSet, sync::Mutex, time::Duration};

use metrics::{describe_counter, describe_gauge, describe_histogram, with_local_recorder, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::{delivery::NextStep, event::EventType, storage::Backlog, time::Millis};

/// Names of the metrics the hub exports (docs/metrics.md describes each).
pub mod names {
    /// Counter, label `type`: events accepted (not the idempotent repeats).
    pub const EVENTS_INGESTED: &str = "switchboard_events_ingested_total";
    /// Counter, labels `connector`, `outcome`: attempts, by the state each left
    /// its delivery in (`succeeded`, `retrying`, `failed`, `disabled`).
    pub const ATTEMPTS: &str = "switchboard_delivery_attempts_total";
    /// Counter, labels `connector`, `outcome`: deliveries that reached a final
    /// state (`succeeded`, `failed`, `disabled`); a replay can finish one again.
    pub const DELIVERIES: &str = "switchboard_deliveries_total";
    /// Histogram, label `connector`: time from sending a request to its answer.
    pub const ATTEMPT_DURATION: &str = "switchboard_delivery_attempt_duration_seconds";
    /// Gauge, label `connector`: deliveries `pending` or `retrying`.
    pub const QUEUE_DEPTH: &str = "switchboard_retry_queue_depth";
    /// Gauge, label `connector`: age of the oldest `pending`/`retrying` delivery.
    pub const OLDEST_PENDING_AGE: &str = "switchboard_oldest_pending_age_seconds";
    /// Histogram, labels `function`, `outcome`: function call latency.
    pub const FUNCTION_DURATION: &str = "switchboard_function_duration_seconds";
    /// Counter: function invocation records dropped (log queue full).
    pub const FUNCTION_LOG_DROPPED: &str = "switchboard_function_log_dropped_total";
}

/// Attempt latency buckets, in seconds: webhooks answer in milliseconds,
/// vendors in hundreds of them, and the default timeout is 5 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// One hub's metrics registry. Shared by `Arc`.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// Connectors that have backlog gauges, so an emptied backlog reads 0
    /// rather than keeping its last value.
    gauged: Mutex<BTreeSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// An empty registry with every metric described.
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        let m = Metrics {
            recorder,
            handle,
            gauged: Mutex::default(),
        };
        m.record(|| {
            use names::*;
            describe_counter!(
                EVENTS_INGESTED,
                "Events accepted by POST /v1/events, by type"
            );
            describe_counter!(
                ATTEMPTS,
                "Delivery attempts, by connector and the state they left the delivery in"
            );
            describe_counter!(
                DELIVERIES,
                "Deliveries that reached a final state, by connector and outcome"
            );
            describe_histogram!(
                ATTEMPT_DURATION,
                Unit::Seconds,
                "Latency of delivery attempts, by connector"
            );
            describe_gauge!(QUEUE_DEPTH, "Deliveries pending or retrying, by connector");
            describe_gauge!(
                OLDEST_PENDING_AGE,
                Unit::Seconds,
                "Age of the oldest pending or retrying delivery, by connector"
            );
            describe_histogram!(
                FUNCTION_DURATION,
                Unit::Seconds,
                "Latency of function calls, by function and outcome"
            );
            describe_counter!(
                FUNCTION_LOG_DROPPED,
                "Function invocation records dropped because the log queue was full"
            );
        });
        m
    }

    /// Runs `f` with this registry as the `metrics` macros' recorder (on
    /// this thread, for the duration of `f`).
    pub fn record<T>(&self, f: impl FnOnce() -> T) -> T {
        with_local_recorder(&self.recorder, f)
    }

    /// An event was accepted.
    pub fn event_ingested(&self, kind: EventType) {
        self.record(|| {
            metrics::counter!(names::EVENTS_INGESTED, "type" => kind.as_str()).increment(1)
        });
    }

    /// An attempt finished and moved its delivery to `next`.
    pub fn attempt(&self, connector: &str, next: NextStep, took: Duration) {
        let outcome = next.state().as_str();
        let connector = target_label(connector);
        self.record(|| {
            metrics::counter!(names::ATTEMPTS, "connector" => connector.clone(), "outcome" => outcome)
                .increment(1);
            if !matches!(next, NextStep::RetryAt(_)) {
                metrics::counter!(names::DELIVERIES, "connector" => connector.clone(), "outcome" => outcome)
                    .increment(1);
            }
            metrics::histogram!(names::ATTEMPT_DURATION, "connector" => connector)
                .record(took.as_secs_f64());
        });
    }

    /// A delivery failed without an attempt: its retry window closed while
    /// the circuit breaker held it. It reached a final state all the same.
    pub fn delivery_expired(&self, connector: &str) {
        let connector = target_label(connector);
        self.record(|| {
            metrics::counter!(names::DELIVERIES, "connector" => connector, "outcome" => "failed")
                .increment(1)
        });
    }

    /// The Prometheus text exposition, with the backlog gauges set from
    /// `backlog` (read from storage): zero for every connector in
    /// `connectors` (or gauged before) that has nothing waiting.
    pub fn render(&self, connectors: &[String], backlog: &[Backlog], now: Millis) -> String {
        let backlog = by_label(backlog);
        let mut gauged = self.gauged.lock().expect("metrics lock");
        gauged.extend(connectors.iter().map(|c| target_label(c)));
        gauged.extend(backlog.iter().map(|b| b.connector.clone()));
        self.record(|| {
            for name in gauged.iter() {
                let (depth, age) =
                    backlog
                        .iter()
                        .find(|b| &b.connector == name)
                        .map_or((0.0, 0.0), |b| {
                            let age_ms = (now - b.oldest_created_at).max(0);
                            (b.depth as f64, age_ms as f64 / 1000.0)
                        });
                metrics::gauge!(names::QUEUE_DEPTH, "connector" => name.clone()).set(depth);
                metrics::gauge!(names::OLDEST_PENDING_AGE, "connector" => name.clone()).set(age);
            }
        });
        self.handle.render()
    }

    /// Folds recorded histogram samples into their buckets. Rendering does
    /// it too; call it periodically so an unscraped hub stays bounded.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// The `connector` label of all targets owned by accounts other than
/// `default`: a label per account would grow without bound.
pub const ACCOUNT_TARGETS_LABEL: &str = "accounts";

/// The `connector` label of a target key: its name in the default account,
/// [`ACCOUNT_TARGETS_LABEL`] for every other account's targets.
pub fn target_label(key: &str) -> String {
    match crate::account::TargetName::of(key) {
        t if t.account == crate::account::DEFAULT_ACCOUNT => key.to_owned(),
        _ => ACCOUNT_TARGETS_LABEL.to_owned(),
    }
}

/// Backlogs summed per label (see [`target_label`]).
fn by_label(backlog: &[Backlog]) -> Vec<Backlog> {
    let mut out: Vec<Backlog> = Vec::with_capacity(backlog.len());
    for b in backlog {
        let label = target_label(&b.connector);
        match out.iter_mut().find(|o| o.connector == label) {
            Some(o) => {
                o.depth += b.depth;
                o.oldest_created_at = o.oldest_created_at.min(b.oldest_created_at);
            }
            None => out.push(Backlog {
                connector: label,
                ..b.clone()
            }),
        }
    }
    out
}

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn account_targets_share_one_label() {
        assert_eq!(target_label("crm"), "crm");
        assert_eq!(target_label("ep_1"), "ep_1");
        assert_eq!(target_label("acme/crm"), ACCOUNT_TARGETS_LABEL);
        let b = |c: &str, depth, oldest| Backlog {
            connector: c.into(),
            depth,
            oldest_created_at: oldest,
        };
        let summed = by_label(&[b("crm", 1, 5), b("acme/crm", 2, 9), b("bravo/ep_x", 3, 7)]);
        assert_eq!(summed, [b("crm", 1, 5), b(ACCOUNT_TARGETS_LABEL, 5, 7)]);
    }
}
