//! `[logging] redact`: the values at the configured pointers never reach an
//! attempt's stored request or response excerpt; the target still gets them.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};

use crate::support::{fresh_event, wait_until, TestConfig, TestConnector, TestHub};

#[actix_rt::test]
async fn redacted_fields_stay_out_of_stored_excerpts() {
    let target = MockServer::start().await;
    // The target echoes the phone back, as some APIs do in their errors.
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(500).set_body_string("bad phone +15125550142"))
        .mount(&target)
        .await;
    let crm = TestConnector::new("crm", "http")
        .set("method", "PUT")
        .set(
            "url",
            format!("{}/leads/{{{{data.lead.phone}}}}", target.uri()),
        )
        .set(
            "body",
            r#"{"name": "{{data.lead.name}}", "phone": "{{data.lead.phone}}", "city": "Austin"}"#,
        )
        .set("events", ["lead.captured"]);
    let config = TestConfig::default().connector(crm).section(
        "logging",
        "redact",
        ["/data/lead/phone", "/data/lead/name"],
    );
    let hub = TestHub::start(config).await;
    let mut event = fresh_event("lead.captured");
    event["data"]["lead"]["phone"] = "+15125550142".into();
    event["data"]["lead"]["name"] = "Ana Marquez".into();
    assert_eq!(hub.post_event(&event).await.0, 202);

    let id = event["id"].as_str().unwrap();
    let mut detail = Value::Null;
    let attempted = wait_until(Duration::from_secs(5), async || {
        let Some(d) = hub.deliveries_of(id).await.into_iter().next() else {
            return false;
        };
        detail = hub
            .admin_get(&format!("/v1/deliveries/{}", d["id"].as_str().unwrap()))
            .await
            .1;
        detail["attempts"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    assert!(attempted, "{detail}");
    let attempt = &detail["attempts"][0];
    let stored = attempt.to_string();
    for value in ["5125550142", "Ana Marquez"] {
        assert!(!stored.contains(value), "{value} stored in {attempt:#}");
    }
    let body = attempt["request"]["body"].as_str().unwrap();
    assert!(body.contains(r#""phone":"[redacted]""#), "{attempt:#}");
    assert!(body.contains("Austin"), "{body}");
    assert!(attempt["request"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/leads/[redacted]"));
    // The target got the real values.
    let got = &target.received_requests().await.unwrap()[0];
    let body: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body["phone"], json!("+15125550142"));
    hub.stop().await;
}
