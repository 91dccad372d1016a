//! Business outcomes through a real hub (ingest -> storage -> connector
//! actor) against the HubSpot simulator: one contact per caller, notes on
//! its timeline, staff edits kept.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_hubspot::PLUGIN;
use switchboard_testkit::{
    hubspot::{Failure, HubSpotSim},
    VendorHub,
};

const WAIT: Duration = Duration::from_secs(10);

fn lead(email: Option<&str>, phone: Option<&str>) -> Value {
    let mut lead = json!({"name": "Jordan Reyes", "intent": "estimate", "urgency": "this_week",
        "summary": "Wants an estimate for a kitchen sink replacement."});
    if let Some(e) = email {
        lead["email"] = e.into();
    }
    if let Some(p) = phone {
        lead["phone"] = p.into();
    }
    json!({"type": "lead.captured", "data": {"call_id": "call_1", "agent_id": "a", "lead": lead}})
}

fn call(from: Option<&str>) -> Value {
    let mut data = json!({"call_id": "call_1", "agent_id": "a", "summary": {"text": "Asked when the plumber arrives."}});
    if let Some(f) = from {
        data["from_number"] = f.into();
    }
    json!({"type": "call.completed", "data": data})
}

/// Posts each event and waits for it; panics unless each succeeded.
async fn deliver_all(hub: &VendorHub, events: &[Value]) {
    for e in events {
        let id = hub.post(e).await;
        let s = hub.settled(&id, WAIT).await;
        assert_eq!(s.status, "succeeded", "{}", s.detail);
    }
}

#[actix_rt::test]
async fn one_caller_is_one_contact_across_lead_call_voicemail_and_booking() {
    let sim = HubSpotSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    let voicemail = json!({"type": "voicemail.left", "data": {"call_id": "c2", "agent_id": "a",
        "from_number": "555.123.4567", "voicemail": {"transcript": "Call me back please."}}});
    let booking = json!({"type": "booking.created", "data": {"call_id": "c3", "agent_id": "a",
        "booking": {"start": "2024-05-10T19:00:00Z", "customer": {"email": "Jordan@Example.com"}}}});
    let events = [
        lead(Some("jordan@example.com"), Some("+15551234567")),
        call(Some("(555) 123-4567")),
        voicemail,
        booking,
    ];
    deliver_all(&hub, &events).await;
    let contacts = sim.contacts();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    let c = &contacts[0];
    assert_eq!(
        (c.get("email"), c.get("phone")),
        (Some("jordan@example.com"), Some("+15551234567"))
    );
    let notes: Vec<String> = sim
        .notes_of(&c.id)
        .iter()
        .map(|n| n.body().to_owned())
        .collect();
    assert_eq!(notes.len(), 4, "{notes:?}");
    for want in [
        "Intent: estimate",
        "Urgency: this_week",
        "kitchen sink",
        "Asked when the plumber arrives.",
        "Call me back please.",
        "Booking:",
    ] {
        assert!(
            notes.iter().any(|n| n.contains(want)),
            "no note has {want:?}: {notes:?}"
        );
    }
}

#[actix_rt::test]
async fn staff_edits_survive_later_events_of_the_caller() {
    let sim = HubSpotSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    deliver_all(
        &hub,
        &[lead(Some("jordan@example.com"), Some("+15551234567"))],
    )
    .await;
    let id = sim.contacts()[0].id.clone();
    assert_eq!(
        sim.contacts()[0].get("hs_lead_status"),
        Some("NEW"),
        "set on create"
    );
    sim.edit(&id, "firstname", "Jo");
    sim.edit(&id, "hs_lead_status", "CONNECTED");
    deliver_all(
        &hub,
        &[
            lead(Some("jordan@example.com"), None),
            call(Some("+15551234567")),
        ],
    )
    .await;
    let c = &sim.contacts()[0];
    assert_eq!((sim.contacts().len(), c.get("firstname")), (1, Some("Jo")));
    assert_eq!(c.get("hs_lead_status"), Some("CONNECTED"));
    assert_eq!(c.get("lastname"), Some("Reyes"));
}

#[actix_rt::test]
async fn email_only_leads_and_calls_are_delivered_with_the_default_and_example_configs() {
    for extra in ["", "phone_property = \"phone\""] {
        let sim = HubSpotSim::start().await;
        let hub = VendorHub::start(PLUGIN, &sim.connector_toml(extra)).await;
        deliver_all(
            &hub,
            &[
                lead(Some("sam@example.com"), None),
                call(Some("+15552223333")),
            ],
        )
        .await;
        let sam = sim
            .contact_by_email("sam@example.com")
            .expect("the email-only lead reached HubSpot");
        assert_eq!(sam.get("phone"), None);
        assert_eq!(
            sim.contacts().len(),
            2,
            "a different caller is a second contact"
        );
        assert!(sim
            .requests()
            .iter()
            .all(|r| !r.path.ends_with("batch/upsert")));
    }
}

#[actix_rt::test]
async fn a_withheld_number_with_no_known_caller_succeeds_sending_nothing() {
    let sim = HubSpotSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    deliver_all(&hub, &[call(None), call(Some(""))]).await;
    assert!(sim.requests().is_empty() && sim.contacts().is_empty());
}

#[actix_rt::test]
async fn a_contact_created_meanwhile_is_adopted_not_duplicated() {
    let sim = HubSpotSim::start().await;
    sim.add_unique_property("oncall_phone");
    let hub = VendorHub::start(
        PLUGIN,
        &sim.connector_toml("phone_property = \"oncall_phone\""),
    )
    .await;
    // Another app created Jordan a moment ago: HubSpot's search does not show it yet.
    let id = sim.add_contact(&[("email", "jordan@example.com"), ("firstname", "Jordy")]);
    sim.search_lag(Duration::from_secs(60));
    deliver_all(
        &hub,
        &[lead(Some("jordan@example.com"), Some("+15551234567"))],
    )
    .await;
    assert_eq!(sim.contacts().len(), 1);
    let c = &sim.contacts()[0];
    assert_eq!(
        (c.get("firstname"), c.get("oncall_phone")),
        (Some("Jordy"), Some("+15551234567"))
    );
    assert_eq!(sim.notes_of(&id).len(), 1);
}

#[actix_rt::test]
async fn a_lost_note_answer_is_retried_without_a_second_note() {
    let sim = HubSpotSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("timeout = \"500ms\"")).await;
    // search, create answered; the note is stored but its answer is lost.
    sim.fail_next(Failure::Pass);
    sim.fail_next(Failure::Pass);
    sim.fail_next(Failure::LoseAnswer(Duration::from_millis(1500)));
    deliver_all(&hub, &[call(Some("+15551234567"))]).await;
    let c = &sim.contacts()[0];
    assert_eq!(sim.notes_of(&c.id).len(), 1, "{:?}", sim.requests());
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.path.ends_with("notes/search")));
}
