//! The connector against a loopback server answering like Zendesk Support
//! (`POST /api/v2/tickets`, 201 / 422 / 429 text / 5xx).

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_core::{
    connector::{testing, Connector, Verdict},
    event::EventType,
};
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, ResponseTemplate,
};

// base64("agent@acme.test/token:zd-secret")
const AUTH: &str = "Basic YWdlbnRAYWNtZS50ZXN0L3Rva2VuOnpkLXNlY3JldA==";

fn connector(base: &str) -> std::sync::Arc<dyn Connector> {
    let cfg = testing::config(
        "zendesk",
        json!({"base_url": base, "email": "agent@acme.test", "api_token": "zd-secret"}),
    );
    testing::build(&switchboard_connector_zendesk::PLUGIN, &cfg).unwrap()
}

async fn vendor(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/tickets"))
        .and(header("authorization", AUTH))
        .and(header("content-type", "application/json"))
        .and(header("idempotency-key", "dlv_test"))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn call_becomes_a_ticket_with_transcript_and_summary() {
    let server = vendor(
        ResponseTemplate::new(201)
            .insert_header("x-idempotency-lookup", "miss")
            .set_body_json(json!({"ticket": {"id": 35436, "status": "new"}, "audit": {}})),
    )
    .await;
    let out = testing::deliver(
        &*connector(&server.uri()),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let got = server.received_requests().await.unwrap();
    let b: Value = serde_json::from_slice(&got[0].body).unwrap();
    let ticket = &b["ticket"];
    assert!(ticket["subject"]
        .as_str()
        .unwrap()
        .starts_with("Caller wants an estimate"));
    let comment = ticket["comment"]["body"].as_str().unwrap();
    assert!(
        comment.contains("Summary: Caller wants an estimate"),
        "{comment}"
    );
    assert!(
        comment.contains("caller: Hi, my kitchen sink is leaking"),
        "{comment}"
    );
    assert_eq!(ticket["comment"]["public"], false);
    assert_eq!(
        ticket["tags"],
        json!(["oncallclerk", "phone_call", "estimate"])
    );
    assert_eq!(ticket["priority"], "normal");
    assert_eq!(ticket["external_id"], "call_01J9Z3K8Q2M4N6P8R0S2T4V6X8");
}

#[tokio::test]
async fn emergency_transfer_is_urgent() {
    let server =
        vendor(ResponseTemplate::new(201).set_body_json(json!({"ticket": {"id": 1}}))).await;
    let out = testing::deliver(
        &*connector(&server.uri()),
        &testing::sample(EventType::TransferRequested),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Delivered);
    let got = server.received_requests().await.unwrap();
    let b: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(b["ticket"]["priority"], "urgent");
}

#[tokio::test]
async fn rate_limit_text_body_and_retry_after() {
    let server = vendor(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "93")
            .insert_header("x-rate-limit", "700")
            .insert_header("x-rate-limit-remaining", "0")
            .set_body_raw(
                "Rate limit for ticket creation exceeded. Please wait and try again.",
                "text/plain",
            ),
    )
    .await;
    let out = testing::deliver(
        &*connector(&server.uri()),
        &testing::sample(EventType::VoicemailLeft),
    )
    .await;
    assert_eq!(
        out.verdict,
        Verdict::Retry {
            after: Some(Duration::from_secs(93))
        }
    );
    assert!(out
        .error
        .unwrap()
        .contains("Rate limit for ticket creation exceeded"));
}

#[tokio::test]
async fn record_invalid_fails_at_once_with_zendesks_message() {
    let server = vendor(ResponseTemplate::new(422).set_body_json(json!({
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {"requester": [{"description": "Requester: Email is not properly formatted"}]}
    })))
    .await;
    let out = testing::deliver(
        &*connector(&server.uri()),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Reject);
    let e = out.error.unwrap();
    assert!(
        e.contains(
            "Zendesk answered 422 Unprocessable Entity: RecordInvalid: Record validation errors"
        ),
        "{e}"
    );
    assert!(e.contains("Email is not properly formatted"), "{e}");
}

#[tokio::test]
async fn bad_credentials_are_permanent_and_outages_retried() {
    let server = vendor(
        ResponseTemplate::new(401).set_body_json(json!({"error": "Couldn't authenticate you"})),
    )
    .await;
    let out = testing::deliver(
        &*connector(&server.uri()),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Reject);
    assert!(out.error.unwrap().contains("Couldn't authenticate you"));

    let server = vendor(ResponseTemplate::new(503)).await;
    let out = testing::deliver(
        &*connector(&server.uri()),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Retry { after: None });
}

#[test]
fn subdomain_builds_the_url_and_auth_is_masked() {
    let cfg = testing::config(
        "zendesk",
        json!({"subdomain": "acme", "email": "agent@acme.test", "api_token": "zd-secret"}),
    );
    let c = testing::build(&switchboard_connector_zendesk::PLUGIN, &cfg).unwrap();
    let reqs = testing::prepare(&*c, &testing::sample(EventType::VoicemailLeft)).unwrap();
    let shown = reqs[0].to_string();
    assert!(
        shown.starts_with("POST https://acme.zendesk.com/api/v2/tickets"),
        "{shown}"
    );
    assert!(
        shown.contains("authorization: ****") && !shown.contains("YWdl"),
        "{shown}"
    );
    assert_eq!(
        c.events(),
        Some(vec![
            EventType::CallCompleted,
            EventType::TransferRequested,
            EventType::VoicemailLeft
        ])
    );
    let bad = testing::config(
        "zendesk",
        json!({"subdomain": "acme.zendesk.com", "email": "a@b.c", "api_token": "t"}),
    );
    let e = testing::build(&switchboard_connector_zendesk::PLUGIN, &bad)
        .err()
        .unwrap();
    assert!(e.to_string().contains("`subdomain`"), "{e}");
}
