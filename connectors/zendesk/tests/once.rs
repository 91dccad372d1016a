//! Exactly one ticket per delivery, through a real hub, when an answer is
//! lost, when Zendesk answers 400 `IdempotentRequestError`, and when an
//! operator replays the event after Zendesk forgot the idempotency key.

use std::time::Duration;

use serde_json::Value;
use switchboard_connector_zendesk::PLUGIN;
use switchboard_core::event::{fixtures, EventType};
use switchboard_testkit::{
    zendesk::{Fail, ZendeskSim, IDEMPOTENCY_WINDOW},
    VendorHub,
};

const WAIT: Duration = Duration::from_secs(10);

fn voicemail() -> Value {
    let (_, src) = fixtures()
        .into_iter()
        .find(|(k, _)| *k == EventType::VoicemailLeft)
        .unwrap();
    let mut v: Value = serde_json::from_str(src).unwrap();
    v.as_object_mut().unwrap().remove("id");
    v
}

/// Posts a voicemail through a hub whose attempts time out after 300 ms;
/// returns the hub, the event id and the delivery status.
async fn deliver(sim: &ZendeskSim) -> (VendorHub, String, String) {
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("timeout = \"300ms\"")).await;
    let id = hub.post(&voicemail()).await;
    let status = hub.settled(&id, WAIT).await.status;
    (hub, id, status)
}

#[actix_rt::test]
async fn a_create_that_times_out_after_storing_is_still_one_ticket() {
    let sim = ZendeskSim::start().await;
    let delay = Duration::from_secs(1);
    sim.fail_next_create(Fail::TimeoutAfterStore { delay });
    let (_hub, _, status) = deliver(&sim).await;
    assert_eq!(status, "succeeded");
    assert_eq!(sim.tickets().len(), 1, "{:?}", sim.tickets());
    assert!(sim.lookups() >= 1, "the retry looked the ticket up first");
}

#[actix_rt::test]
async fn a_retry_after_the_idempotency_window_finds_the_lost_ticket() {
    let sim = ZendeskSim::start().await;
    sim.fail_next_create(Fail::TimeoutAfterStore {
        delay: Duration::from_secs(1),
    });
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("timeout = \"300ms\"")).await;
    let id = hub.post(&voicemail()).await;
    // The retry comes after Zendesk forgot the key (retries run 24 h).
    while sim.creates() == 0 {
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
    sim.advance(IDEMPOTENCY_WINDOW * 3);
    assert_eq!(hub.settled(&id, WAIT).await.status, "succeeded");
    assert_eq!(sim.tickets().len(), 1, "{:?}", sim.tickets());
}

#[actix_rt::test]
async fn a_replay_after_the_idempotency_window_creates_no_second_ticket() {
    let sim = ZendeskSim::start().await;
    let (hub, id, status) = deliver(&sim).await;
    assert_eq!(status, "succeeded");
    sim.advance(IDEMPOTENCY_WINDOW + Duration::from_secs(3600));
    hub.replay(&id).await;
    let settled = hub.settled(&id, WAIT).await;
    assert_eq!(settled.status, "succeeded");
    assert_eq!(settled.detail["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(sim.tickets().len(), 1, "{:?}", sim.tickets());
}

#[actix_rt::test]
async fn idempotent_request_error_with_a_ticket_is_success_not_failure() {
    let sim = ZendeskSim::start().await;
    sim.fail_next_create(Fail::IdempotentRequestError { stored: true });
    let (_hub, _, status) = deliver(&sim).await;
    assert_eq!(status, "succeeded");
    assert_eq!(sim.tickets().len(), 1);
    assert_eq!(sim.creates(), 1, "found by lookup, not created again");
}

#[actix_rt::test]
async fn idempotent_request_error_without_a_ticket_is_retried_into_one() {
    let sim = ZendeskSim::start().await;
    sim.fail_next_create(Fail::IdempotentRequestError { stored: false });
    let (_hub, _, status) = deliver(&sim).await;
    assert_eq!(status, "succeeded");
    assert_eq!(sim.tickets().len(), 1);
}
