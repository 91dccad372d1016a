//! Business outcomes through a real hub (ingest -> storage -> connector
//! actor -> the Freshdesk simulator): one ticket per call from the caller,
//! priority from urgency, the transcript as a private note, and exactly one
//! ticket and note when an answer is lost.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_freshdesk::{PLUGIN, UNKNOWN_CALLER_ID};
use switchboard_core::event::{fixtures, EventType};
use switchboard_testkit::{
    freshdesk::{Failure, FreshdeskSim},
    VendorHub,
};

const WAIT: Duration = Duration::from_secs(10);

fn event(t: EventType, edit: impl FnOnce(&mut Value)) -> Value {
    let (_, src) = fixtures().into_iter().find(|(k, _)| *k == t).unwrap();
    let mut v: Value = serde_json::from_str(src).unwrap();
    v.as_object_mut().unwrap().remove("id");
    edit(&mut v);
    v
}

async fn deliver(hub: &VendorHub, e: &Value) {
    let id = hub.post(e).await;
    let s = hub.settled(&id, WAIT).await;
    assert_eq!(s.status, "succeeded", "{}", s.detail);
}

#[actix_rt::test]
async fn calls_and_voicemails_are_phone_tickets_from_one_caller_with_private_transcripts() {
    let sim = FreshdeskSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    let from = |v: &mut Value| v["data"]["from_number"] = json!("+15125550142");
    deliver(&hub, &event(EventType::CallCompleted, from)).await;
    deliver(&hub, &event(EventType::VoicemailLeft, from)).await;
    deliver(&hub, &event(EventType::TransferRequested, from)).await;
    let (tickets, contacts) = (sim.tickets(), sim.contacts());
    assert_eq!((tickets.len(), contacts.len()), (3, 1), "{contacts:?}");
    assert_eq!(contacts[0].phone.as_deref(), Some("+15125550142"));
    assert!(tickets
        .iter()
        .all(|t| t.requester_id == contacts[0].id && t.source == 3));
    assert_eq!(
        tickets.iter().map(|t| t.priority).collect::<Vec<_>>(),
        [2, 2, 4],
        "emergency transfer is urgent"
    );
    let notes = sim.notes();
    assert_eq!(notes.len(), 2, "transfers carry no transcript");
    assert!(notes.iter().all(|n| n.private));
    assert!(
        notes[0].body.contains("kitchen sink is leaking"),
        "{}",
        notes[0].body
    );
}

#[actix_rt::test]
async fn a_withheld_number_files_under_the_unknown_caller() {
    let sim = FreshdeskSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    for _ in 0..2 {
        let e = event(EventType::VoicemailLeft, |v| {
            v["data"].as_object_mut().unwrap().remove("from_number");
        });
        deliver(&hub, &e).await;
    }
    let contacts = sim.contacts();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(
        contacts[0].unique_external_id.as_deref(),
        Some(UNKNOWN_CALLER_ID)
    );
    assert_eq!(sim.tickets().len(), 2);
}

#[actix_rt::test]
async fn lost_answers_make_one_ticket_and_one_note() {
    let sim = FreshdeskSim::start().await;
    let lost = Failure::LoseAnswer(Duration::from_millis(800));
    sim.fail_next(lost); // the ticket create
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("timeout = \"300ms\"")).await;
    let phone = |v: &mut Value| v["data"]["from_number"] = json!("+15125550142");
    deliver(&hub, &event(EventType::VoicemailLeft, phone)).await;
    assert_eq!(
        (sim.creates(), sim.tickets().len(), sim.notes().len()),
        (1, 1, 1)
    );
    sim.fail_next(Failure::Pass); // the ticket create
    sim.fail_next(lost); // the note
    let email = |v: &mut Value| v["data"]["from_number"] = json!("+15125550199");
    deliver(&hub, &event(EventType::CallCompleted, email)).await;
    assert_eq!(
        (sim.tickets().len(), sim.notes().len()),
        (2, 2),
        "{:?}",
        sim.notes()
    );
}

#[actix_rt::test]
async fn a_429_waits_and_the_free_plans_403_fails_at_once() {
    let sim = FreshdeskSim::start().await;
    sim.fail_next(Failure::RateLimit {
        retry_after_secs: 1,
    });
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    let started = std::time::Instant::now();
    deliver(&hub, &event(EventType::VoicemailLeft, |_| {})).await;
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(sim.tickets().len(), 1);
    sim.fail_next(Failure::Status(403));
    let id = hub.post(&event(EventType::VoicemailLeft, |_| {})).await;
    let s = hub.settled(&id, WAIT).await;
    assert_eq!(
        (
            s.status.as_str(),
            s.detail["attempts"].as_array().unwrap().len()
        ),
        ("failed", 1)
    );
}
