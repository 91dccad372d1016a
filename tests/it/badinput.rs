//! Hostile input at the edges: every bad body gets one clear 4xx answer,
//! nothing is stored for it, the hub stays up, and event data can never
//! inject a header into an outbound request.

use std::time::Duration;

use serde_json::Value;

use crate::support::{
    fresh_event, wait_until, Receiver, TestConfig, TestConnector, TestHub, INGEST,
};

fn envelope_with(data_extra: &str) -> Vec<u8> {
    format!(
        r#"{{"type": "call.started", "data": {{"call_id": "c1", "agent_id": "a1"{data_extra}}}}}"#
    )
    .into_bytes()
}

async fn post(hub: &TestHub, body: Vec<u8>) -> (u16, Value) {
    hub.post_raw(body, "application/json", Some(INGEST)).await
}

/// A refusal: the status, a stable code, a message that says something.
fn assert_refused(got: &(u16, Value), status: u16, code: &str, words: &str) {
    let (s, body) = got;
    assert_eq!(*s, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(words), "'{words}' not in: {message}");
}

#[actix_rt::test]
async fn malformed_bodies_get_one_clear_answer_each() {
    let hub = TestHub::start(TestConfig::default()).await;
    let deep = format!(", \"x\": {}{}", "[".repeat(20_000), "]".repeat(20_000));
    let cases: Vec<(&str, Vec<u8>, u16, &str, &str)> = vec![
        ("deep nesting", envelope_with(&deep), 400, "malformed_json", "recursion limit"),
        (
            "invalid UTF-8",
            [&envelope_with(", \"x\": \"")[..60], b"\xff\xfe\"}}"].concat(),
            400,
            "malformed_json",
            "not valid JSON",
        ),
        (
            "duplicate keys",
            br#"{"type": "call.started", "type": "lead.captured", "data": {"call_id": "c", "agent_id": "a"}}"#.to_vec(),
            400,
            "malformed_json",
            "duplicate key \"type\"",
        ),
        (
            "duplicate nested keys",
            envelope_with(", \"call_id\": \"other\""),
            400,
            "malformed_json",
            "duplicate key \"call_id\"",
        ),
        ("number out of range", envelope_with(", \"x\": 1e400"), 400, "malformed_json", "out of range"),
        (
            "created beyond i64",
            br#"{"type": "call.started", "created": 99999999999999999999999, "data": {"call_id": "c", "agent_id": "a"}}"#.to_vec(),
            422,
            "invalid_event",
            "Unix seconds",
        ),
        ("negative created", br#"{"type": "call.started", "created": -5, "data": {"call_id": "c", "agent_id": "a"}}"#.to_vec(), 422, "invalid_event", "minimum of 0"),
        ("NUL bytes", b"\0\0\0\0".to_vec(), 400, "malformed_json", "not valid JSON"),
        ("empty body", vec![], 400, "malformed_json", "not valid JSON"),
        ("array envelope", b"[1,2,3]".to_vec(), 422, "invalid_event", "object"),
        ("too large", envelope_with(&format!(", \"x\": \"{}\"", "a".repeat(70_000))), 413, "payload_too_large", "max_body_bytes"),
    ];
    for (what, body, status, code, words) in cases {
        let got = post(&hub, body).await;
        println!("{what}: {} {}", got.0, got.1);
        assert_refused(&got, status, code, words);
    }
    // The hub is still up and accepting.
    assert_eq!(hub.post_event(&fresh_event("call.started")).await.0, 202);
}

#[actix_rt::test]
async fn a_huge_string_within_the_limit_round_trips_exactly() {
    let rx = Receiver::start();
    let hub =
        TestHub::start(TestConfig::default().connector(TestConnector::hook("crm", &rx.url))).await;
    let mut ev = fresh_event("call.completed");
    let text: String = "𝄞 naïve \u{202e} \"quoted\" \\ ".repeat(1_500);
    ev["data"]["notes"] = text.clone().into();
    assert_eq!(hub.post_event(&ev).await.0, 202);
    assert!(wait_until(Duration::from_secs(10), async || rx.count() == 1).await);
    assert_eq!(rx.received()[0].json()["data"]["notes"], text);
}

#[actix_rt::test]
async fn event_data_cannot_inject_headers() {
    let rx = Receiver::start();
    let api = TestConnector::new("api", "http")
        .set("url", format!("{}/api", rx.url))
        .set(
            "headers",
            serde_json::json!({"X-Caller": "{{data.lead.name}}"}),
        )
        .set("body", r#"{"id": "{{id}}"}"#);
    let hub = TestHub::start(TestConfig::default().connector(api)).await;
    let mut ev = fresh_event("lead.captured");
    ev["data"]["lead"]["name"] = "Eve\r\nX-Injected: yes\r\n\r\nGET /admin HTTP/1.1".into();
    assert_eq!(hub.post_event(&ev).await.0, 202);
    let mut detail = Value::Null;
    let failed = wait_until(Duration::from_secs(10), async || {
        let Some(d) = hub
            .deliveries_of(ev["id"].as_str().unwrap())
            .await
            .first()
            .cloned()
        else {
            return false;
        };
        detail = hub
            .admin_get(&format!("/v1/deliveries/{}", d["id"].as_str().unwrap()))
            .await
            .1;
        detail["status"] == "failed"
    })
    .await;
    assert!(
        failed,
        "a header that cannot be sent fails the delivery: {detail}"
    );
    let error = detail["attempts"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
        + detail["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("not a valid header value"), "{detail}");
    assert_eq!(rx.count(), 0, "nothing was sent");

    // A harmless name goes through unchanged.
    let ev = fresh_event("lead.captured");
    assert_eq!(hub.post_event(&ev).await.0, 202);
    assert!(wait_until(Duration::from_secs(10), async || rx.count() == 1).await);
    assert!(rx.received()[0].header("x-injected").is_none());
    assert_eq!(
        rx.received()[0].header("x-caller"),
        ev["data"]["lead"]["name"].as_str()
    );
}

/// An id or name holding NUL (`%00`) names nothing: 404 with the contract's
/// body on every lookup route. On PostgreSQL, which refuses NUL in text, the
/// lookup would otherwise be a storage error (503).
#[actix_rt::test]
async fn a_nul_in_a_path_id_is_not_found_on_postgres() {
    let Some(pg) = crate::storage::support::pg("nul_path").await else {
        return;
    };
    let hub = TestHub::start(TestConfig::default().storage_url(&pg.url)).await;
    for path in [
        "/v1/endpoints/ep%00x",
        "/v1/events/evt%00",
        "/v1/deliveries/%00",
        "/v1/functions/f%00/invocations",
    ] {
        let answer = hub
            .client
            .get(format!("{}{path}", hub.url))
            .bearer_auth(crate::support::ADMIN)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{path}: {body}");
    }
    drop(hub);
    pg.drop().await;
}
