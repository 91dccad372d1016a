//! Target health: the circuit breaker (counted at a real failing receiver),
//! `disable_after`, re-enabling, and the health fields of the admin API.

use std::{net::TcpListener, time::Duration};

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{
    fresh_event, limited::LimitedTarget, ms, wait_until, Receiver, Reply, TestConfig,
    TestConnector, TestHub,
};

/// The `crm` webhook connector, posting to `{url}/hook`.
fn crm(url: &str) -> TestConnector {
    TestConnector::hook("crm", url)
}

async fn connector(hub: &TestHub, name: &str) -> Value {
    let (_, list) = hub.admin_get("/v1/connectors").await;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap()
}

#[actix_rt::test]
async fn breaker_stops_hammering_a_dead_target_and_probes_it() {
    let rx = Receiver::start();
    rx.set_default(Reply::Status(500, None));
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("concurrency", 1)
            .delivery("breaker_cooldown", ms(400))
            .delivery("breaker_failures", 3)
            .delivery("breaker_window", ms(100))
            .connector(crm(&rx.url)),
    )
    .await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let ev = fresh_event("lead.captured");
        hub.post_event(&ev).await;
        ids.push(ev["id"].as_str().unwrap().to_owned());
    }
    assert!(wait_until(Duration::from_secs(5), async || rx.count() >= 3).await);
    assert!(
        wait_until(Duration::from_secs(2), async || connector(&hub, "crm")
            .await["health"]["breaker"]
            == "open")
        .await
    );
    // Without the breaker, four deliveries retrying from 50 ms would make
    // about twenty requests in a second. With it: three, then one probe per
    // cooldown (400 ms, then 800 ms).
    let opened = rx.count();
    actix_rt::time::sleep(Duration::from_millis(1000)).await;
    let later = rx.count();
    assert!(
        later <= opened + 2,
        "{opened} then {later} requests while open"
    );
    assert!(later > opened, "no probe was sent");
    for id in &ids {
        let status = &hub.deliveries_of(id).await[0]["status"];
        assert!(status == "retrying" || status == "pending", "{status}");
    }
    let health = connector(&hub, "crm").await["health"].clone();
    assert!(
        health["consecutive_failures"].as_u64().unwrap() >= 3,
        "{health}"
    );
    assert!(health["failing_since"].is_string(), "{health}");
    assert_eq!(health["success_rate"], 0.0);

    // The target recovers: the next probe succeeds, the breaker closes and
    // every waiting delivery goes out.
    rx.set_default(Reply::Status(200, None));
    let all_done = wait_until(Duration::from_secs(10), async || {
        let mut done = 0;
        for id in &ids {
            done += (hub.deliveries_of(id).await[0]["status"] == "succeeded") as usize;
        }
        done == ids.len()
    })
    .await;
    assert!(all_done);
    // Stored health follows within a flush interval.
    let healthy = wait_until(Duration::from_secs(2), async || {
        connector(&hub, "crm").await["health"]["failing_since"] == Value::Null
    })
    .await;
    let c = connector(&hub, "crm").await;
    assert!(healthy, "{c}");
    assert_eq!(c["health"]["breaker"], "closed", "{c}");
    assert_eq!(c["health"]["consecutive_failures"], 0);
    assert!(c["health"]["last_success_at"].is_string());
    hub.stop().await;
}

#[actix_rt::test]
async fn failing_for_disable_after_disables_until_re_enabled() {
    let (rx, ep_rx) = (Receiver::start(), Receiver::start());
    rx.set_default(Reply::Status(503, None));
    ep_rx.set_default(Reply::Status(502, None));
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("disable_after", ms(300))
            .connector(crm(&rx.url)),
    )
    .await;
    let (_, ep) = hub
        .admin_post("/v1/endpoints", json!({"url": format!("{}/ep", ep_rx.url)}))
        .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    hub.post_event(&fresh_event("call.completed")).await;

    assert!(
        wait_until(Duration::from_secs(5), async || connector(&hub, "crm")
            .await["state"]
            == "disabled")
        .await
    );
    let c = connector(&hub, "crm").await;
    assert!(
        c["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("every attempt failed for 300ms"),
        "{c}"
    );
    assert!(
        wait_until(Duration::from_secs(5), async || hub
            .admin_get(&format!("/v1/endpoints/{id}"))
            .await
            .1["enabled"]
            == false)
        .await
    );
    let (_, shown) = hub.admin_get(&format!("/v1/endpoints/{id}")).await;
    assert!(
        shown["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("every attempt failed"),
        "{shown}"
    );
    assert!(
        shown["health"]["consecutive_failures"].as_u64().unwrap() >= 2,
        "{shown}"
    );

    // The operator fixes the target and re-enables the configured connector.
    rx.set_default(Reply::Status(200, None));
    let (status, body) = hub
        .admin_send(
            Method::PATCH,
            "/v1/connectors/crm",
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!((status, &body["state"]), (200, &json!("active")), "{body}");
    assert_eq!(
        connector(&hub, "crm").await["health"]["failing_since"],
        Value::Null
    );
    let before = rx.count();
    let ev = fresh_event("call.completed");
    hub.post_event(&ev).await;
    assert!(wait_until(Duration::from_secs(5), async || rx.count() > before).await);
    let id = ev["id"].as_str().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), async || hub
            .deliveries_of(id)
            .await
            .iter()
            .any(|d| d["connector"] == "crm" && d["status"] == "succeeded"))
        .await
    );
    let (status, _) = hub
        .admin_send(
            Method::PATCH,
            "/v1/connectors/nope",
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(status, 404);
    hub.stop().await;
}

