//! Retention through a running hub, with ages of milliseconds.

use std::time::Duration;

use crate::{
    storage::support::pg,
    support::{fresh_event, ms, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub},
};

/// A hub delivering every event to `ok` (answers 200) and call.completed
/// also to `down` (answers 503, so those deliveries stay `retrying`),
/// pruning succeeded deliveries 300 ms after they succeed.
fn config(ok: &Receiver, down: &Receiver) -> TestConfig {
    TestConfig::default()
        .connector(TestConnector::hook("ok", &ok.url))
        .connector(TestConnector::hook("down", &down.url).set("events", ["call.completed"]))
        .section("retention", "succeeded", ms(300))
        .section("retention", "interval", ms(100))
}

async fn event_status(hub: &TestHub, id: &str) -> u16 {
    hub.admin_get(&format!("/v1/events/{id}")).await.0
}

async fn delivered_events_go_and_active_ones_stay(storage: Option<&str>) {
    let (ok, down) = (Receiver::start(), Receiver::start());
    down.set_default(Reply::Status(503, None));
    let mut config = config(&ok, &down);
    if let Some(url) = storage {
        config = config.storage_url(url);
    }
    let hub = TestHub::start(config).await;
    let mut delivered = Vec::new();
    for _ in 0..5 {
        let ev = fresh_event("lead.captured");
        assert_eq!(hub.post_event(&ev).await.0, 202);
        delivered.push(ev["id"].as_str().unwrap().to_owned());
    }
    let call = fresh_event("call.completed");
    assert_eq!(hub.post_event(&call).await.0, 202);
    let call_id = call["id"].as_str().unwrap();

    let all_gone = wait_until(Duration::from_secs(10), async || {
        for id in &delivered {
            if event_status(&hub, id).await != 404 {
                return false;
            }
        }
        true
    })
    .await;
    assert!(all_gone, "delivered events were not pruned");
    // The event with a retrying delivery stays, with that delivery only:
    // its succeeded sibling went, its own attempts are all there.
    let only_retrying = wait_until(Duration::from_secs(5), async || {
        let left = hub.deliveries_of(call_id).await;
        left.len() == 1 && left[0]["connector"] == "down"
    })
    .await;
    assert!(only_retrying, "{:?}", hub.deliveries_of(call_id).await);
    let (status, event) = hub.admin_get(&format!("/v1/events/{call_id}")).await;
    assert_eq!(status, 200, "{event}");
    let left = hub.deliveries_of(call_id).await;
    assert!(matches!(
        left[0]["status"].as_str(),
        Some("retrying" | "pending")
    ));
    let (_, detail) = hub
        .admin_get(&format!(
            "/v1/deliveries/{}",
            left[0]["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        detail["attempts"].as_array().is_some_and(|a| !a.is_empty()),
        "{detail}"
    );
    assert!(down.count() > 0 && ok.count() >= 6);
    hub.stop().await;
}

#[actix_rt::test]
async fn delivered_events_are_pruned_and_retrying_ones_kept_on_sqlite() {
    delivered_events_go_and_active_ones_stay(None).await;
}

#[actix_rt::test]
async fn delivered_events_are_pruned_and_retrying_ones_kept_on_postgres() {
    let Some(pg) = pg("retention_hub").await else {
        return;
    };
    delivered_events_go_and_active_ones_stay(Some(&pg.url)).await;
    pg.drop().await;
}

/// Ingests and prunes continuously: the file levels off instead of growing
/// with every event.
#[actix_rt::test]
async fn the_sqlite_file_stays_flat_while_ingest_and_pruning_go_on() {
    let ok = Receiver::start();
    let config = TestConfig::default()
        .connector(TestConnector::hook("ok", &ok.url))
        .section("retention", "succeeded", ms(200))
        .section("retention", "interval", ms(100));
    let hub = TestHub::start(config).await;
    let db = hub.dir.path().join("hub.db");
    let size = || std::fs::metadata(&db).map_or(0, |m| m.len());
    const ROUNDS: usize = 14;
    const PER_ROUND: usize = 150;
    let mut sizes = Vec::new();
    for _ in 0..ROUNDS {
        for _ in 0..PER_ROUND {
            assert_eq!(hub.post_event(&fresh_event("call.completed")).await.0, 202);
        }
        actix_rt::time::sleep(Duration::from_millis(500)).await;
        sizes.push(size());
    }
    let body = fresh_event("call.completed").to_string().len() as u64;
    let ingested = body * (ROUNDS * PER_ROUND) as u64;
    eprintln!("file sizes per round: {sizes:?}; {ingested} bytes of events ingested");
    // Without pruning the file holds every event, and its second half of
    // the run doubles it. With pruning it moves within a band: freed pages
    // are reused, and given back to the disk after each prune. (The WAL
    // beside it is bounded by SQLite's automatic checkpoints.)
    let (first, second) = sizes.split_at(ROUNDS / 2);
    let peak = |s: &[u64]| s.iter().copied().max().unwrap_or(0);
    assert!(
        peak(second) <= 2 * peak(first) && peak(second) < ingested / 4,
        "the file kept growing: {sizes:?} bytes for {ingested} ingested"
    );
    let (_, page) = hub.admin_get("/v1/deliveries?limit=200").await;
    let kept = page["data"].as_array().map_or(0, Vec::len);
    assert!(kept < 200, "deliveries were not pruned: {kept}+ left");
    hub.stop().await;
}
