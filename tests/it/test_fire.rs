//! `POST /v1/connectors/{name}/test`: a sample event to one connector only.

use std::time::Duration;

use serde_json::json;

use crate::support::{wait_until, Receiver, TestConfig, TestConnector, TestHub};

#[actix_rt::test]
async fn test_fire_reaches_only_the_chosen_connector() {
    let rx = Receiver::start();
    let hub =
        TestHub::start(
            TestConfig::default().connectors([
                TestConnector::webhook("a", &format!("{}/a", rx.url)),
                TestConnector::webhook("b", &format!("{}/b", rx.url)),
                TestConnector::webhook("leads", &format!("{}/l", rx.url))
                    .set("events", ["lead.captured"]),
            ]),
        )
        .await;
    let (s, fired) = hub
        .admin_post(
            "/v1/connectors/b/test",
            json!({"event_type": "booking.created"}),
        )
        .await;
    assert_eq!(s, 202, "{fired}");
    // The same answer as an endpoint's test-fire: the event and its one delivery.
    let delivery = fired["delivery_id"].as_str().expect("delivery_id");
    let (s, shown) = hub.admin_get(&format!("/v1/deliveries/{delivery}")).await;
    assert_eq!((s, &shown["connector"]), (200, &json!("b")), "{shown}");
    assert_eq!(shown["event_id"], fired["event_id"]);
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 1).await);
    actix_rt::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.count(), 1, "a and leads got nothing");
    let got = &rx.received()[0];
    assert_eq!(got.path, "/b");
    let body = got.json();
    assert_eq!(body["type"], "booking.created");
    assert_eq!(
        body["id"], fired["event_id"],
        "a fresh sample event, as stored"
    );

    let (s, e) = hub
        .admin_post(
            "/v1/connectors/leads/test",
            json!({"event_type": "call.started"}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("not_subscribed"))
    );
    let (s, e) = hub
        .admin_post(
            "/v1/connectors/a/test",
            json!({"event_type": "call.startd"}),
        )
        .await;
    assert_eq!((s, e["error"]["path"].as_str()), (422, Some("/event_type")));
    let (s, _) = hub
        .admin_post(
            "/v1/connectors/nope/test",
            json!({"event_type": "call.started"}),
        )
        .await;
    assert_eq!(s, 404);
    let unauthorized = hub
        .client
        .post(format!("{}/v1/connectors/a/test", hub.url))
        .json(&json!({"event_type": "call.started"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);
    hub.stop().await;
}
