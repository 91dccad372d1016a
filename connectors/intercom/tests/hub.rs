//! Business outcomes through a real hub (ingest -> storage -> connector
//! actor -> the Intercom simulator): one contact per caller, a 409 adopted
//! instead of a second contact, one note per event even when an answer is
//! lost, and pacing on Intercom's 429.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_intercom::PLUGIN;
use switchboard_testkit::{
    intercom::{Failure, IntercomSim},
    VendorHub,
};

const WAIT: Duration = Duration::from_secs(10);

fn lead(email: Option<&str>, phone: Option<&str>) -> Value {
    let mut lead = json!({"name": "Jordan Reyes", "intent": "estimate",
        "summary": "Wants an estimate for a kitchen sink replacement."});
    if let Some(e) = email {
        lead["email"] = e.into();
    }
    if let Some(p) = phone {
        lead["phone"] = p.into();
    }
    json!({"type": "lead.captured", "data": {"call_id": "call_1", "agent_id": "a", "lead": lead}})
}

fn voicemail(from: Option<&str>) -> Value {
    let mut data = json!({"call_id": "call_3", "agent_id": "a",
        "voicemail": {"transcript": "Call me back please."}});
    if let Some(f) = from {
        data["from_number"] = f.into();
    }
    json!({"type": "voicemail.left", "data": data})
}

async fn deliver(hub: &VendorHub, e: &Value) {
    let id = hub.post(e).await;
    let s = hub.settled(&id, WAIT).await;
    assert_eq!(s.status, "succeeded", "{}", s.detail);
}

#[actix_rt::test]
async fn one_caller_is_one_contact_with_a_note_per_event() {
    let sim = IntercomSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    deliver(&hub, &lead(None, Some("+15125550142"))).await;
    deliver(
        &hub,
        &lead(Some("Jordan@Example.com"), Some("+1 (512) 555-0142")),
    )
    .await;
    deliver(&hub, &voicemail(Some("+15125550142"))).await;
    let contacts = sim.contacts();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    let c = &contacts[0];
    assert_eq!(
        (c.role.as_str(), c.email.as_deref(), c.phone.as_deref()),
        ("lead", Some("jordan@example.com"), Some("+15125550142"))
    );
    let notes = sim.notes();
    assert_eq!(notes.len(), 3);
    assert!(notes.iter().all(|n| n.contact_id == c.id));
    assert!(notes[2].body.contains("Call me back please."));
}

#[actix_rt::test]
async fn a_409_from_a_lagging_search_adopts_the_existing_contact() {
    let sim = IntercomSim::start().await;
    sim.search_lag(Duration::from_secs(3600));
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    deliver(&hub, &lead(Some("sam@example.com"), None)).await;
    // The search cannot see Sam yet: the create answers 409 with the id.
    deliver(&hub, &lead(Some("sam@example.com"), None)).await;
    assert_eq!(sim.contacts().len(), 1, "{:?}", sim.contacts());
    let id = &sim.contacts()[0].id;
    assert_eq!(
        sim.notes().iter().filter(|n| &n.contact_id == id).count(),
        2
    );
}

#[actix_rt::test]
async fn a_lost_note_answer_is_one_note_and_a_429_waits_for_the_reset() {
    let sim = IntercomSim::start().await;
    sim.fail_next(Failure::RateLimit { reset_in_secs: 1 });
    sim.fail_next(Failure::Pass); // the retried search
    sim.fail_next(Failure::Pass); // the create
    sim.fail_next(Failure::Pass); // the look for an earlier note
    sim.fail_next(Failure::LoseAnswer(Duration::from_millis(800)));
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("timeout = \"300ms\"")).await;
    let started = std::time::Instant::now();
    deliver(&hub, &voicemail(Some("+15125550142"))).await;
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "paused for the reset"
    );
    assert_eq!(
        (sim.contacts().len(), sim.notes().len()),
        (1, 1),
        "{:?}",
        sim.notes()
    );
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.starts_with("GET") && r.ends_with("/notes")));
}

#[actix_rt::test]
async fn a_withheld_number_is_still_a_note_and_a_bad_token_fails_at_once() {
    let sim = IntercomSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    deliver(&hub, &voicemail(None)).await;
    assert_eq!(sim.contacts()[0].name.as_deref(), Some("Unknown caller"));
    assert_eq!(sim.notes().len(), 1);

    let bad = sim.connector_toml("").replace("ic-sim-token", "wrong");
    let hub = VendorHub::start(PLUGIN, &bad).await;
    let id = hub.post(&voicemail(Some("+15125550142"))).await;
    let s = hub.settled(&id, WAIT).await;
    assert_eq!(s.status, "failed");
    assert!(
        s.detail
            .to_string()
            .contains("unauthorized: Access Token Invalid"),
        "{}",
        s.detail
    );
}
