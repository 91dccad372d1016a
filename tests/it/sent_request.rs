//! `attempts[].request`: each attempt of a non-webhook connector keeps the
//! request it sent (method, URL, headers with secrets masked, the start of
//! the body), shown by `GET /v1/deliveries/{id}`; webhook attempts keep none.

use std::{net::TcpListener, time::Duration};

use serde_json::{json, Value};
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::support::{
    fresh_event, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub,
};

const TOKEN: &str = "tok-SECRET-7f3a9c";

/// An `http` connector PUTting a lead to `base`, with a bearer token.
fn http_connector(name: &str, base: &str) -> TestConnector {
    TestConnector::new(name, "http")
        .set("method", "PUT")
        .set("url", format!("{base}/v1/calls/{{{{data.call_id}}}}/lead"))
        .set("headers", json!({"X-Event-Type": "{{type}}"}))
        .set("auth", json!({"type": "bearer", "token": TOKEN}))
        .set(
            "body",
            r#"{"name": "{{data.lead.name}}", "phone": "{{e164 data.lead.phone}}"}"#,
        )
        .set("events", ["lead.captured"])
}

/// Posts a fresh event of `kind` and returns it.
async fn post(hub: &TestHub, kind: &str) -> Value {
    let event = fresh_event(kind);
    let (s, body) = hub.post_event(&event).await;
    assert_eq!(s, 202, "{body}");
    event
}

/// The detail of `event`'s delivery to `connector` once it has an attempt.
async fn attempted(hub: &TestHub, event: &Value, connector: &str) -> Value {
    let id = event["id"].as_str().unwrap();
    let mut detail = Value::Null;
    let seen = wait_until(Duration::from_secs(5), async || {
        let Some(d) = hub
            .deliveries_of(id)
            .await
            .into_iter()
            .find(|d| d["connector"] == connector)
        else {
            return false;
        };
        let (_, body) = hub
            .admin_get(&format!("/v1/deliveries/{}", d["id"].as_str().unwrap()))
            .await;
        detail = body;
        detail["attempts"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    assert!(seen, "no attempt of {connector}: {detail}");
    detail
}

#[actix_rt::test]
async fn http_attempts_show_the_masked_request_and_webhooks_none() {
    let target = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&target)
        .await;
    let rx = Receiver::start();
    let hub = TestHub::start(TestConfig::default().connectors([
        http_connector("crm", &target.uri()),
        TestConnector::hook("hook", &rx.url),
    ]))
    .await;
    let event = post(&hub, "lead.captured").await;
    let call_id = event["data"]["call_id"].as_str().unwrap().to_owned();

    let detail = attempted(&hub, &event, "crm").await;
    let attempt = &detail["attempts"][0];
    assert_eq!(attempt["status_code"], 200, "{detail}");
    let request = &attempt["request"];
    assert_eq!(request["method"], "PUT", "{request}");
    assert_eq!(
        request["url"],
        format!("{}/v1/calls/{call_id}/lead", target.uri()),
    );
    assert_eq!(request["headers"]["authorization"], "****");
    assert_eq!(request["headers"]["x-event-type"], "lead.captured");
    assert_eq!(request["headers"]["content-type"], "application/json");
    assert_eq!(request["body_truncated"], false);
    let body: Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["name"], event["data"]["lead"]["name"]);
    let sent = target.received_requests().await.unwrap();
    assert_eq!(
        sent[0].headers["authorization"].to_str().unwrap(),
        format!("Bearer {TOKEN}"),
        "the target got the real token"
    );
    assert_eq!(
        request["body"].as_str().unwrap().as_bytes(),
        &sent[0].body[..]
    );
    assert!(
        !detail.to_string().contains(TOKEN),
        "the secret appears nowhere: {detail}"
    );
    let doc = crate::openapi::document(&hub).await;
    crate::openapi::check(&doc, "get", "/v1/deliveries/{id}", 200, &detail);

    let hook = attempted(&hub, &event, "hook").await;
    assert_eq!(hook["attempts"][0]["status_code"], 200, "{hook}");
    assert!(
        hook["attempts"][0]
            .as_object()
            .unwrap()
            .get("request")
            .is_some_and(Value::is_null),
        "a webhook attempt keeps no request: {hook}"
    );
    crate::openapi::check(&doc, "get", "/v1/deliveries/{id}", 200, &hook);
    hub.stop().await;
}

#[actix_rt::test]
async fn failed_attempts_keep_the_request_too() {
    let target = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&target)
        .await;
    // A port nobody listens on: the connection is refused.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    // A target that never answers: the attempt times out (2 s in tests).
    let hanging = Receiver::start();
    hanging.set_default(Reply::Hang(Duration::from_secs(30)));
    let hub = TestHub::start(TestConfig::default().connectors([
        http_connector("broken", &target.uri()),
        http_connector("gone", &closed),
        http_connector("slow", &hanging.url),
    ]))
    .await;
    let event = post(&hub, "lead.captured").await;

    let broken = attempted(&hub, &event, "broken").await;
    let attempt = &broken["attempts"][0];
    assert_eq!(attempt["status_code"], 500, "{broken}");
    assert_eq!(attempt["response_excerpt"], "boom");
    assert_eq!(attempt["request"]["method"], "PUT", "{broken}");
    assert_eq!(attempt["request"]["headers"]["authorization"], "****");

    let gone = attempted(&hub, &event, "gone").await;
    let attempt = &gone["attempts"][0];
    assert!(attempt["status_code"].is_null(), "{gone}");
    assert!(
        attempt["error"].as_str().unwrap().contains("connection"),
        "{gone}"
    );
    let url = attempt["request"]["url"].as_str().unwrap();
    assert!(url.starts_with(&closed), "{gone}");
    assert!(attempt["request"]["body"]
        .as_str()
        .unwrap()
        .contains("\"phone\""));

    let slow = attempted(&hub, &event, "slow").await;
    let attempt = &slow["attempts"][0];
    assert!(
        attempt["error"].as_str().unwrap().contains("timed out"),
        "{slow}"
    );
    assert_eq!(attempt["request"]["headers"]["authorization"], "****");
    assert!(attempt["request"]["url"]
        .as_str()
        .unwrap()
        .starts_with(&hanging.url));
    for d in [&broken, &gone, &slow] {
        assert!(!d.to_string().contains(TOKEN), "{d}");
    }
    hub.stop().await;
}

