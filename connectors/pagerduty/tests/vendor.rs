//! The connector against a loopback server answering like PagerDuty's
//! Events API v2 (`POST /v2/enqueue`, 202 / 400 / 429 / 5xx).

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

const KEY: &str = "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12";

fn connector(base: &str, extra: Value) -> std::sync::Arc<dyn Connector> {
    let mut settings = json!({"routing_key": KEY, "base_url": base});
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    testing::build(
        &switchboard_connector_pagerduty::PLUGIN,
        &testing::config("pagerduty", settings),
    )
    .unwrap()
}

/// Mounts one expected enqueue answered with `answer`.
async fn vendor(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/enqueue"))
        .and(header("content-type", "application/json"))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[tokio::test]
async fn transfer_triggers_one_incident_per_call() {
    let server = vendor(ResponseTemplate::new(202).set_body_json(
        json!({"status": "success", "message": "Event processed", "dedup_key": "transfer:call_01J9Z3N1Z3B5D7F9H1K3M5P7R9"}),
    ))
    .await;
    let c = connector(&server.uri(), json!({}));
    let out = testing::deliver(&*c, &testing::sample(EventType::TransferRequested)).await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    assert_eq!(out.status_code, Some(202));
    let got = server.received_requests().await.unwrap();
    assert!(
        got[0].headers.get("authorization").is_none(),
        "Events v2 takes no auth header"
    );
    let b = body(&got[0]);
    assert_eq!(b["routing_key"], KEY);
    assert_eq!(b["event_action"], "trigger");
    assert_eq!(b["dedup_key"], "transfer:call_01J9Z3N1Z3B5D7F9H1K3M5P7R9");
    assert_eq!(b["payload"]["severity"], "critical", "urgency emergency");
    assert_eq!(b["payload"]["source"], "oncallclerk/agent_main");
    let summary = b["payload"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Transfer requested by +15559876543: Server room down"),
        "{summary}"
    );
    assert!(summary.chars().count() <= 1024);
    assert_eq!(
        b["payload"]["custom_details"]["transfer_to"],
        "+15550001111"
    );
}

#[tokio::test]
async fn rate_limit_is_a_delayed_retry() {
    let server = vendor(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "7")
            .set_body_json(json!({"status": "throttle event", "message": "Requests for this service are arriving too quickly."})),
    )
    .await;
    let c = connector(&server.uri(), json!({}));
    let out = testing::deliver(&*c, &testing::sample(EventType::TransferRequested)).await;
    assert_eq!(
        out.verdict,
        Verdict::Retry {
            after: Some(Duration::from_secs(7))
        }
    );
    assert!(out.error.unwrap().contains("arriving too quickly"));
    let pause = out
        .pause
        .expect("the limit is the routing key's: pause the connector");
    assert_eq!(pause.wait, Duration::from_secs(7));
    assert!(
        pause.reason.contains("PagerDuty rate limit"),
        "{}",
        pause.reason
    );
}

#[tokio::test]
async fn a_rate_limit_without_retry_after_still_pauses_and_5xx_does_not() {
    let server = vendor(ResponseTemplate::new(429)).await;
    let c = connector(&server.uri(), json!({}));
    let out = testing::deliver(&*c, &testing::sample(EventType::TransferRequested)).await;
    assert_eq!(out.pause.map(|p| p.wait), Some(Duration::from_secs(5)));
    let server = vendor(ResponseTemplate::new(503)).await;
    let c = connector(&server.uri(), json!({}));
    let out = testing::deliver(&*c, &testing::sample(EventType::TransferRequested)).await;
    assert!(out.pause.is_none(), "{out:?}");
}

