//! Business outcomes end to end: events in through a real hub's ingest API,
//! out through the `sendgrid` connector to the SendGrid simulator, which
//! keeps the mails it accepted.

use std::time::Duration;

use switchboard_connector_sendgrid::PLUGIN;
use switchboard_core::event::EventType;
use switchboard_testkit::{
    hub::sample_event,
    sendgrid::{SendGridSim, API_KEY},
    VendorHub,
};

const SETTLE: Duration = Duration::from_secs(10);

async fn hub(sim: &SendGridSim, extra: &str) -> VendorHub {
    let toml = format!(
        "[[connectors]]\nname = \"mail\"\nkind = \"sendgrid\"\napi_key = \"{API_KEY}\"\nfrom = \"Reyes Plumbing <{}>\"\nbase_url = \"{}\"\n{extra}\n",
        sim.verified_sender(),
        sim.base_url()
    );
    VendorHub::start(PLUGIN, &toml).await
}

#[actix_rt::test]
async fn a_booking_confirms_to_the_caller_and_a_call_summary_goes_to_staff() {
    let sim = SendGridSim::start().await;
    let hub = hub(&sim, "to = \"office@reyes.example\"").await;
    let booking = hub
        .post(&sample_event(EventType::BookingCreated, |_| {}))
        .await;
    let lead = hub
        .post(&sample_event(EventType::LeadCaptured, |_| {}))
        .await;
    for id in [booking, lead] {
        let settled = hub.settled(&id, SETTLE).await;
        assert_eq!(settled.status, "succeeded", "{}", settled.detail);
    }
    let mails = sim.mails();
    assert_eq!(mails.len(), 2, "{:?}", sim.refused());
    let confirmation = mails
        .iter()
        .find(|m| m.to == ["jordan@example.com"])
        .unwrap();
    assert!(
        confirmation.text.contains("Friday, May 10 at 2:00 PM CDT"),
        "{}",
        confirmation.text
    );
    let summary = mails
        .iter()
        .find(|m| m.to == ["office@reyes.example"])
        .unwrap();
    assert_eq!(summary.body["reply_to"]["email"], "jordan@example.com");
    assert!(summary.text.contains("kitchen sink"), "{}", summary.text);
    hub.stop().await;
}

#[actix_rt::test]
async fn a_failure_before_sendgrid_took_the_mail_is_retried_and_sends_once() {
    let sim = SendGridSim::start().await;
    let hub = hub(&sim, "").await;
    sim.fail_next(500);
    sim.fail_next(503);
    let id = hub
        .post(&sample_event(EventType::BookingCreated, |_| {}))
        .await;
    assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    assert_eq!((sim.received(), sim.mails().len()), (3, 1));
    hub.stop().await;
}

#[actix_rt::test]
async fn a_rate_limited_mail_waits_for_the_reset_and_is_sent() {
    let sim = SendGridSim::with_rate_limit(1, Duration::from_secs(1)).await;
    let hub = hub(&sim, "").await;
    let first = hub
        .post(&sample_event(EventType::BookingCreated, |_| {}))
        .await;
    let second = hub
        .post(&sample_event(EventType::BookingCreated, |v| {
            v["data"]["booking"]["customer"]["email"] = "sam@example.com".into()
        }))
        .await;
    for id in [first, second] {
        let settled = hub.settled(&id, Duration::from_secs(20)).await;
        assert_eq!(settled.status, "succeeded", "{}", settled.detail);
    }
    assert!(
        sim.throttled() <= 2,
        "paced, not hammered: {}",
        sim.throttled()
    );
    assert_eq!(sim.mails().len(), 2);
    hub.stop().await;
}

#[actix_rt::test]
async fn an_unverified_sender_fails_at_once_with_sendgrids_reason() {
    let sim = SendGridSim::start().await;
    let toml = format!(
        "[[connectors]]\nname = \"mail\"\nkind = \"sendgrid\"\napi_key = \"{API_KEY}\"\nfrom = \"someone@elsewhere.example\"\nbase_url = \"{}\"\n",
        sim.base_url()
    );
    let hub = VendorHub::start(PLUGIN, &toml).await;
    let id = hub
        .post(&sample_event(EventType::BookingCreated, |_| {}))
        .await;
    let settled = hub.settled(&id, SETTLE).await;
    assert_eq!(settled.status, "failed");
    assert_eq!(settled.detail["attempt_count"], 1);
    assert!(settled
        .detail
        .to_string()
        .contains("verified Sender Identity"));
    hub.stop().await;
}

#[actix_rt::test]
async fn without_staff_addresses_only_bookings_are_taken() {
    let sim = SendGridSim::start().await;
    let hub = hub(&sim, "").await;
    let lead = hub
        .post(&sample_event(EventType::LeadCaptured, |_| {}))
        .await;
    assert!(hub.deliveries(&lead).await.is_empty());
    hub.stop().await;
}
