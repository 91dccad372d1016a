//! The ingest contract: the error table in order, nothing stored on rejection, idempotency.

use serde_json::{json, Value};

use crate::support::{fresh_event, Receiver, TestConfig, TestConnector, TestHub, ADMIN, INGEST};

async fn hub() -> (TestHub, Receiver) {
    let rx = Receiver::start();
    let hub =
        TestHub::start(TestConfig::default().connector(TestConnector::hook("all", &rx.url))).await;
    (hub, rx)
}

async fn nothing_stored(hub: &TestHub) {
    let (status, page) = hub.admin_get("/v1/deliveries").await;
    assert_eq!(status, 200);
    assert_eq!(
        page["data"],
        json!([]),
        "a rejected request stored deliveries"
    );
}

fn assert_error(status: u16, body: &Value, want: u16, code: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        !body["error"]["message"].as_str().unwrap_or("").is_empty(),
        "{body}"
    );
}

#[actix_rt::test]
async fn error_table_in_order_and_nothing_stored() {
    let (hub, _rx) = hub().await;
    let good = serde_json::to_vec(&fresh_event("lead.captured")).unwrap();
    let big = vec![b' '; 70_000];

    let (s, b) = hub.post_raw(good.clone(), "application/json", None).await;
    assert_error(s, &b, 401, "unauthorized");
    let (s, b) = hub
        .post_raw(good.clone(), "application/json", Some("wrong"))
        .await;
    assert_error(s, &b, 401, "unauthorized");
    let (s, b) = hub
        .post_raw(good.clone(), "application/json", Some(ADMIN))
        .await;
    assert_error(s, &b, 401, "unauthorized");
    // Token is checked before content type, content type before size, size before syntax.
    let (s, b) = hub.post_raw(big.clone(), "text/plain", None).await;
    assert_error(s, &b, 401, "unauthorized");
    let (s, b) = hub.post_raw(big.clone(), "text/plain", Some(INGEST)).await;
    assert_error(s, &b, 415, "unsupported_media_type");
    let (s, b) = hub.post_raw(good.clone(), "", Some(INGEST)).await;
    assert_error(s, &b, 415, "unsupported_media_type");
    let (s, b) = hub.post_raw(big, "application/json", Some(INGEST)).await;
    assert_error(s, &b, 413, "payload_too_large");
    let (s, b) = hub
        .post_raw(b"{\"type\": ".to_vec(), "application/json", Some(INGEST))
        .await;
    assert_error(s, &b, 400, "malformed_json");

    let mut unknown = fresh_event("lead.captured");
    unknown["type"] = "call.unknown".into();
    let (s, b) = hub.post_event(&unknown).await;
    assert_error(s, &b, 422, "invalid_event");
    assert_eq!(b["error"]["path"], "/type");

    let mut wrong_type = fresh_event("lead.captured");
    wrong_type["data"]["lead"]["phone"] = json!(5551234567u64);
    let (s, b) = hub.post_event(&wrong_type).await;
    assert_error(s, &b, 422, "invalid_event");
    assert_eq!(b["error"]["path"], "/data/lead/phone");

    let mut missing = fresh_event("call.started");
    missing["data"].as_object_mut().unwrap().remove("call_id");
    let (s, b) = hub.post_event(&missing).await;
    assert_error(s, &b, 422, "invalid_event");

    let (s, b) = hub
        .post_raw(b"[1, 2]".to_vec(), "application/json", Some(INGEST))
        .await;
    assert_error(s, &b, 422, "invalid_event");

    nothing_stored(&hub).await;
    let (s, _) = hub
        .admin_get(&format!(
            "/v1/events/{}",
            wrong_type["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 404);
    hub.stop().await;
}

#[actix_rt::test]
async fn ingest_token_does_not_grant_admin() {
    let (hub, _rx) = hub().await;
    let resp = hub
        .client
        .get(format!("{}/v1/deliveries", hub.url))
        .bearer_auth(INGEST)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let resp = hub
        .client
        .get(format!("{}/v1/deliveries", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    hub.stop().await;
}

#[actix_rt::test]
async fn id_and_created_are_generated_and_unknown_fields_kept() {
    let (hub, rx) = hub().await;
    let mut ev = fresh_event("call.started");
    let obj = ev.as_object_mut().unwrap();
    obj.remove("id");
    obj.remove("created");
    ev["data"]["future_field"] = json!({"nested": [1, 2, 3]});
    ev["top_level_extra"] = json!("kept");
    let (s, b) = hub.post_event(&ev).await;
    assert_eq!(s, 202, "{b}");
    let id = b["id"].as_str().unwrap();
    assert!(id.starts_with("evt_") && id.len() == 30, "{id}");
    assert!(
        crate::support::wait_until(std::time::Duration::from_secs(5), async || rx.count() == 1)
            .await
    );
    let got = rx.received()[0].json();
    assert_eq!(got["id"], id);
    assert!(got["created"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(got["data"]["future_field"], json!({"nested": [1, 2, 3]}));
    assert_eq!(got["top_level_extra"], "kept");
    hub.stop().await;
}

#[actix_rt::test]
async fn idempotent_on_id_even_when_concurrent() {
    let (hub, rx) = hub().await;
    let ev = fresh_event("lead.captured");
    let posts = (0..16).map(|_| hub.post_event(&ev));
    let results = futures::future::join_all(posts).await;
    let accepted = results.iter().filter(|(s, _)| *s == 202).count();
    let repeated = results.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!((accepted, repeated), (1, 15), "{results:?}");
    for (_, body) in &results {
        assert_eq!(body, &json!({"id": ev["id"], "deliveries": 1}));
    }
    let (s, _) = hub.post_event(&ev).await;
    assert_eq!(s, 200);
    assert!(
        crate::support::wait_until(std::time::Duration::from_secs(5), async || rx.count() >= 1)
            .await
    );
    actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rx.count(), 1, "one delivery only");
    assert_eq!(hub.deliveries_of(ev["id"].as_str().unwrap()).await.len(), 1);
    hub.stop().await;
}

#[actix_rt::test]
async fn schemas_are_served() {
    let (hub, _rx) = hub().await;
    let (s, schema) = hub.admin_get("/v1/schemas/lead.captured").await;
    assert_eq!(s, 200);
    assert_eq!(schema["properties"]["type"]["const"], "lead.captured");
    let (s, _) = hub.admin_get("/v1/schemas/call.unknown").await;
    assert_eq!(s, 404);
    hub.stop().await;
}
