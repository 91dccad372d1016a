//! Business outcomes through a real hub (ingest -> storage -> connector
//! actor -> the Zendesk simulator): one ticket per voicemail, the caller as
//! requester, and exactly one ticket whatever happens to the answers.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_zendesk::PLUGIN;
use switchboard_core::event::{fixtures, EventType};
use switchboard_testkit::{zendesk::ZendeskSim, VendorHub};

const WAIT: Duration = Duration::from_secs(10);

/// The sample event of `t` with a fresh id, edited by `edit`.
fn event(t: EventType, edit: impl FnOnce(&mut Value)) -> Value {
    let (_, src) = fixtures().into_iter().find(|(k, _)| *k == t).unwrap();
    let mut v: Value = serde_json::from_str(src).unwrap();
    v.as_object_mut().unwrap().remove("id");
    edit(&mut v);
    v
}

async fn hub(sim: &ZendeskSim, extra: &str) -> VendorHub {
    VendorHub::start(PLUGIN, &sim.connector_toml(extra)).await
}

#[actix_rt::test]
async fn a_voicemail_from_a_withheld_number_becomes_one_ticket() {
    let sim = ZendeskSim::start().await;
    let hub = hub(&sim, "").await;
    let e = event(EventType::VoicemailLeft, |v| {
        v["data"].as_object_mut().unwrap().remove("from_number");
    });
    let id = hub.post(&e).await;
    assert_eq!(hub.settled(&id, WAIT).await.status, "succeeded");
    let tickets = sim.tickets_for(e["data"]["call_id"].as_str().unwrap());
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    let comment = &tickets[0].comment;
    assert!(
        comment.starts_with("Voicemail from unknown caller"),
        "{comment}"
    );
    assert!(
        comment.contains("the requester is the API agent"),
        "{comment}"
    );
    // No number, no email: the token's agent is the requester.
    assert!(sim.requester(&tickets[0]).agent);
}

#[actix_rt::test]
async fn an_intent_with_spaces_is_one_ticket_with_slugged_tags() {
    let sim = ZendeskSim::start().await;
    let hub = hub(&sim, "").await;
    let e = event(EventType::CallCompleted, |v| {
        v["data"]["summary"]["intent"] = json!("Water heater repair");
    });
    let id = hub.post(&e).await;
    assert_eq!(hub.settled(&id, WAIT).await.status, "succeeded");
    let tickets = sim.tickets();
    assert_eq!(tickets.len(), 1);
    assert_eq!(
        tickets[0].tags,
        ["oncallclerk", "phone_call", "water_heater_repair"]
    );
}

#[actix_rt::test]
async fn a_phone_caller_is_the_requester_and_one_user_across_calls() {
    let sim = ZendeskSim::start().await;
    let hub = hub(&sim, "").await;
    for t in [EventType::CallCompleted, EventType::VoicemailLeft] {
        let e = event(t, |v| v["data"]["from_number"] = json!("+1 (512) 555-0142"));
        let id = hub.post(&e).await;
        assert_eq!(hub.settled(&id, WAIT).await.status, "succeeded");
    }
    let tickets = sim.tickets();
    assert_eq!(tickets.len(), 2);
    let callers = sim.end_users();
    assert_eq!(callers.len(), 1, "one user per caller: {callers:?}");
    assert_eq!(callers[0].phone.as_deref(), Some("+15125550142"));
    assert!(tickets.iter().all(|t| t.requester_id == callers[0].id));
}

#[actix_rt::test]
async fn an_email_from_an_operator_template_makes_the_caller_requester() {
    let sim = ZendeskSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lead.captured.hbs"),
        r#"{"ticket": {"subject": "Lead", "comment": {"body": "{{data.lead.summary}}"},
           "requester": {"name": "{{data.lead.name}}", "email": "{{data.lead.email}}",
                         "phone": "{{data.from_number}}"}}}"#,
    )
    .unwrap();
    let extra = format!(
        "events = [\"lead.captured\"]\ntemplates_dir = \"{}\"",
        dir.path().display()
    );
    let hub = hub(&sim, &extra).await;
    let id = hub.post(&event(EventType::LeadCaptured, |_| {})).await;
    assert_eq!(hub.settled(&id, WAIT).await.status, "succeeded");
    let requester = sim.requester(&sim.tickets()[0]);
    assert_eq!(requester.email.as_deref(), Some("jordan@example.com"));
    assert_eq!(requester.name, "Jordan Reyes");
}
