//! Prebuilt connectors through the running hub: events posted to the ingest
//! API, filtered, delivered to loopback servers answering like the vendors,
//! and read back from the admin API as succeeded or failed.

use std::{
    net::TcpListener,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use switchboard::registry::registry;
use switchboard_core::{config::Config, event::fixtures, hub::Hub};
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::support::{TestConfig, TestConnector};

fn config(dir: &tempfile::TempDir, pagerduty: &str, zendesk: &str) -> Config {
    let oncall = TestConnector::new("oncall", "pagerduty")
        .set("events", ["lead.captured", "transfer.requested"])
        .set(
            "filter",
            r#"data.transfer.urgency == "emergency" || data.lead.urgency == "emergency""#,
        )
        .set("routing_key", "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12")
        .set("base_url", pagerduty);
    let helpdesk = TestConnector::new("helpdesk", "zendesk")
        .set("base_url", zendesk)
        .set("email", "agent@acme.test")
        .set("api_token", "zd-token");
    TestConfig::bare()
        .server("ingest_token", "it-ingest")
        .server("admin_token", "it-admin")
        .database(&dir.path().join("it.db"))
        .delivery("first_retry", Duration::from_secs(1))
        .delivery("allow_private_targets", true)
        .connectors([oncall, helpdesk])
        .build()
}

async fn deliveries(client: &reqwest::Client, hub: &str) -> Vec<Value> {
    let page: Value = client
        .get(format!("{hub}/v1/deliveries?limit=100"))
        .bearer_auth("it-admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["data"].as_array().unwrap().clone()
}

#[actix_rt::test]
async fn filtered_pagerduty_succeeds_and_rejected_zendesk_fails() {
    let pagerduty = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/enqueue"))
        .respond_with(ResponseTemplate::new(202).set_body_json(
            json!({"status": "success", "message": "Event processed", "dedup_key": "transfer:x"}),
        ))
        .expect(1)
        .mount(&pagerduty)
        .await;
    let zendesk = MockServer::start().await;
    // The caller's user, created before each ticket (the caller is the requester).
    Mock::given(method("POST"))
        .and(path("/api/v2/users/create_or_update"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user": {"id": 7}})))
        .expect(3)
        .mount(&zendesk)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/tickets"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "error": "RecordInvalid", "description": "Record validation errors"
        })))
        .expect(3)
        .mount(&zendesk)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, &pagerduty.uri(), &zendesk.uri());
    let hub = Hub::start(&config, &registry()).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let running = hub.serve(listener, false).unwrap();

    let client = reqwest::Client::new();
    for (_, src) in fixtures() {
        let resp = client
            .post(format!("{url}/v1/events"))
            .bearer_auth("it-ingest")
            .header("content-type", "application/json")
            .body(src)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
    }

    let deadline = Instant::now() + Duration::from_secs(15);
    let list = loop {
        let list = deliveries(&client, &url).await;
        let settled = list
            .iter()
            .all(|d| d["status"] == "succeeded" || d["status"] == "failed");
        if (list.len() == 4 && settled) || Instant::now() > deadline {
            break list;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    };
    let mut seen: Vec<(String, String, String)> = list
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_owned();
            (s("connector"), s("event_type"), s("status"))
        })
        .collect();
    seen.sort();
    let expected = [
        ("helpdesk", "call.completed", "failed"),
        ("helpdesk", "transfer.requested", "failed"),
        ("helpdesk", "voicemail.left", "failed"),
        ("oncall", "transfer.requested", "succeeded"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(
        seen, expected,
        "filter drops the non-emergency lead; Zendesk serves its three types"
    );

    let failed = list.iter().find(|d| d["connector"] == "helpdesk").unwrap();
    let detail: Value = client
        .get(format!(
            "{url}/v1/deliveries/{}",
            failed["id"].as_str().unwrap()
        ))
        .bearer_auth("it-admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let attempts = detail["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "a 422 is never retried");
    assert_eq!(attempts[0]["status_code"], 422);
    let error = attempts[0]["error"].as_str().unwrap();
    assert!(
        error.contains("RecordInvalid: Record validation errors"),
        "{error}"
    );
    running.stop().await;
}
