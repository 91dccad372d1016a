//! The admin API: connectors, events, pagination, replay.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{
    fresh_event, ms, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub,
};

async fn hub(rx: &Receiver) -> TestHub {
    TestHub::start(TestConfig::default().connectors([
        TestConnector::webhook("a", &format!("{}/a", rx.url)),
        TestConnector::webhook("b", &format!("{}/b", rx.url)).set("events", ["lead.captured"]),
    ]))
    .await
}

#[actix_rt::test]
async fn lists_paginate_newest_first_with_filters() {
    let rx = Receiver::start();
    let hub = hub(&rx).await;
    for _ in 0..7 {
        hub.post_event(&fresh_event("lead.captured")).await;
    }
    // The receiver answers before the hub records the attempt: wait for the log.
    assert!(
        wait_until(Duration::from_secs(5), async || {
            hub.admin_get("/v1/deliveries?status=succeeded&limit=100")
                .await
                .1["data"]
                .as_array()
                .unwrap()
                .len()
                == 14
        })
        .await
    );

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let (s, page) = hub
            .admin_get(&format!("/v1/deliveries?connector=b&limit=3{q}"))
            .await;
        assert_eq!(s, 200, "{page}");
        for d in page["data"].as_array().unwrap() {
            for key in [
                "id",
                "event_id",
                "event_type",
                "connector",
                "status",
                "attempt_count",
                "next_attempt_at",
                "created_at",
                "updated_at",
            ] {
                assert!(d.get(key).is_some(), "missing {key}: {d}");
            }
            assert_eq!(d["connector"], "b");
            seen.push(d["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, no repeats across pages");

    let (_, succeeded) = hub
        .admin_get("/v1/deliveries?status=succeeded&limit=100")
        .await;
    assert_eq!(succeeded["data"].as_array().unwrap().len(), 14);
    let (s, bad) = hub.admin_get("/v1/deliveries?status=bogus").await;
    assert_eq!(s, 400);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pending"),
        "{bad}"
    );

    let (_, connectors) = hub.admin_get("/v1/connectors").await;
    let b = connectors["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "b")
        .unwrap()
        .clone();
    assert_eq!(b["counts"]["succeeded"], 7, "{b}");
    assert_eq!(b["state"], "active");
    assert_eq!(b["events"], json!(["lead.captured"]));
    hub.stop().await;
}

#[actix_rt::test]
async fn event_view_and_replays() {
    let rx = Receiver::start();
    let hub = hub(&rx).await;
    let ev = fresh_event("lead.captured");
    let id = ev["id"].as_str().unwrap();
    hub.post_event(&ev).await;
    assert!(
        wait_until(Duration::from_secs(5), async || {
            hub.deliveries_of(id)
                .await
                .iter()
                .filter(|d| d["status"] == "succeeded")
                .count()
                == 2
        })
        .await
    );

    let (s, view) = hub.admin_get(&format!("/v1/events/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(view["type"], "lead.captured");
    assert_eq!(view["data"], ev["data"]);
    assert_eq!(view["deliveries"].as_array().unwrap().len(), 2);

    let (s, body) = hub
        .admin_post(&format!("/v1/events/{id}/replay"), Value::Null)
        .await;
    assert_eq!((s, body["replayed"].as_u64()), (202, Some(2)));
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 4).await);
    let ids: Vec<_> = rx
        .received()
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|i| i == id), "replays keep the event id");

    let (s, _) = hub
        .admin_post("/v1/events/evt_nope/replay", Value::Null)
        .await;
    assert_eq!(s, 404);
    let (s, _) = hub.admin_get("/v1/deliveries/dlv_nope").await;
    assert_eq!(s, 404);
    hub.stop().await;
}

#[actix_rt::test]
async fn bulk_replay_of_failed_deliveries() {
    let rx = Receiver::start();
    rx.set_default(Reply::Status(400, None));
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("retry_for", ms(100))
            .connector(TestConnector::webhook("a", &format!("{}/a", rx.url))),
    )
    .await;
    let since = chrono::Utc::now().to_rfc3339();
    for _ in 0..5 {
        hub.post_event(&fresh_event("call.started")).await;
    }
    assert!(
        wait_until(Duration::from_secs(5), async || {
            hub.admin_get("/v1/deliveries?status=failed").await.1["data"]
                .as_array()
                .unwrap()
                .len()
                == 5
        })
        .await
    );
    rx.set_default(Reply::Status(204, None));
    let (s, body) = hub
        .admin_post("/v1/replay", json!({"status": "failed"}))
        .await;
    assert_eq!(
        (s, body["error"]["path"].as_str()),
        (422, Some("/since")),
        "since is required: {body}"
    );
    let (s, body) = hub
        .admin_post(
            "/v1/replay",
            json!({"since": since, "status": "failed", "connector": "a"}),
        )
        .await;
    assert_eq!((s, body["replayed"].as_u64()), (202, Some(5)), "{body}");
    assert!(
        wait_until(Duration::from_secs(5), async || {
            hub.admin_get("/v1/deliveries?status=succeeded").await.1["data"]
                .as_array()
                .unwrap()
                .len()
                == 5
        })
        .await
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn health_and_readiness() {
    let rx = Receiver::start();
    let hub = hub(&rx).await;
    let (s, body) = hub.admin_get("/healthz").await;
    assert_eq!((s, body["status"].as_str()), (200, Some("ok")));
    let (s, body) = hub.admin_get("/readyz").await;
    assert_eq!(s, 200);
    assert!(
        body["node"].as_str().is_some_and(|n| !n.is_empty()),
        "{body}"
    );
    let (s, body) = hub.admin_get("/v1/nope").await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    hub.stop().await;
}
