//! One attempt of the connector against the Zendesk simulator: what the
//! ticket holds, and what Zendesk's answers (422, 429 text, 401, 5xx) mean.

use std::time::Duration;

use serde_json::json;
use switchboard_connector_zendesk::PLUGIN;
use switchboard_core::{
    connector::{testing, Connector, Verdict},
    event::EventType,
};
use switchboard_testkit::zendesk::{Fail, ZendeskSim};

fn connector(sim: &ZendeskSim) -> std::sync::Arc<dyn Connector> {
    testing::build(&PLUGIN, &testing::config("zendesk", sim.settings())).unwrap()
}

#[tokio::test]
async fn call_becomes_a_ticket_with_transcript_summary_and_the_caller() {
    let sim = ZendeskSim::start().await;
    let out = testing::deliver(
        &*connector(&sim),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let t = &sim.tickets()[0];
    assert!(t.subject.starts_with("Caller wants an estimate"), "{t:?}");
    assert!(
        t.comment.contains("Summary: Caller wants an estimate"),
        "{t:?}"
    );
    assert!(
        t.comment.contains("caller: Hi, my kitchen sink is leaking"),
        "{t:?}"
    );
    assert!(!t.public);
    assert_eq!(t.tags, ["oncallclerk", "phone_call", "estimate"]);
    assert_eq!(t.priority.as_deref(), Some("normal"));
    assert_eq!(
        t.external_id.as_deref(),
        Some("call_01J9Z3K8Q2M4N6P8R0S2T4V6X8:dlv_test")
    );
    assert_eq!(sim.requester(t).phone.as_deref(), Some("+15551234567"));
}

#[tokio::test]
async fn emergency_transfer_is_urgent() {
    let sim = ZendeskSim::start().await;
    let out = testing::deliver(
        &*connector(&sim),
        &testing::sample(EventType::TransferRequested),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    assert_eq!(sim.tickets()[0].priority.as_deref(), Some("urgent"));
}

#[tokio::test]
async fn rate_limit_text_body_waits_and_pauses_the_connector() {
    let sim = ZendeskSim::start().await;
    sim.fail_next_create(Fail::RateLimit {
        retry_after_secs: 93,
    });
    let out = testing::deliver(
        &*connector(&sim),
        &testing::sample(EventType::VoicemailLeft),
    )
    .await;
    let wait = Duration::from_secs(93);
    assert_eq!(out.verdict, Verdict::Retry { after: Some(wait) });
    assert!(out
        .error
        .as_deref()
        .unwrap()
        .contains("Rate limit for ticket creation exceeded"));
    // Zendesk's limits are per account: every delivery would meet the 429.
    assert_eq!(out.pause.map(|p| p.wait), Some(wait));
    assert!(sim.tickets().is_empty());
}

#[tokio::test]
async fn record_invalid_fails_at_once_with_zendesks_message() {
    let sim = ZendeskSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    // An operator's own template with a priority Zendesk does not know.
    let src = r#"{"ticket": {"comment": {"body": "x"}, "priority": "p1"}}"#;
    std::fs::write(dir.path().join("voicemail.left.hbs"), src).unwrap();
    let mut s = sim.settings();
    s["templates_dir"] = json!(dir.path());
    let c = testing::build(&PLUGIN, &testing::config("zendesk", s)).unwrap();
    let out = testing::deliver(&*c, &testing::sample(EventType::VoicemailLeft)).await;
    assert_eq!(out.verdict, Verdict::Reject);
    let e = out.error.unwrap();
    assert!(
        e.contains("voicemail.left.hbs") && e.contains("`ticket.priority`"),
        "{e}"
    );
    assert_eq!(sim.creates(), 0, "refused before sending");
}

#[tokio::test]
async fn zendesks_422_is_permanent_with_its_details() {
    let sim = ZendeskSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    // Zendesk refuses a requester_id that names no user.
    let src = r#"{"ticket": {"comment": {"body": "x"}, "requester_id": 999}}"#;
    std::fs::write(dir.path().join("voicemail.left.hbs"), src).unwrap();
    let mut s = sim.settings();
    s["templates_dir"] = json!(dir.path());
    let c = testing::build(&PLUGIN, &testing::config("zendesk", s)).unwrap();
    let out = testing::deliver(&*c, &testing::sample(EventType::VoicemailLeft)).await;
    assert_eq!(out.verdict, Verdict::Reject);
    let e = out.error.unwrap();
    assert!(
        e.contains(
            "Zendesk answered 422 Unprocessable Entity: RecordInvalid: Record validation errors"
        ),
        "{e}"
    );
    assert!(e.contains("user 999 does not exist"), "{e}");
}

#[tokio::test]
async fn bad_credentials_are_permanent_and_outages_retried() {
    let sim = ZendeskSim::start().await;
    let mut s = sim.settings();
    s["api_token"] = json!("wrong");
    let c = testing::build(&PLUGIN, &testing::config("zendesk", s)).unwrap();
    let out = testing::deliver(&*c, &testing::sample(EventType::CallCompleted)).await;
    assert_eq!(out.verdict, Verdict::Reject);
    assert!(out.error.unwrap().contains("Couldn't authenticate you"));

    sim.fail_next_create(Fail::Status(503));
    let out = testing::deliver(
        &*connector(&sim),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Retry { after: None });
    assert!(sim.tickets().is_empty());
}

#[test]
fn subdomain_builds_the_url_and_auth_is_masked() {
    let cfg = testing::config(
        "zendesk",
        json!({"subdomain": "acme", "email": "agent@acme.test", "api_token": "zd-secret"}),
    );
    let c = testing::build(&PLUGIN, &cfg).unwrap();
    let reqs = testing::prepare(&*c, &testing::sample(EventType::VoicemailLeft)).unwrap();
    let shown: Vec<String> = reqs.iter().map(ToString::to_string).collect();
    assert!(
        shown[0].starts_with("POST https://acme.zendesk.com/api/v2/users/create_or_update"),
        "{shown:?}"
    );
    assert!(shown[1].starts_with("POST https://acme.zendesk.com/api/v2/tickets"));
    assert!(shown
        .iter()
        .all(|s| s.contains("authorization: ****") && !s.contains("YWdl")));
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
    let e = testing::build(&PLUGIN, &bad).err().unwrap();
    assert!(e.to_string().contains("`subdomain`"), "{e}");
}
