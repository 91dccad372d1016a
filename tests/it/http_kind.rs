//! The declarative `http` kind against a loopback REST API: templated URL
//! and headers, auth, body, success codes, and the answers it classifies.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard::registry::registry;
use switchboard_core::{
    config::DeliveryConfig,
    connector::{testing, Connector, ConnectorSpec, Verdict},
    event::EventType,
};
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, ResponseTemplate,
};

fn build(settings: Value) -> Result<std::sync::Arc<dyn Connector>, String> {
    let config = testing::config("http", settings);
    let delivery = DeliveryConfig::default();
    registry()
        .build(&ConnectorSpec::new(&config, &delivery))
        .map_err(|e| e.to_string())
}

fn crm(base: &str) -> Value {
    json!({
        "method": "PUT",
        "url": format!("{base}/v1/calls/{{{{data.call_id}}}}/lead"),
        "headers": {"X-Event-Type": "{{type}}"},
        "auth": {"type": "header", "name": "X-Api-Key", "token": "k-123"},
        "body": "{\"name\": \"{{data.lead.name}}\", \"phone\": \"{{e164 data.lead.phone}}\", \"tags\": {{json data.lead.custom_fields}}}",
        "success": [200, 204],
        "events": ["lead.captured"]
    })
}

#[tokio::test]
async fn renders_and_sends_the_declared_request() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/v1/calls/call_01J9Z3K8Q2M4N6P8R0S2T4V6X8/lead"))
        .and(header("x-api-key", "k-123"))
        .and(header("x-event-type", "lead.captured"))
        .and(header("content-type", "application/json"))
        .and(header("idempotency-key", "dlv_test"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = build(crm(&server.uri())).unwrap();
    let out = testing::deliver(&*c, &testing::sample(EventType::LeadCaptured)).await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let got = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(
        body,
        json!({"name": "Jordan Reyes", "phone": "+15551234567",
               "tags": {"preferred_contact": "sms", "property_type": "residential"}})
    );
    let shown =
        testing::prepare(&*c, &testing::sample(EventType::LeadCaptured)).unwrap()[0].to_string();
    assert!(
        shown.contains("x-api-key: ****") && !shown.contains("k-123"),
        "{shown}"
    );
}

#[tokio::test]
async fn answers_are_classified() {
    for (answer, want) in [
        (ResponseTemplate::new(201), Verdict::Reject), // 2xx outside `success`
        (
            ResponseTemplate::new(400).set_body_json(json!({"message": "name is required"})),
            Verdict::Reject,
        ),
        (
            ResponseTemplate::new(429).insert_header("retry-after", "3"),
            Verdict::Retry {
                after: Some(Duration::from_secs(3)),
            },
        ),
        (ResponseTemplate::new(503), Verdict::Retry { after: None }),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        let c = build(crm(&server.uri())).unwrap();
        let out = testing::deliver(&*c, &testing::sample(EventType::LeadCaptured)).await;
        assert_eq!(out.verdict, want, "{out:?}");
        if out.status_code == Some(400) {
            assert!(out
                .error
                .unwrap()
                .contains("target answered 400 Bad Request: name is required"));
        }
    }
}

#[test]
fn templated_hosts_and_missing_bodies_are_refused() {
    let mut s = crm("https://crm.example.com");
    s["url"] = json!("https://{{data.host}}/v1");
    assert!(build(s).err().unwrap().contains("host must be written out"));
    let mut s = crm("https://crm.example.com");
    s.as_object_mut().unwrap().remove("body");
    assert!(build(s).err().unwrap().contains("needs a body"));
    let mut s = crm("https://crm.example.com");
    s["body"] = json!("{\"x\": {{#if}}");
    assert!(build(s).err().unwrap().contains("http.body:"));
    // Event data cannot add path segments or a query.
    let mut s = crm("https://crm.example.com");
    s["url"] = json!("https://crm.example.com/v1/{{data.lead.summary}}");
    let c = build(s).unwrap();
    let r = testing::prepare(&*c, &testing::sample(EventType::LeadCaptured)).unwrap();
    assert_eq!(r[0].url.host_str(), Some("crm.example.com"));
    assert!(
        r[0].url
            .path()
            .starts_with("/v1/Wants%20estimate%20for%20kitchen"),
        "{}",
        r[0].url
    );
    assert_eq!(r[0].url.query(), None);
}
