//! Runtime endpoints through the admin API: lifecycle, signed deliveries,
//! secret rotation, deletion, restarts, test events, 410, validation.

use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::support::{fresh_event, wait_until, Receiver, Reply, TestConfig, TestHub};

fn plain_hmac(secret: &str, body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(body);
    hex::encode(m.finalize().into_bytes())
}

async fn create(hub: &TestHub, body: Value) -> Value {
    let (status, ep) = hub.admin_post("/v1/endpoints", body).await;
    assert_eq!(status, 201, "{ep}");
    ep
}

async fn post(hub: &TestHub, kind: &str) -> (String, u64) {
    let ev = fresh_event(kind);
    let (status, body) = hub.post_event(&ev).await;
    assert_eq!(status, 202, "{body}");
    (
        ev["id"].as_str().unwrap().to_owned(),
        body["deliveries"].as_u64().unwrap(),
    )
}

#[actix_rt::test]
async fn lifecycle_signed_deliveries_rotation_and_delete() {
    let rx = Receiver::start();
    let hub = TestHub::start(TestConfig::default()).await;
    let ep = create(
        &hub,
        json!({"url": format!("{}/zap", rx.url), "events": ["lead.captured", "call.completed"],
               "description": "Zapier: new leads"}),
    )
    .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    let first = ep["secret"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ep_"), "{ep}");
    assert!(first.starts_with("whsec_") && first.len() >= 6 + 32, "{ep}");
    assert_eq!(ep["enabled"], true);

    // The secret is shown once: reads mask it.
    let (status, shown) = hub.admin_get(&format!("/v1/endpoints/{id}")).await;
    assert_eq!(status, 200);
    let masked = shown["secret"].as_str().unwrap();
    assert_ne!(masked, first);
    assert!(masked.ends_with(&first[first.len() - 4..]), "{masked}");
    let (_, list) = hub.admin_get("/v1/endpoints").await;
    assert_eq!(list["data"][0]["id"], id.as_str());
    assert_eq!(list["next_cursor"], Value::Null);
    assert!(!list.to_string().contains(&first));

    // Delivered, signed with the secret, under the endpoint's id.
    let (event_id, n) = post(&hub, "lead.captured").await;
    assert_eq!(n, 1);
    assert_eq!(post(&hub, "call.started").await.1, 0, "not subscribed");
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 1).await);
    let r = &rx.received()[0];
    assert_eq!(r.path, "/zap");
    assert_eq!(r.header("webhook-id"), Some(event_id.as_str()));
    assert_eq!(
        r.header("x-oncallclerk-signature").unwrap(),
        plain_hmac(&first, &r.body)
    );
    assert!(r.signed_by(&first));
    assert_eq!(
        hub.deliveries_of(&event_id).await[0]["connector"],
        id.as_str()
    );

    // Rotation: during the overlap both secrets sign, newest first.
    let (status, rotated) = hub
        .admin_post(
            &format!("/v1/endpoints/{id}/rotate-secret"),
            json!({"overlap": "1500ms"}),
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    let second = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let overlap_ends = chrono::DateTime::parse_from_rfc3339(
        rotated["previous_secret_expires_at"].as_str().unwrap(),
    )
    .unwrap();
    post(&hub, "lead.captured").await;
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 2).await);
    let r = &rx.received()[1];
    assert_eq!(
        r.header("x-oncallclerk-signature").unwrap(),
        format!(
            "{},{}",
            plain_hmac(&second, &r.body),
            plain_hmac(&first, &r.body)
        )
    );
    assert_eq!(r.header("webhook-signature").unwrap().split(' ').count(), 2);
    assert!(r.signed_by(&second) && r.signed_by(&first));

    // After the overlap only the new secret signs.
    let wait = (overlap_ends.timestamp_millis() - chrono::Utc::now().timestamp_millis()).max(0);
    actix_rt::time::sleep(Duration::from_millis(wait as u64 + 50)).await;
    post(&hub, "call.completed").await;
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 3).await);
    let r = &rx.received()[2];
    assert_eq!(
        r.header("x-oncallclerk-signature").unwrap(),
        plain_hmac(&second, &r.body)
    );
    assert!(r.signed_by(&second));
    assert!(!r.signed_by(&first), "the old secret no longer signs");

    // Delete while a delivery is retrying: it stops and ends `disabled`.
    rx.set_default(Reply::Status(500, None));
    let (stuck, _) = post(&hub, "lead.captured").await;
    assert!(wait_until(Duration::from_secs(5), async || rx.count() >= 5).await);
    let (status, _) = hub
        .admin_send(Method::DELETE, &format!("/v1/endpoints/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let d = &hub.deliveries_of(&stuck).await[0];
    assert_eq!(d["status"], "disabled", "{d}");
    assert_eq!(d["last_error"], "endpoint deleted");
    let seen = rx.count();
    assert_eq!(
        post(&hub, "lead.captured").await.1,
        0,
        "no deliveries after delete"
    );
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.count(), seen, "no more requests after delete");
    let (status, _) = hub.admin_get(&format!("/v1/endpoints/{id}")).await;
    assert_eq!(status, 404);
    hub.stop().await;
}

