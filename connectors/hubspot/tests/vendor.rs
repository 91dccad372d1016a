//! The connector against a loopback server answering like HubSpot CRM v3
//! (batch upsert 200 / 207 / 400 / 429, notes 201 / 5xx).

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_core::{
    connector::{testing, Connector, Verdict},
    event::EventType,
};
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, Request, ResponseTemplate,
};

const UPSERT: &str = "/crm/v3/objects/contacts/batch/upsert";
const NOTES: &str = "/crm/v3/objects/notes";

fn connector(base: &str, extra: Value) -> std::sync::Arc<dyn Connector> {
    let mut settings = json!({"token": "pat-na1-test", "base_url": base});
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    testing::build(
        &switchboard_connector_hubspot::PLUGIN,
        &testing::config("hubspot", settings),
    )
    .unwrap()
}

async fn expect(server: &MockServer, at: &str, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(at))
        .and(header("authorization", "Bearer pat-na1-test"))
        .and(header("content-type", "application/json"))
        .respond_with(answer)
        .expect(times)
        .mount(server)
        .await;
}

fn upserted(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "status": "COMPLETE",
        "results": [{"id": id, "properties": {}, "new": false}],
        "startedAt": "2024-05-08T20:27:00Z", "completedAt": "2024-05-08T20:27:00Z"
    }))
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

async fn requests(server: &MockServer, at: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .map(body)
        .collect()
}

#[tokio::test]
async fn lead_upserts_the_contact_by_email() {
    let server = MockServer::start().await;
    expect(&server, UPSERT, upserted("501"), 1).await;
    expect(&server, NOTES, ResponseTemplate::new(201), 0).await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let b = &requests(&server, UPSERT).await[0];
    let input = &b["inputs"][0];
    assert_eq!(input["idProperty"], "email");
    assert_eq!(input["id"], "jordan@example.com");
    let p = &input["properties"];
    assert_eq!(p["email"], "jordan@example.com");
    assert_eq!(p["firstname"], "Jordan");
    assert_eq!(p["lastname"], "Reyes");
    assert_eq!(p["phone"], "+15551234567");
    assert_eq!(p["address"], "123 Oak St, Austin, TX");
    assert!(p.as_object().unwrap().values().all(Value::is_string));
}

#[tokio::test]
async fn call_upserts_by_phone_then_notes_on_that_contact() {
    let server = MockServer::start().await;
    expect(&server, UPSERT, upserted("777"), 1).await;
    expect(
        &server,
        NOTES,
        ResponseTemplate::new(201).set_body_json(json!({"id": "9001"})),
        1,
    )
    .await;
    let c = connector(&server.uri(), json!({"phone_property": "oncall_phone"}));
    let out = testing::deliver(&*c, &testing::sample(EventType::CallCompleted)).await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    assert_eq!(out.status_code, Some(201));
    let input = &requests(&server, UPSERT).await[0]["inputs"][0];
    assert_eq!(input["idProperty"], "oncall_phone");
    assert_eq!(input["id"], "+15551234567");
    assert_eq!(input["properties"]["oncall_phone"], "+15551234567");
    let note = &requests(&server, NOTES).await[0];
    assert_eq!(note["associations"][0]["to"]["id"], "777");
    assert_eq!(
        note["associations"][0]["types"][0]["associationTypeId"],
        202
    );
    assert_eq!(note["properties"]["hs_timestamp"], "2024-05-08T20:26:50Z");
    let text = note["properties"]["hs_note_body"].as_str().unwrap();
    assert!(text.contains("Summary: Caller wants an estimate"), "{text}");
    assert!(
        text.contains("caller: Hi, my kitchen sink is leaking"),
        "{text}"
    );
}

#[tokio::test]
async fn rate_limit_waits_one_window_and_sends_no_note() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("x-hubspot-ratelimit-interval-milliseconds", "10000")
        .insert_header("x-hubspot-ratelimit-max", "100")
        .insert_header("x-hubspot-ratelimit-remaining", "0")
        .set_body_json(json!({
            "status": "error", "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT", "correlationId": "c0ffee", "policyName": "TEN_SECONDLY_ROLLING"
        }));
    expect(&server, UPSERT, limited, 1).await;
    expect(&server, NOTES, ResponseTemplate::new(201), 0).await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(
        out.verdict,
        Verdict::Retry {
            after: Some(Duration::from_secs(10))
        }
    );
    assert!(out.error.unwrap().contains("ten_secondly_rolling"));
}

#[tokio::test]
async fn validation_errors_fail_at_once_with_hubspots_message() {
    let server = MockServer::start().await;
    expect(&server, UPSERT, ResponseTemplate::new(400).set_body_json(json!({
        "status": "error",
        "message": "Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"hs_lead_status\\\" does not exist\"}]",
        "correlationId": "4a1b", "category": "VALIDATION_ERROR"
    })), 1).await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Reject);
    let e = out.error.unwrap();
    assert!(
        e.starts_with(
            "HubSpot answered 400 Bad Request: VALIDATION_ERROR: Property values were not valid"
        ),
        "{e}"
    );

    let server = MockServer::start().await;
    expect(&server, UPSERT, ResponseTemplate::new(401).set_body_json(json!({
        "status": "error", "message": "Authentication credentials not found.", "category": "INVALID_AUTHENTICATION"
    })), 1).await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Reject);
    assert!(out.error.unwrap().contains("INVALID_AUTHENTICATION"));
}

#[tokio::test]
async fn partial_batch_failure_is_permanent_and_note_outage_retried() {
    let server = MockServer::start().await;
    expect(&server, UPSERT, ResponseTemplate::new(207).set_body_json(json!({
        "status": "COMPLETE", "results": [],
        "errors": [{"status": "error", "category": "VALIDATION_ERROR", "message": "Email address jordan@ is invalid"}]
    })), 1).await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Reject);
    assert!(out
        .error
        .unwrap()
        .contains("Email address jordan@ is invalid"));

    let server = MockServer::start().await;
    expect(&server, UPSERT, upserted("777"), 1).await;
    expect(&server, NOTES, ResponseTemplate::new(502), 1).await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Retry { after: None });
}

#[test]
fn render_shows_both_requests_with_the_token_masked() {
    let c = connector("https://api.hubapi.com", json!({}));
    let reqs = testing::prepare(&*c, &testing::sample(EventType::CallCompleted)).unwrap();
    assert_eq!(reqs.len(), 2);
    let shown = format!("{}\n{}", reqs[0], reqs[1]);
    assert!(shown.contains("POST https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert"));
    assert!(shown.contains("POST https://api.hubapi.com/crm/v3/objects/notes"));
    assert!(shown.contains("<contact id from the upsert answer>"));
    assert!(
        shown.contains("authorization: ****") && !shown.contains("pat-na1"),
        "{shown}"
    );
    assert_eq!(
        c.events(),
        Some(vec![EventType::CallCompleted, EventType::LeadCaptured])
    );
}
