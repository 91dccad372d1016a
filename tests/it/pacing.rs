//! Pacing: `rate_limit` keeps a rate-limited target from ever answering 429,
//! and the pauses a target asks for (Retry-After, X-RateLimit-Remaining: 0,
//! a connector's `Outcome::paused`) hold every delivery of that connector,
//! and only of that connector, until they end.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use switchboard_core::{
    connector::{
        webhook, Connector, ConnectorSpec, DeliveryRequest, MappingError, Outcome, Registry,
    },
    outbound::{OutboundClient, OutboundRequest},
    time::{now_ms, parse_rfc3339},
};

use crate::support::{
    fresh_event,
    limited::{Answer, Limit, LimitedTarget},
    wait_until, Receiver, TestConfig, TestConnector, TestHub, SECRET,
};

/// The default test config with these connectors.
fn with(connectors: impl IntoIterator<Item = TestConnector>) -> TestConfig {
    TestConfig::default().connectors(connectors)
}

async fn connector(hub: &TestHub, name: &str) -> Value {
    let (_, list) = hub.admin_get("/v1/connectors").await;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no connector {name} in {list}"))
}

/// Posts `n` fresh events; returns their ids.
async fn post(hub: &TestHub, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let ev = fresh_event("lead.captured");
        assert_eq!(hub.post_event(&ev).await.0, 202);
        ids.push(ev["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// Whether every delivery of `connector` for these events succeeded within `timeout`.
async fn all_succeed(hub: &TestHub, ids: &[String], connector: &str, timeout: Duration) -> bool {
    wait_until(timeout, async || {
        for id in ids {
            let list = hub.deliveries_of(id).await;
            let ok = list
                .iter()
                .filter(|d| d["connector"] == connector)
                .all(|d| d["status"] == "succeeded");
            if !ok {
                return false;
            }
        }
        true
    })
    .await
}

/// When the connector's pause ends, as `GET /v1/connectors` shows it.
async fn paused_until(hub: &TestHub, name: &str) -> Option<i64> {
    connector(hub, name).await["pacing"]["paused_until"]
        .as_str()
        .map(|s| parse_rfc3339(s).unwrap())
}

#[actix_rt::test]
async fn rate_limit_paces_attempts_so_the_target_never_answers_429() {
    // At most 15 requests in any second; the hub is told 10 a second, burst 2.
    let limit = Limit {
        requests: 15,
        per: Duration::from_secs(1),
    };
    // The same load without a rate limit runs into the target's limit.
    let unpaced = LimitedTarget::start(Some(limit));
    let hub = TestHub::start(with([TestConnector::hook("crm", &unpaced.url)])).await;
    let ids = post(&hub, 30).await;
    assert!(all_succeed(&hub, &ids, "crm", Duration::from_secs(20)).await);
    assert!(unpaced.answered(429) > 0, "the target enforces its limit");
    hub.stop().await;

    let target = LimitedTarget::start(Some(limit));
    let crm = TestConnector::hook("crm", &target.url)
        .set("rate_limit", json!({"per_second": 10, "burst": 2}));
    let hub = TestHub::start(with([crm])).await;
    let c = connector(&hub, "crm").await;
    assert_eq!(c["pacing"]["rate_limit"]["per_second"], 10.0, "{c}");
    assert_eq!(c["pacing"]["rate_limit"]["burst"], 2, "{c}");
    let started = Instant::now();
    let ids = post(&hub, 30).await;
    assert!(all_succeed(&hub, &ids, "crm", Duration::from_secs(20)).await);
    assert_eq!(target.answered(429), 0, "paced: no attempt spent on a 429");
    assert_eq!(target.count(), 30, "one attempt per event");
    // 30 attempts at 10 a second after a burst of 2 take 2.8 s at least.
    assert!(started.elapsed() >= Duration::from_millis(2700));
    for id in &ids {
        assert_eq!(hub.deliveries_of(id).await[0]["attempt_count"], 1);
    }
    hub.stop().await;
}

#[actix_rt::test]
async fn retry_after_pauses_the_whole_connector_longer_than_its_lease() {
    let target = LimitedTarget::start(None);
    // Answered once every event is in: five deliveries wait leased in the queue.
    target.script([Answer::new(429, &[("Retry-After", "4")]).after(Duration::from_millis(500))]);
    let other = Receiver::start();
    // One attempt at a time, so the others wait leased in the queue; the
    // pause (4 s) outlasts the lease (3 s): they must wait in storage.
    let hub = TestHub::start(
        with([
            TestConnector::hook("crm", &target.url).set("concurrency", 1),
            TestConnector::hook("other", &other.url),
        ])
        .storage("lease", Duration::from_secs(3)),
    )
    .await;
    let ids = post(&hub, 6).await;
    assert!(wait_until(Duration::from_secs(5), async || target.count() >= 1).await);
    let first = target.hits()[0].at + Duration::from_millis(500);
    assert!(
        wait_until(Duration::from_secs(2), async || paused_until(&hub, "crm")
            .await
            .is_some())
        .await,
        "GET /v1/connectors shows the pause"
    );
    let c = connector(&hub, "crm").await;
    assert!(
        c["pacing"]["reason"].as_str().unwrap().contains("429"),
        "{c}"
    );
    let until = paused_until(&hub, "crm").await.unwrap();
    assert!(until - now_ms() > 2_500, "about 4 s from the 429: {c}");
    assert_eq!(
        connector(&hub, "other").await["pacing"]["paused_until"],
        Value::Null
    );
    // The waiting deliveries went back to storage, due at the pause's end
    // (their leases would run out first), not for any node to take now.
    assert!(
        wait_until(Duration::from_secs(2), async || {
            let (_, page) = hub.admin_get("/v1/deliveries?connector=crm").await;
            page["data"].as_array().unwrap().iter().all(|d| {
                d["next_attempt_at"]
                    .as_str()
                    .is_some_and(|t| parse_rfc3339(t).unwrap() >= until - 50)
            })
        })
        .await,
        "every crm delivery is due at the pause end: {} (until {until})",
        hub.admin_get("/v1/deliveries?connector=crm").await.1
    );
    assert!(all_succeed(&hub, &ids, "other", Duration::from_secs(5)).await);
    assert!(all_succeed(&hub, &ids, "crm", Duration::from_secs(15)).await);
    assert_eq!(
        target.between(
            first + Duration::from_millis(1),
            first + Duration::from_millis(3_800)
        ),
        0,
        "nothing was sent to the paused target"
    );
    assert_eq!(target.count(), 7, "one 429, then one attempt per event");
    assert_eq!(target.answered(429), 1);
    assert_eq!(
        connector(&hub, "crm").await["pacing"]["paused_until"],
        Value::Null
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn remaining_zero_pauses_until_the_reset() {
    let target = LimitedTarget::start(None);
    let reset = now_ms() / 1000 + 3;
    target.script([Answer::new(
        200,
        &[
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", &reset.to_string()),
        ],
    )]);
    let hub = TestHub::start(with([TestConnector::hook("crm", &target.url)])).await;
    let first = post(&hub, 1).await;
    assert!(all_succeed(&hub, &first, "crm", Duration::from_secs(5)).await);
    assert!(
        wait_until(Duration::from_secs(2), async || paused_until(&hub, "crm")
            .await
            .is_some())
        .await
    );
    // Until the reset epoch second (read against the clock as it was parsed).
    let until = paused_until(&hub, "crm").await.unwrap();
    assert!((until - reset * 1000).abs() <= 100, "{until} vs {reset}");
    let later = post(&hub, 5).await;
    assert!(all_succeed(&hub, &later, "crm", Duration::from_secs(10)).await);
    let hits = target.hits();
    assert_eq!(hits.len(), 6);
    let resumed_ms = reset * 1000;
    // The first request after the answer came no earlier than the reset.
    let gap = hits[1].at - hits[0].at;
    let wait_left = resumed_ms - (now_ms() - hits[0].at.elapsed().as_millis() as i64);
    assert!(
        gap.as_millis() as i64 >= wait_left - 100,
        "sent {gap:?} after the answer, the reset was {wait_left} ms away"
    );
    hub.stop().await;
}

/// A webhook whose first `QUOTA_ANSWERS` attempts report a used-up quota
/// (as HubSpot's DAILY limit answer does), without sending anything.
struct Quota {
    left: Arc<AtomicUsize>,
    inner: Arc<dyn Connector>,
}

static QUOTA_ANSWERS: AtomicUsize = AtomicUsize::new(0);

#[async_trait::async_trait]
impl Connector for Quota {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        self.inner.prepare(req)
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        if self
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Outcome::retry("quota used up")
                .paused(Duration::from_secs(3), "test DAILY quota");
        }
        self.inner.deliver(req, http).await
    }
}

fn quota(
    spec: &ConnectorSpec<'_>,
) -> Result<Arc<dyn Connector>, switchboard_core::connector::BuildError> {
    Ok(Arc::new(Quota {
        left: Arc::new(AtomicUsize::new(QUOTA_ANSWERS.swap(0, Ordering::SeqCst))),
        inner: webhook::build(spec)?,
    }))
}

#[actix_rt::test]
async fn a_connectors_pause_holds_all_its_deliveries_and_no_others() {
    let target = LimitedTarget::start(None);
    let other = Receiver::start();
    QUOTA_ANSWERS.store(1, Ordering::SeqCst);
    let mut registry = Registry::builtin();
    registry.register(switchboard_core::connector::Plugin {
        kind: "quota",
        build: quota,
        templates: &[],
    });
    let vendor = TestConnector::new("vendor", "quota")
        .set("url", format!("{}/hook", target.url))
        .set("secret", SECRET);
    let config = with([vendor, TestConnector::hook("other", &other.url)]);
    let hub = TestHub::start_with(config, &registry).await;
    let first = post(&hub, 1).await;
    assert!(
        wait_until(Duration::from_secs(3), async || paused_until(
            &hub, "vendor"
        )
        .await
        .is_some())
        .await
    );
    let paused_at = Instant::now();
    let c = connector(&hub, "vendor").await;
    assert_eq!(c["pacing"]["reason"], "test DAILY quota", "{c}");
    let until = paused_until(&hub, "vendor").await.unwrap();
    let ids = post(&hub, 5).await;
    // The other connector is not held.
    assert!(all_succeed(&hub, &ids, "other", Duration::from_secs(3)).await);
    assert_eq!(
        connector(&hub, "other").await["pacing"]["paused_until"],
        Value::Null
    );
    // Nothing reaches the paused connector's target before the pause ends.
    let left = Duration::from_millis((until - now_ms()).max(0) as u64);
    actix_rt::time::sleep(left.saturating_sub(Duration::from_millis(200))).await;
    assert_eq!(target.count(), 0, "sent while paused");
    let all: Vec<String> = first.iter().chain(&ids).cloned().collect();
    assert!(all_succeed(&hub, &all, "vendor", Duration::from_secs(10)).await);
    assert!(paused_at.elapsed() >= Duration::from_millis(2_500));
    assert_eq!(target.count(), 6, "then each delivered once");
    // The delivery that got the quota answer retried at the pause's end;
    // the others spent no attempt on it.
    for id in &first {
        let d = hub.deliveries_of(id).await;
        let d = d.iter().find(|d| d["connector"] == "vendor").unwrap();
        assert_eq!(d["attempt_count"], 2, "{d}");
    }
    for id in &ids {
        let d = hub.deliveries_of(id).await;
        let d = d.iter().find(|d| d["connector"] == "vendor").unwrap();
        assert_eq!(d["attempt_count"], 1, "{d}");
    }
    hub.stop().await;
}

#[actix_rt::test]
async fn a_pause_past_retry_for_fails_naming_it() {
    let target = LimitedTarget::start(None);
    target.script([Answer::new(429, &[("Retry-After", "7200")])]);
    let hub = TestHub::start(
        with([TestConnector::hook("crm", &target.url)])
            .delivery("retry_for", Duration::from_secs(2)),
    )
    .await;
    let ids = post(&hub, 1).await;
    assert!(hub.first_delivery_becomes(&ids[0], "failed").await);
    let d = &hub.deliveries_of(&ids[0]).await[0];
    let error = d["last_error"].as_str().unwrap();
    assert!(error.contains("paused until"), "{d}");
    assert!(error.contains("Retry-After"), "{d}");
    assert_eq!(target.count(), 1);
    hub.stop().await;
}