#[actix_rt::test]
async fn a_vendor_connector_keeps_the_request_it_sent() {
    let zendesk = MockServer::start().await;
    // A phone-only caller becomes a user first; the ticket is the last request.
    Mock::given(method("POST"))
        .and(path("/api/v2/users/create_or_update"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"user":{"id":77}}"#))
        .mount(&zendesk)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/tickets"))
        .respond_with(ResponseTemplate::new(201).set_body_string(r#"{"ticket":{"id":1}}"#))
        .mount(&zendesk)
        .await;
    let api_token = "zd-SECRET-4411";
    let helpdesk = TestConnector::new("helpdesk", "zendesk")
        .set("base_url", zendesk.uri())
        .set("email", "agent@acme.test")
        .set("api_token", api_token);
    let hub = TestHub::start(TestConfig::default().connector(helpdesk)).await;
    let event = post(&hub, "call.completed").await;
    let detail = attempted(&hub, &event, "helpdesk").await;
    let request = &detail["attempts"][0]["request"];
    assert_eq!(detail["attempts"][0]["status_code"], 201, "{detail}");
    assert_eq!(request["method"], "POST");
    assert_eq!(request["url"], format!("{}/api/v2/tickets", zendesk.uri()));
    assert_eq!(request["headers"]["authorization"], "****");
    assert_eq!(
        request["headers"]["idempotency-key"], detail["id"],
        "{request}"
    );
    let body: Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
    assert!(body["ticket"]["subject"].is_string(), "{body}");
    let sent = zendesk.received_requests().await.unwrap();
    let auth = sent[0].headers["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = detail.to_string();
    assert!(!text.contains(api_token), "{text}");
    assert!(!text.contains(auth.trim_start_matches("Basic ")), "{text}");
    hub.stop().await;
}

/// HubSpot searches for the caller, creates the contact, then adds a note:
/// the attempt keeps the note (the request its status code answers); when
/// the search fails, nothing more is sent and the search is kept.
#[tokio::test]
async fn an_attempt_of_several_requests_keeps_the_last_one_sent() {
    use switchboard::registry::registry;
    use switchboard_core::{
        config::DeliveryConfig,
        connector::{testing, ConnectorSpec, Outcome, Verdict},
        event::EventType,
    };

    async fn deliver(hubspot: &MockServer) -> Outcome {
        let config = testing::config(
            "hubspot",
            serde_json::json!({"token": TOKEN, "base_url": hubspot.uri()}),
        );
        let delivery = DeliveryConfig::default();
        let c = registry()
            .build(&ConnectorSpec::new(&config, &delivery))
            .unwrap();
        testing::deliver(&*c, &testing::sample(EventType::CallCompleted)).await
    }

    for note_answer in [201, 500] {
        let hubspot = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/crm/v3/objects/contacts/search"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"results": []})),
            )
            .mount(&hubspot)
            .await;
        Mock::given(method("POST"))
            .and(path("/crm/v3/objects/contacts"))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_json(serde_json::json!({"id": "901", "properties": {}})),
            )
            .mount(&hubspot)
            .await;
        Mock::given(method("POST"))
            .and(path("/crm/v3/objects/notes"))
            .respond_with(ResponseTemplate::new(note_answer))
            .mount(&hubspot)
            .await;
        let out = deliver(&hubspot).await;
        assert_eq!(out.status_code, Some(note_answer), "{out:?}");
        assert_eq!(out.verdict == Verdict::Delivered, note_answer == 201);
        assert_eq!(hubspot.received_requests().await.unwrap().len(), 3);
        assert!(!format!("{out:?}").contains(TOKEN));
        let request = out.request.expect("the attempt keeps its request");
        assert_eq!(
            request.url,
            format!("{}/crm/v3/objects/notes", hubspot.uri())
        );
        assert!(request.body.contains("\"901\""), "{}", request.body);
        assert_eq!(request.headers["authorization"], "****");
    }

    let hubspot = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&hubspot)
        .await;
    let out = deliver(&hubspot).await;
    assert_eq!(out.status_code, Some(503), "{out:?}");
    let request = out.request.expect("the attempt keeps its request");
    assert_eq!(
        request.url,
        format!("{}/crm/v3/objects/contacts/search", hubspot.uri())
    );
}
