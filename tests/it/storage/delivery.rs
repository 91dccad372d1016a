//! The core delivery path on each back-end: a hub in this process, a loopback
//! target that fails once then succeeds, the admin API reading the result.

use std::{
    net::TcpListener,
    time::{Duration, Instant},
};
use switchboard_core::account::Scope;

use serde_json::Value;
use switchboard::registry::registry;
use switchboard_core::{
    config::Config,
    delivery::DeliveryState,
    event::fixtures,
    hub::Hub,
    storage::{self, ReplaySelector, Replayed},
};

use super::support::{pg, storage_config, Receiver};
use crate::support::{ms, wait_until, TestConfig, TestConnector};

fn hub_config(url: &str, node: &str, target: &str, poll: Duration) -> Config {
    TestConfig::bare()
        .server("ingest_token", "it-ingest")
        .server("admin_token", "it-admin")
        .storage_url(url)
        .storage("lease", Duration::from_secs(2))
        .storage("poll_interval", poll)
        .node(node)
        .delivery("timeout", Duration::from_secs(1))
        .delivery("first_retry", ms(100))
        .delivery("allow_private_targets", true)
        // Every delivery fails on purpose here (or times out under load); the
        // breaker would hold them for its cooldown. Its own tests are in health.rs.
        .delivery("breaker_failures", 0)
        .connector(
            TestConnector::new("target", "webhook")
                .set("url", target)
                .set("secret", switchboard_core::signing::SigningKey::generate()),
        )
        .build()
}

async fn get(client: &reqwest::Client, url: &str) -> Value {
    client
        .get(url)
        .bearer_auth("it-admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Six events, each failing once at the target then delivered; checks the log.
async fn delivers_with_a_retry(url: &str) {
    let receiver = Receiver::start(1, Duration::ZERO, 1);
    let config = hub_config(url, "node-a", &receiver.url, Duration::from_secs(1));
    let hub = Hub::start(&config, &registry()).await.expect("hub");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let running = hub.serve(listener, false).unwrap();
    let client = reqwest::Client::new();

    let ready = get(&client, &format!("{base}/readyz")).await;
    assert_eq!(ready["node"], "node-a");
    let mut events = Vec::new();
    let mut first_latency = Duration::ZERO;
    for (_, src) in fixtures() {
        let sent = Instant::now();
        let resp = client
            .post(format!("{base}/v1/events"))
            .bearer_auth("it-ingest")
            .header("content-type", "application/json")
            .body(src)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
        let body: Value = resp.json().await.unwrap();
        events.push((body["id"].as_str().unwrap().to_owned(), sent));
    }
    assert_eq!(receiver.wait_delivered(6, Duration::from_secs(15)).await, 6);
    let seen = receiver.snapshot();
    for (event, sent) in &events {
        let s = seen.values().find(|s| &s.event == event).expect("received");
        first_latency = first_latency.max(s.requests[0].1 - *sent);
        assert_eq!(s.requests.len(), 2, "one failure, one success");
        assert_eq!(s.overlaps, 0);
    }
    println!("first attempt within {first_latency:?} of the 202 (slowest of 6)");
    assert!(first_latency < Duration::from_secs(1));

    // The target answers before the hub records the attempt: wait for the log.
    let mut page = Value::Null;
    wait_until(Duration::from_secs(10), async || {
        page = get(&client, &format!("{base}/v1/deliveries?connector=target")).await;
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "succeeded")
    })
    .await;
    let list = page["data"].as_array().unwrap();
    assert_eq!(list.len(), 6);
    for d in list {
        assert_eq!(d["status"], "succeeded");
        assert_eq!(d["attempt_count"], 2);
        let detail = get(
            &client,
            &format!("{base}/v1/deliveries/{}", d["id"].as_str().unwrap()),
        )
        .await;
        let attempts = detail["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 2);
        assert_eq!(attempts[0]["status_code"], 503);
        assert_eq!(attempts[1]["status_code"], 200);
        assert!(attempts.iter().all(|a| a["node"] == "node-a"));
    }
    let replay = client
        .post(format!("{base}/v1/events/{}/replay", events[0].0))
        .bearer_auth("it-admin")
        .send()
        .await
        .unwrap();
    assert!(replay.status().is_success());
    let replayed = wait_until(Duration::from_secs(5), async || {
        receiver
            .snapshot()
            .values()
            .find(|s| s.event == events[0].0)
            .unwrap()
            .succeeded
            >= 2
    })
    .await;
    assert!(replayed, "replayed delivery not made");
    running.stop().await;
}

#[actix_rt::test]
async fn hub_delivers_with_retries_on_postgres() {
    let Some(pg) = pg("hub_delivers").await else {
        return;
    };
    delivers_with_a_retry(&pg.url).await;
    pg.drop().await;
}

#[actix_rt::test]
async fn hub_delivers_with_retries_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    delivers_with_a_retry(&format!("sqlite://{}", dir.path().join("hub.db").display())).await;
}

/// A replay made through another node reaches this one by `NOTIFY`, long
/// before its poll (60 s here) would have found it.
#[actix_rt::test]
async fn work_released_elsewhere_is_picked_up_promptly() {
    let Some(pg) = pg("notify").await else {
        return;
    };
    let receiver = Receiver::start(0, Duration::ZERO, 1);
    let config = hub_config(&pg.url, "node-a", &receiver.url, Duration::from_secs(60));
    let hub = Hub::start(&config, &registry()).await.expect("hub");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let running = hub.serve(listener, false).unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{base}/v1/events"))
        .bearer_auth("it-ingest")
        .header("content-type", "application/json")
        .body(fixtures()[0].1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    assert_eq!(receiver.wait_delivered(1, Duration::from_secs(5)).await, 1);
    let delivery = receiver.snapshot().into_keys().next().unwrap();
    let other_node = storage::open(&storage_config(&pg.url)).await.unwrap();
    // Replay leaves in-flight deliveries alone: wait until the success is recorded.
    let recorded = wait_until(Duration::from_secs(5), async || {
        other_node
            .delivery(&Scope::default(), &delivery)
            .await
            .unwrap()
            .unwrap()
            .delivery
            .status
            == DeliveryState::Succeeded
    })
    .await;
    assert!(recorded, "the attempt was never recorded");
    let replayed = other_node
        .replay(
            &Scope::default(),
            &ReplaySelector::Delivery(delivery.clone()),
        )
        .await
        .unwrap();
    assert_eq!(
        replayed,
        vec![Replayed {
            connector: "target".to_owned(),
            count: 1
        }]
    );
    let asked = Instant::now();
    let woken = wait_until(Duration::from_secs(5), async || {
        receiver.snapshot()[&delivery].succeeded >= 2
    })
    .await;
    assert!(woken, "the notice did not wake the hub");
    println!(
        "replay through another node delivered in {:?}",
        asked.elapsed()
    );
    running.stop().await;
    pg.drop().await;
}
