//! Business outcomes through a real hub (ingest -> storage -> connector
//! actor -> the Pipedrive simulator): one person per caller whatever the
//! event and number format, one lead per lead, one note per event, and no
//! duplicate when an answer is lost.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_pipedrive::{PLUGIN, UNKNOWN_CALLER};
use switchboard_testkit::{
    pipedrive::{Failure, PipedriveSim},
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
    let mut data = json!({"call_id": "call_2", "agent_id": "a",
        "summary": {"text": "Asked when the plumber arrives."}});
    if let Some(f) = from {
        data["from_number"] = f.into();
    }
    json!({"type": "call.completed", "data": data})
}

fn voicemail(from: &str) -> Value {
    json!({"type": "voicemail.left", "data": {"call_id": "call_3", "agent_id": "a",
        "from_number": from, "voicemail": {"transcript": "Call me back please."}}})
}

async fn deliver(hub: &VendorHub, e: &Value) -> String {
    let id = hub.post(e).await;
    let s = hub.settled(&id, WAIT).await;
    assert_eq!(s.status, "succeeded", "{}", s.detail);
    id
}

#[actix_rt::test]
async fn one_caller_is_one_person_with_a_lead_and_a_note_per_event() {
    let sim = PipedriveSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("default_country = \"US\"")).await;
    deliver(
        &hub,
        &lead(Some("Jordan@Example.com"), Some("+15125550142")),
    )
    .await;
    deliver(&hub, &call(Some("(512) 555-0142"))).await;
    deliver(&hub, &voicemail("+1 512 555 0142")).await;
    let persons = sim.persons();
    assert_eq!(persons.len(), 1, "{persons:?}");
    assert_eq!(persons[0].emails, ["jordan@example.com"]);
    assert_eq!(persons[0].phones, ["+15125550142"]);
    let leads = sim.leads();
    assert_eq!(leads.len(), 1, "{leads:?}");
    assert_eq!(
        (leads[0].title.as_str(), leads[0].person_id),
        ("estimate: Jordan Reyes", persons[0].id)
    );
    let notes = sim.notes();
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes.iter().all(|n| n.person_id == Some(persons[0].id)));
    assert_eq!(
        notes[0].lead_id.as_deref(),
        Some(leads[0].id.as_str()),
        "the lead's note is on the lead"
    );
    for want in [
        "kitchen sink",
        "Asked when the plumber arrives.",
        "Call me back please.",
    ] {
        assert!(
            notes.iter().any(|n| n.content.contains(want)),
            "no note has {want:?}"
        );
    }
    assert!(sim
        .requests()
        .iter()
        .all(|r| !r.path.starts_with("/api/v1/persons")));
}

#[actix_rt::test]
async fn a_known_person_gets_the_missing_email_and_staff_data_is_kept() {
    let sim = PipedriveSim::start().await;
    let id = sim.add_person("Jo (staff typed)", &[], &["+15125550142"]);
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    deliver(
        &hub,
        &lead(Some("jordan@example.com"), Some("+15125550142")),
    )
    .await;
    deliver(&hub, &lead(Some("jordan@example.com"), None)).await;
    let persons = sim.persons();
    assert_eq!(persons.len(), 1, "{persons:?}");
    assert_eq!(
        (persons[0].id, persons[0].name.as_str()),
        (id, "Jo (staff typed)")
    );
    assert_eq!(persons[0].emails, ["jordan@example.com"]);
    assert_eq!(sim.leads().len(), 2, "two lead events, two leads");
}

#[actix_rt::test]
async fn a_withheld_number_still_reaches_pipedrive() {
    let sim = PipedriveSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    deliver(&hub, &call(None)).await;
    let persons = sim.persons();
    assert_eq!(persons.len(), 1);
    assert_eq!(persons[0].name, UNKNOWN_CALLER);
    assert!(sim.notes()[0]
        .content
        .contains("Asked when the plumber arrives."));
}

#[actix_rt::test]
async fn lost_answers_never_make_a_second_person_lead_or_note() {
    let sim = PipedriveSim::start().await;
    let lost = Failure::LoseAnswer(Duration::from_millis(800));
    // Search email, search phone, create person (lost), ...
    sim.fail_next(Failure::Pass);
    sim.fail_next(Failure::Pass);
    sim.fail_next(lost);
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("timeout = \"300ms\"")).await;
    deliver(&hub, &lead(Some("sam@example.com"), Some("+15125550199"))).await;
    // ... and a lost lead answer, then a lost note answer, on later events.
    for (passes, who) in [(2, "+15125550111"), (3, "+15125550122")] {
        for _ in 0..passes {
            sim.fail_next(Failure::Pass);
        }
        sim.fail_next(lost);
        deliver(&hub, &lead(None, Some(who))).await;
    }
    assert_eq!(sim.persons().len(), 3, "{:?}", sim.persons());
    assert_eq!(sim.leads().len(), 3, "{:?}", sim.leads());
    assert_eq!(sim.notes().len(), 3, "{:?}", sim.notes());
}

#[actix_rt::test]
async fn a_429_pauses_and_retries_and_a_bad_token_fails_with_pipedrives_words() {
    let sim = PipedriveSim::start().await;
    sim.fail_next(Failure::RateLimit {
        retry_after_secs: 1,
    });
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    let started = std::time::Instant::now();
    deliver(&hub, &call(Some("+15125550142"))).await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After"
    );
    assert_eq!(sim.notes().len(), 1);

    let bad = sim.connector_toml("").replace("pd-sim-token", "wrong");
    let hub = VendorHub::start(PLUGIN, &bad).await;
    let id = hub.post(&call(Some("+15125550142"))).await;
    let s = hub.settled(&id, WAIT).await;
    assert_eq!(s.status, "failed");
    assert_eq!(
        s.detail["attempts"].as_array().unwrap().len(),
        1,
        "401 is permanent"
    );
    assert!(
        s.detail.to_string().contains("unauthorized access"),
        "{}",
        s.detail
    );
}