#[actix_rt::test]
async fn no_attempt_starts_after_retry_for_while_the_breaker_is_open() {
    let rx = Receiver::start();
    rx.set_default(Reply::Status(500, None));
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("breaker_cooldown", ms(600))
            .delivery("breaker_failures", 1)
            .delivery("breaker_window", ms(0))
            .delivery("retry_for", ms(300))
            .connector(crm(&rx.url)),
    )
    .await;
    let ev = fresh_event("call.started");
    hub.post_event(&ev).await;
    let id = ev["id"].as_str().unwrap();
    // The retry was due 50 ms later, inside the window, but the breaker held
    // it past the window: it fails without a second request.
    assert!(hub.first_delivery_becomes(id, "failed").await);
    let d = &hub.deliveries_of(id).await[0];
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .contains("retry_for ran out"),
        "{d}"
    );
    assert_eq!(d["attempt_count"], 1, "{d}");
    assert_eq!(rx.count(), 1);
    // It counts as a failed delivery in the metrics, like any final failure.
    let failed = async || {
        let text = hub
            .client
            .get(format!("{}/metrics", hub.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines().any(|l| {
            l.starts_with("switchboard_deliveries_total{")
                && l.contains("connector=\"crm\"")
                && l.contains("outcome=\"failed\"")
                && l.ends_with(" 1")
        })
    };
    assert!(
        wait_until(Duration::from_secs(5), failed).await,
        "switchboard_deliveries_total{{connector=\"crm\",outcome=\"failed\"}} 1 not in /metrics"
    );
    hub.stop().await;
}

/// Sum of the attempts made on these events' deliveries.
async fn attempts(hub: &TestHub, ids: &[String]) -> u64 {
    let mut n = 0;
    for id in ids {
        n += hub.deliveries_of(id).await[0]["attempt_count"]
            .as_u64()
            .unwrap();
    }
    n
}

#[actix_rt::test]
async fn a_flaky_target_keeps_the_retry_schedule_with_the_breaker_on() {
    let target = LimitedTarget::start(None);
    target.fail_first(2);
    // The breaker on, with its default window and cooldown (30 s each).
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("breaker_failures", 3)
            .connector(crm(&target.url)),
    )
    .await;
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for _ in 0..20 {
        let ev = fresh_event("lead.captured");
        hub.post_event(&ev).await;
        ids.push(ev["id"].as_str().unwrap().to_owned());
    }
    let mut opened = false;
    let done = wait_until(Duration::from_secs(10), async || {
        opened |= connector(&hub, "crm").await["health"]["breaker"] != "closed";
        let mut done = 0;
        for id in &ids {
            done += (hub.deliveries_of(id).await[0]["status"] == "succeeded") as usize;
        }
        done == ids.len()
    })
    .await;
    assert!(done, "every event delivered");
    assert!(!opened, "the breaker never left closed");
    // Two retries (50 ms, then 100 ms) each: well within a few seconds, not
    // a 30 s cooldown.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    for id in &ids {
        assert_eq!(hub.deliveries_of(id).await[0]["attempt_count"], 3);
    }
    assert_eq!(target.count(), 60);
    assert_eq!(connector(&hub, "crm").await["health"]["breaker"], "closed");
    hub.stop().await;
}

#[actix_rt::test]
async fn a_refusing_target_opens_the_breaker_only_after_the_window() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("breaker_cooldown", ms(300))
            .delivery("breaker_failures", 3)
            .delivery("breaker_window", Duration::from_secs(1))
            .connector(crm(&url)),
    )
    .await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let ev = fresh_event("lead.captured");
        hub.post_event(&ev).await;
        ids.push(ev["id"].as_str().unwrap().to_owned());
    }
    // Many refused connections already, but not for a whole window yet.
    actix_rt::time::sleep(Duration::from_millis(400)).await;
    assert!(attempts(&hub, &ids).await >= 5);
    assert_eq!(connector(&hub, "crm").await["health"]["breaker"], "closed");
    // Refusing for longer than the window: open, then only probes.
    assert!(
        wait_until(Duration::from_secs(4), async || connector(&hub, "crm")
            .await["health"]["breaker"]
            != "closed")
        .await
    );
    let before = attempts(&hub, &ids).await;
    actix_rt::time::sleep(Duration::from_millis(800)).await;
    let probes = attempts(&hub, &ids).await - before;
    assert!(probes <= 3, "{probes} attempts while open");
    // The target comes back: a probe succeeds and everything goes out.
    let target = LimitedTarget::start_on(TcpListener::bind(("127.0.0.1", port)).unwrap(), None);
    let delivered = wait_until(Duration::from_secs(15), async || {
        let mut done = 0;
        for id in &ids {
            done += (hub.deliveries_of(id).await[0]["status"] == "succeeded") as usize;
        }
        done == ids.len()
    })
    .await;
    assert!(delivered);
    assert_eq!(target.count(), 5, "one successful request per event");
    assert_eq!(connector(&hub, "crm").await["health"]["breaker"], "closed");
    hub.stop().await;
}