#[test]
fn an_event_over_512_kb_is_a_mapping_error_naming_the_template() {
    let dir = std::env::temp_dir().join(format!("pd-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tpl = "{\"payload\": {\"summary\": \"s\", \"source\": \"s\", \"severity\": \"info\", \"custom_details\": {\"t\": \"{{data.transfer.summary}}\"}}}\n";
    std::fs::write(dir.join("transfer.requested.hbs"), tpl).unwrap();
    let c = connector(
        "https://events.pagerduty.com",
        json!({"templates_dir": dir, "events": ["transfer.requested"]}),
    );
    let big = transfer(|v| v["data"]["transfer"]["summary"] = "x".repeat(600 * 1024).into());
    let e = testing::prepare(&*c, &big).unwrap_err();
    assert!(
        e.0.contains("transfer.requested.hbs") && e.0.contains("512 KB"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn invalid_event_fails_at_once_with_pagerdutys_message() {
    let server = vendor(ResponseTemplate::new(400).set_body_json(json!({
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["'payload.summary' is missing or blank"]
    })))
    .await;
    let c = connector(&server.uri(), json!({}));
    let out = testing::deliver(&*c, &testing::sample(EventType::LeadCaptured)).await;
    assert_eq!(out.verdict, Verdict::Reject);
    let error = out.error.unwrap();
    assert!(
        error.contains("PagerDuty answered 400 Bad Request: Event object is invalid"),
        "{error}"
    );
    assert!(
        error.contains("payload.summary' is missing or blank"),
        "{error}"
    );
}

#[tokio::test]
async fn server_errors_are_retried() {
    let server = vendor(ResponseTemplate::new(502)).await;
    let c = connector(&server.uri(), json!({}));
    let out = testing::deliver(&*c, &testing::sample(EventType::LeadCaptured)).await;
    assert_eq!(out.verdict, Verdict::Retry { after: None });
}

#[test]
fn lead_severity_follows_urgency_and_the_key_is_masked_when_shown() {
    let c = connector("https://events.pagerduty.com", json!({}));
    let reqs = testing::prepare(&*c, &testing::sample(EventType::LeadCaptured)).unwrap();
    let b: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(b["payload"]["severity"], "info", "urgency this_week");
    assert_eq!(b["dedup_key"], "lead:call_01J9Z3K8Q2M4N6P8R0S2T4V6X8");
    let shown = reqs[0].to_string();
    assert!(
        shown.starts_with("POST https://events.pagerduty.com/v2/enqueue"),
        "{shown}"
    );
    assert!(
        !shown.contains(KEY) && shown.contains("\"routing_key\":\"****\""),
        "{shown}"
    );
    assert_eq!(
        c.events(),
        Some(vec![EventType::LeadCaptured, EventType::TransferRequested])
    );
}

#[test]
fn bad_settings_and_templates_are_build_or_mapping_errors() {
    let short = testing::config("pagerduty", json!({"routing_key": "abc"}));
    let e = testing::build(&switchboard_connector_pagerduty::PLUGIN, &short)
        .err()
        .unwrap();
    assert!(e.to_string().contains("32-character"), "{e}");

    let dir = std::env::temp_dir().join(format!("pd-tpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("transfer.requested.hbs"),
        "{\n  \"payload\": {\"summary\": \"x\", \"source\": \"s\", \"severity\": \"{{data.transfer.urgency}}\"}\n}\n",
    )
    .unwrap();
    let c = connector(
        "https://events.pagerduty.com",
        json!({"templates_dir": dir, "events": ["transfer.requested"]}),
    );
    let e = testing::prepare(&*c, &testing::sample(EventType::TransferRequested)).unwrap_err();
    assert!(
        e.0.contains("transfer.requested.hbs") && e.0.contains("payload.severity"),
        "{e}"
    );

    std::fs::write(dir.join("transfer.requested.hbs"), "{\n  {{#if x}}\n}\n").unwrap();
    let cfg = testing::config(
        "pagerduty",
        json!({"routing_key": KEY, "templates_dir": dir, "events": ["transfer.requested"]}),
    );
    let e = testing::build(&switchboard_connector_pagerduty::PLUGIN, &cfg)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("transfer.requested.hbs:") && e.contains("does not compile"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The sample transfer with `edit` applied.
fn transfer(edit: impl FnOnce(&mut Value)) -> switchboard_core::event::Event {
    let mut v = testing::sample(EventType::TransferRequested).value();
    edit(&mut v);
    switchboard_core::event::Event::parse(&serde_json::to_vec(&v).unwrap(), 0).unwrap()
}

fn prepared_body(c: &dyn Connector, event: &switchboard_core::event::Event) -> Value {
    let reqs = testing::prepare(c, event).unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&reqs[0].body).unwrap()
}

#[test]
fn long_ids_and_summaries_are_cut_to_pagerdutys_limits() {
    let c = connector("https://events.pagerduty.com", json!({}));
    let long_call = transfer(|v| v["data"]["call_id"] = "c".repeat(300).into());
    let key = prepared_body(&*c, &long_call)["dedup_key"].clone();
    assert!(key.as_str().unwrap().chars().count() <= 255, "{key}");

    // An operator's template that does not truncate still pages, cut to 1024.
    let dir = std::env::temp_dir().join(format!("pd-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tpl = "{\"payload\": {\"summary\": \"{{data.transfer.summary}}\", \"source\": \"s\", \"severity\": \"info\"}}\n";
    std::fs::write(dir.join("transfer.requested.hbs"), tpl).unwrap();
    let c = connector(
        "https://events.pagerduty.com",
        json!({"templates_dir": dir, "events": ["transfer.requested"]}),
    );
    let long = transfer(|v| v["data"]["transfer"]["summary"] = "é".repeat(3000).into());
    let summary = prepared_body(&*c, &long)["payload"]["summary"].clone();
    assert_eq!(summary.as_str().unwrap().chars().count(), 1024);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn urgency_is_read_whatever_its_case() {
    let c = connector("https://events.pagerduty.com", json!({}));
    for (urgency, severity) in [
        ("EMERGENCY", "critical"),
        ("High", "error"),
        ("soon", "warning"),
    ] {
        let t = transfer(|v| v["data"]["transfer"]["urgency"] = urgency.into());
        assert_eq!(
            prepared_body(&*c, &t)["payload"]["severity"],
            severity,
            "{urgency}"
        );
    }
}
