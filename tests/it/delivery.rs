//! Delivery semantics: retries, Retry-After, 410, isolation, supervision, SSRF.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::{json, Value};
use switchboard_core::{
    connector::{webhook, Connector, ConnectorSpec, DeliveryRequest, MappingError, Registry},
    outbound::OutboundRequest,
};

use crate::support::{
    fresh_event, ms, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub, SECRET,
};

/// The default test config with these connectors.
fn with(connectors: impl IntoIterator<Item = TestConnector>) -> TestConfig {
    TestConfig::default().connectors(connectors)
}

async fn delivery_detail(hub: &TestHub, event_id: &str) -> Value {
    let list = hub.deliveries_of(event_id).await;
    let id = list[0]["id"].as_str().unwrap().to_owned();
    hub.admin_get(&format!("/v1/deliveries/{id}")).await.1
}

#[actix_rt::test]
async fn fails_twice_then_succeeds_with_growing_gaps() {
    let rx = Receiver::start();
    rx.script([Reply::Status(500, None), Reply::Status(502, None)]);
    let hub = TestHub::start(with([TestConnector::hook("crm", &rx.url)])).await;
    let ev = fresh_event("lead.captured");
    assert_eq!(hub.post_event(&ev).await.0, 202);
    let id = ev["id"].as_str().unwrap();
    assert!(hub.first_delivery_becomes(id, "succeeded").await);

    let got = rx.received();
    assert_eq!(got.len(), 3, "exactly three attempts");
    let ids: Vec<_> = got
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    let dlv: Vec<_> = got
        .iter()
        .map(|r| r.header("x-oncallclerk-delivery").unwrap().to_owned())
        .collect();
    assert!(
        ids.iter().all(|i| i == id),
        "same webhook-id on every attempt"
    );
    assert!(
        dlv.iter().all(|d| d == &dlv[0]),
        "same delivery id on every attempt"
    );
    let gap1 = got[1].at - got[0].at;
    let gap2 = got[2].at - got[1].at;
    assert!(
        gap1 >= Duration::from_millis(50),
        "first retry waits first_retry: {gap1:?}"
    );
    assert!(
        gap2 >= Duration::from_millis(100),
        "second retry waits twice as long: {gap2:?}"
    );
    assert!(gap2 > gap1, "gaps grow: {gap1:?} then {gap2:?}");

    let detail = delivery_detail(&hub, id).await;
    assert_eq!(detail["status"], "succeeded");
    assert_eq!(detail["attempt_count"], 3);
    let attempts = detail["attempts"].as_array().unwrap();
    let codes: Vec<_> = attempts
        .iter()
        .map(|a| a["status_code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [500, 502, 200]);
    assert_eq!(attempts[0]["response_excerpt"], "answer 500");
    assert!(attempts
        .iter()
        .all(|a| a["node"].is_string() && a["started_at"].as_str().unwrap().ends_with('Z')));
    hub.stop().await;
}

#[actix_rt::test]
async fn retry_after_is_honoured() {
    let rx = Receiver::start();
    rx.script([Reply::Status(429, Some(1))]);
    let hub = TestHub::start(with([TestConnector::hook("crm", &rx.url)])).await;
    let ev = fresh_event("call.started");
    hub.post_event(&ev).await;
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 2).await);
    let got = rx.received();
    let gap = got[1].at - got[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "waited for Retry-After: {gap:?}"
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn gone_disables_the_endpoint() {
    let rx = Receiver::start();
    rx.set_default(Reply::Status(410, None));
    let hub = TestHub::start(with([TestConnector::hook("zap", &rx.url)])).await;
    let first = fresh_event("call.started");
    hub.post_event(&first).await;
    let id = first["id"].as_str().unwrap();
    assert!(hub.first_delivery_becomes(id, "disabled").await);
    // The connector's state is recorded just after the delivery's.
    let off = wait_until(Duration::from_secs(2), async || {
        hub.admin_get("/v1/connectors").await.1["data"][0]["state"] == "disabled"
    })
    .await;
    let (_, connectors) = hub.admin_get("/v1/connectors").await;
    assert!(off, "{connectors}");
    // Later events are recorded as disabled without an attempt.
    let second = fresh_event("call.started");
    let (s, body) = hub.post_event(&second).await;
    assert_eq!((s, body["deliveries"].as_u64()), (202, Some(1)));
    actix_rt::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        hub.deliveries_of(second["id"].as_str().unwrap()).await[0]["status"],
        "disabled"
    );
    assert_eq!(rx.count(), 1);
    hub.stop().await;
}

#[actix_rt::test]
async fn gives_up_when_retry_window_closes() {
    let rx = Receiver::start();
    rx.set_default(Reply::Status(500, None));
    let hub =
        TestHub::start(with([TestConnector::hook("crm", &rx.url)]).delivery("retry_for", ms(400)))
            .await;
    let ev = fresh_event("call.started");
    hub.post_event(&ev).await;
    let id = ev["id"].as_str().unwrap();
    assert!(hub.first_delivery_becomes(id, "failed").await);
    let detail = delivery_detail(&hub, id).await;
    let attempts = detail["attempts"].as_array().unwrap();
    // 50 + 100 + 200 ms fit in 400 ms; the next (400 ms) would not.
    assert!((3..=4).contains(&attempts.len()), "{detail}");
    assert_eq!(detail["next_attempt_at"], Value::Null);

    // A failed delivery can be replayed and then succeeds.
    rx.set_default(Reply::Status(200, None));
    let dlv = detail["id"].as_str().unwrap();
    let (s, body) = hub
        .admin_post(&format!("/v1/deliveries/{dlv}/replay"), Value::Null)
        .await;
    assert_eq!((s, body["replayed"].as_u64()), (202, Some(1)));
    assert!(hub.first_delivery_becomes(id, "succeeded").await);
    hub.stop().await;
}

#[actix_rt::test]
async fn a_hanging_target_does_not_delay_another() {
    let _alone = crate::support::quiet_machine().await;
    let slow = Receiver::start();
    slow.set_default(Reply::Hang(Duration::from_secs(30)));
    let fast = Receiver::start();
    let hub = TestHub::start(with([
        TestConnector::hook("slow", &slow.url).set("concurrency", 2),
        TestConnector::hook("fast", &fast.url),
    ]))
    .await;
    let started = std::time::Instant::now();
    for _ in 0..20 {
        assert_eq!(hub.post_event(&fresh_event("call.completed")).await.0, 202);
    }
    assert!(
        wait_until(Duration::from_secs(3), async || fast.count() == 20).await,
        "fast got {}",
        fast.count()
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(1500),
        "fast target waited on the slow one: {elapsed:?}"
    );
    assert!(
        slow.count() <= 2,
        "slow target is limited to its own concurrency"
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn a_full_queue_parks_deliveries_in_storage_and_loses_none() {
    let _load = crate::support::heavy_load().await;
    let rx = Receiver::start();
    // Both slots hang while the events arrive: the actor's queue fills up.
    rx.script([
        Reply::Hang(Duration::from_millis(1500)),
        Reply::Hang(Duration::from_millis(1500)),
    ]);
    let hub = TestHub::start(
        with([TestConnector::hook("slow", &rx.url).set("concurrency", 2)])
            .delivery("queue_limit", 4),
    )
    .await;
    let mut ids = std::collections::HashSet::new();
    for _ in 0..40 {
        let ev = fresh_event("call.completed");
        assert_eq!(hub.post_event(&ev).await.0, 202);
        ids.insert(ev["id"].as_str().unwrap().to_owned());
    }
    assert!(
        rx.count() <= 2,
        "only the two hanging attempts are in flight"
    );
    assert!(
        hub.store.next_due("slow").await.unwrap().unwrap() <= switchboard_core::time::now_ms(),
        "deliveries beyond the queue wait in storage, due and unleased"
    );
    assert!(
        wait_until(Duration::from_secs(10), async || rx.count() >= 40).await,
        "received {} of 40",
        rx.count()
    );
    let got: std::collections::HashSet<String> = rx
        .received()
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(got, ids, "every event arrived");
    assert_eq!(rx.count(), 40, "and only once");
    hub.stop().await;
}

/// Panics on its first `n` calls, then behaves like a webhook.
struct Panicky {
    left: Arc<AtomicUsize>,
    inner: Arc<dyn Connector>,
}

#[async_trait::async_trait]
impl Connector for Panicky {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        if self
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            panic!("simulated connector bug");
        }
        self.inner.prepare(req)
    }
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

fn panicky(
    spec: &ConnectorSpec<'_>,
) -> Result<Arc<dyn Connector>, switchboard_core::connector::BuildError> {
    Ok(Arc::new(Panicky {
        left: Arc::new(AtomicUsize::new(PANICS.swap(0, Ordering::SeqCst))),
        inner: webhook::build(spec)?,
    }))
}

#[actix_rt::test]
async fn a_panicking_connector_is_restarted_and_delivers() {
    let rx = Receiver::start();
    let other = Receiver::start();
    PANICS.store(2, Ordering::SeqCst);
    let mut registry = Registry::builtin();
    registry.register(switchboard_core::connector::Plugin {
        kind: "panicky",
        build: panicky,
        templates: &[],
    });
    let buggy = TestConnector::new("buggy", "panicky")
        .set("url", format!("{}/hook", rx.url))
        .set("secret", SECRET);
    let config = with([buggy, TestConnector::hook("healthy", &other.url)]);
    let hub = TestHub::start_with(config, &registry).await;
    let events: Vec<_> = (0..5).map(|_| fresh_event("lead.captured")).collect();
    for ev in &events {
        assert_eq!(hub.post_event(ev).await.0, 202);
    }
    assert!(
        wait_until(Duration::from_secs(5), async || other.count() == 5).await,
        "the other connector never noticed"
    );
    assert!(
        wait_until(Duration::from_secs(10), async || {
            let mut all = true;
            for ev in &events {
                let list = hub.deliveries_of(ev["id"].as_str().unwrap()).await;
                all &= list
                    .iter()
                    .filter(|d| d["connector"] == "buggy")
                    .all(|d| d["status"] == "succeeded");
            }
            all
        })
        .await,
        "deliveries of the restarted connector went out"
    );
    let mut panicked_attempts = 0;
    for ev in &events {
        for d in hub.deliveries_of(ev["id"].as_str().unwrap()).await {
            let detail = hub
                .admin_get(&format!("/v1/deliveries/{}", d["id"].as_str().unwrap()))
                .await
                .1;
            panicked_attempts += detail["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["error"].as_str().is_some_and(|e| e.contains("panicked")))
                .count();
        }
    }
    assert_eq!(
        panicked_attempts, 2,
        "each panic is logged as a failed attempt"
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn private_targets_are_refused_by_default() {
    let rx = Receiver::start();
    let hub = TestHub::start(
        with([TestConnector::hook("crm", &rx.url)]).delivery("allow_private_targets", false),
    )
    .await;
    let ev = fresh_event("call.started");
    hub.post_event(&ev).await;
    let id = ev["id"].as_str().unwrap();
    assert!(hub.first_delivery_becomes(id, "failed").await);
    let detail = delivery_detail(&hub, id).await;
    assert!(
        detail["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("allow_private_targets"),
        "{detail}"
    );
    assert_eq!(rx.count(), 0, "nothing reached the private address");
    hub.stop().await;
}

#[actix_rt::test]
async fn subscriptions_and_per_type_urls() {
    let rx = Receiver::start();
    let crm = TestConnector::hook("crm", &rx.url)
        .set("events", ["lead.captured", "booking.created"])
        .set(
            "urls",
            json!({"booking.created": format!("{}/bookings", rx.url)}),
        );
    let hub = TestHub::start(with([crm])).await;
    for t in ["call.started", "lead.captured", "booking.created"] {
        let (s, body) = hub.post_event(&fresh_event(t)).await;
        assert_eq!(s, 202);
        assert_eq!(
            body["deliveries"],
            if t == "call.started" { 0 } else { 1 },
            "{t}"
        );
    }
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 2).await);
    let mut paths: Vec<_> = rx
        .received()
        .iter()
        .map(|r| {
            (
                r.header("x-oncallclerk-event").unwrap().to_owned(),
                r.path.clone(),
            )
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ("booking.created".into(), "/bookings".into()),
            ("lead.captured".into(), "/hook".into())
        ]
    );
    hub.stop().await;
}
