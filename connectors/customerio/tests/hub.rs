//! Business outcomes end to end: events in through a real hub's ingest API,
//! out through the `customerio` connector to the Customer.io simulator,
//! which keeps people and their events.

use std::time::Duration;

use serde_json::json;
use switchboard_connector_customerio::PLUGIN;
use switchboard_core::event::EventType;
use switchboard_testkit::{
    customerio::{CustomerIoSim, API_KEY, SITE_ID},
    hub::sample_event,
    VendorHub,
};

const SETTLE: Duration = Duration::from_secs(10);

async fn hub(sim: &CustomerIoSim) -> VendorHub {
    let toml = format!(
        "[[connectors]]\nname = \"cio\"\nkind = \"customerio\"\nsite_id = \"{SITE_ID}\"\napi_key = \"{API_KEY}\"\nbase_url = \"{}\"\n",
        sim.base_url()
    );
    VendorHub::start(PLUGIN, &toml).await
}

#[actix_rt::test]
async fn one_caller_is_one_person_across_all_their_events() {
    let sim = CustomerIoSim::start().await;
    let hub = hub(&sim).await;
    let caller = "+15551234567";
    let events = [
        sample_event(EventType::LeadCaptured, |_| {}),
        sample_event(EventType::CallCompleted, |_| {}),
        sample_event(EventType::BookingCreated, |_| {}),
        sample_event(EventType::VoicemailLeft, |v| {
            v["data"]["from_number"] = caller.into()
        }),
    ];
    for e in &events {
        let id = hub.post(e).await;
        assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    }
    let people = sim.people();
    assert_eq!(people.len(), 1, "{people:?} {:?}", sim.refused());
    assert_eq!(people[0].id.as_deref(), Some(caller));
    assert_eq!(people[0].email.as_deref(), Some("jordan@example.com"));
    let names: Vec<_> = sim.events().iter().map(|e| e.name.clone()).collect();
    assert_eq!(
        names,
        [
            "lead_captured",
            "call_completed",
            "booking_created",
            "voicemail_left"
        ]
    );
    assert!(sim.events().iter().all(|e| e.person == caller));
    hub.stop().await;
}

#[actix_rt::test]
async fn retries_and_replays_record_the_event_once() {
    let sim = CustomerIoSim::start().await;
    let hub = hub(&sim).await;
    // A withheld caller who left no email: one anonymous event, whose answer is lost.
    sim.lose_next_answer(502);
    let lead = sample_event(EventType::LeadCaptured, |v| {
        v["data"].as_object_mut().unwrap().remove("from_number");
        v["data"]["lead"] = json!({"name": "Sam"});
    });
    let id = hub.post(&lead).await;
    assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    let known = hub
        .post(&sample_event(EventType::CallCompleted, |_| {}))
        .await;
    assert_eq!(hub.settled(&known, SETTLE).await.status, "succeeded");
    hub.replay(&known).await;
    let deadline = std::time::Instant::now() + SETTLE;
    while sim.received() < 6 && std::time::Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    // 2 anonymous attempts + identify/track + the replay's identify/track.
    assert_eq!(sim.received(), 6);
    let events = sim.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        events[0].person.starts_with("anonymous:call_"),
        "{}",
        events[0].person
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn a_rate_limited_call_waits_and_is_delivered() {
    let sim = CustomerIoSim::with_rate_limit(2, Duration::from_secs(1)).await;
    let hub = hub(&sim).await;
    let a = hub
        .post(&sample_event(EventType::CallCompleted, |_| {}))
        .await;
    let b = hub
        .post(&sample_event(EventType::CallCompleted, |v| {
            v["data"]["from_number"] = "+15550001111".into()
        }))
        .await;
    for id in [a, b] {
        let settled = hub.settled(&id, Duration::from_secs(20)).await;
        assert_eq!(settled.status, "succeeded", "{}", settled.detail);
    }
    assert!(sim.throttled() >= 1);
    assert_eq!((sim.people().len(), sim.events().len()), (2, 2));
    hub.stop().await;
}

#[actix_rt::test]
async fn wrong_credentials_fail_at_once_with_the_vendors_reason() {
    let sim = CustomerIoSim::start().await;
    let toml = format!(
        "[[connectors]]\nname = \"cio\"\nkind = \"customerio\"\nsite_id = \"{SITE_ID}\"\napi_key = \"wrong\"\nbase_url = \"{}\"\n",
        sim.base_url()
    );
    let hub = VendorHub::start(PLUGIN, &toml).await;
    let id = hub
        .post(&sample_event(EventType::LeadCaptured, |_| {}))
        .await;
    let settled = hub.settled(&id, SETTLE).await;
    assert_eq!(settled.status, "failed");
    assert!(settled.detail.to_string().contains("Unauthorized request"));
    hub.stop().await;
}