#[actix_rt::test]
async fn endpoints_survive_a_restart_with_their_secrets() {
    let rx = Receiver::start();
    let hub = TestHub::start(TestConfig::default()).await;
    let ep = create(&hub, json!({"url": format!("{}/hook", rx.url)})).await;
    let secret = ep["secret"].as_str().unwrap().to_owned();
    let hub = hub.restart().await;
    let (_, n) = post(&hub, "voicemail.left").await;
    assert_eq!(n, 1, "the restarted hub subscribes the stored endpoint");
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 1).await);
    assert!(rx.received()[0].signed_by(&secret));
    hub.stop().await;
}

#[actix_rt::test]
async fn test_event_goes_to_that_endpoint_only() {
    let (a, b) = (Receiver::start(), Receiver::start());
    let hub = TestHub::start(TestConfig::default()).await;
    let ep = create(&hub, json!({"url": format!("{}/a", a.url)})).await;
    create(&hub, json!({"url": format!("{}/b", b.url)})).await;
    let id = ep["id"].as_str().unwrap();
    let (status, fired) = hub
        .admin_post(
            &format!("/v1/endpoints/{id}/test"),
            json!({"event_type": "booking.created"}),
        )
        .await;
    assert_eq!(status, 202, "{fired}");
    assert!(wait_until(Duration::from_secs(5), async || a.count() == 1).await);
    let r = &a.received()[0];
    assert_eq!(r.header("x-oncallclerk-event"), Some("booking.created"));
    assert_eq!(r.header("webhook-id"), fired["event_id"].as_str());
    assert_eq!(
        r.header("x-oncallclerk-delivery"),
        fired["delivery_id"].as_str()
    );
    assert!(r.json()["data"]["call_id"].is_string());
    actix_rt::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(b.count(), 0, "the other endpoint got nothing");
    let (status, err) = hub
        .admin_post(
            &format!("/v1/endpoints/{id}/test"),
            json!({"event_type": "lead.capturd"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["path"].as_str()),
        (422, Some("/event_type"))
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn gone_disables_an_endpoint_until_it_is_re_enabled() {
    let rx = Receiver::start();
    rx.script([Reply::Status(410, None)]);
    let hub = TestHub::start(TestConfig::default()).await;
    let ep = create(&hub, json!({"url": format!("{}/hook", rx.url)})).await;
    let id = ep["id"].as_str().unwrap();
    let (first, _) = post(&hub, "call.started").await;
    let disabled = wait_until(Duration::from_secs(5), async || {
        hub.admin_get(&format!("/v1/endpoints/{id}")).await.1["enabled"] == false
    })
    .await;
    assert!(disabled, "receiver saw {}", rx.count());
    assert_eq!(hub.deliveries_of(&first).await[0]["status"], "disabled");
    let (_, shown) = hub.admin_get(&format!("/v1/endpoints/{id}")).await;
    assert!(
        shown["disabled_reason"].as_str().unwrap().contains("410"),
        "{shown}"
    );
    let (second, _) = post(&hub, "call.started").await;
    assert_eq!(hub.deliveries_of(&second).await[0]["status"], "disabled");
    assert_eq!(rx.count(), 1);

    let (status, patched) = hub
        .admin_send(
            Method::PATCH,
            &format!("/v1/endpoints/{id}"),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(
        (status, &patched["enabled"]),
        (200, &json!(true)),
        "{patched}"
    );
    // Re-enabling sends the held deliveries, and new ones flow again.
    let (third, _) = post(&hub, "call.started").await;
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 4).await);
    let mut sent: Vec<_> = rx.received()[1..]
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    sent.sort();
    let mut want = vec![first, second, third];
    want.sort();
    assert_eq!(sent, want, "each held and new event once");
    hub.stop().await;
}

#[actix_rt::test]
async fn patch_changes_targets_and_subscription_in_place() {
    let (a, b) = (Receiver::start(), Receiver::start());
    let hub = TestHub::start(TestConfig::default()).await;
    let ep = create(
        &hub,
        json!({"url": format!("{}/a", a.url), "events": ["lead.captured"]}),
    )
    .await;
    let id = ep["id"].as_str().unwrap();
    let (status, patched) = hub
        .admin_send(
            Method::PATCH,
            &format!("/v1/endpoints/{id}"),
            Some(
                json!({"urls": {"call.started": format!("{}/started", b.url)},
                        "events": ["lead.captured", "call.started"], "description": "two"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["description"], "two");
    assert_eq!(
        patched["url"],
        format!("{}/a", a.url),
        "untouched fields stay"
    );
    post(&hub, "call.started").await;
    post(&hub, "lead.captured").await;
    assert!(
        wait_until(Duration::from_secs(5), async || a.count() == 1
            && b.count() == 1)
        .await
    );
    assert_eq!(b.received()[0].path, "/started");

    let (status, _) = hub
        .admin_send(
            Method::PATCH,
            &format!("/v1/endpoints/{id}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, 200);
    let (ev, _) = post(&hub, "lead.captured").await;
    assert_eq!(hub.deliveries_of(&ev).await[0]["status"], "disabled");
    hub.stop().await;
}

#[actix_rt::test]
async fn bad_requests_name_the_field() {
    let hub = TestHub::start(TestConfig::default()).await;
    for (body, path) in [
        (json!({"url": "ftp://example.com"}), "/url"),
        (json!({}), "/url"),
        (
            json!({"url": "https://example.com", "events": ["lead.captured", "nope"]}),
            "/events/1",
        ),
        (
            json!({"urls": {"call.startd": "https://example.com"}}),
            "/urls/call.startd",
        ),
    ] {
        let (status, err) = hub.admin_post("/v1/endpoints", body.clone()).await;
        assert_eq!(status, 422, "{body} -> {err}");
        assert_eq!(err["error"]["path"], path, "{err}");
    }
    let (status, err) = hub
        .admin_post(
            "/v1/endpoints",
            json!({"url": "https://example.com", "evnets": []}),
        )
        .await;
    // Well-formed JSON with an unknown field: 422 naming it (400 is for malformed JSON).
    assert_eq!(status, 422);
    assert!(
        err["error"]["message"].as_str().unwrap().contains("evnets"),
        "{err}"
    );
    let ep = create(&hub, json!({"url": "https://example.com"})).await;
    let id = ep["id"].as_str().unwrap();
    let (status, err) = hub
        .admin_post(
            &format!("/v1/endpoints/{id}/rotate-secret"),
            json!({"overlap": "soon"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["path"].as_str()),
        (422, Some("/overlap"))
    );
    let (status, _) = hub.admin_get("/v1/endpoints/ep_nope").await;
    assert_eq!(status, 404);
    let resp = hub
        .client
        .get(format!("{}/v1/endpoints", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    hub.stop().await;
}
