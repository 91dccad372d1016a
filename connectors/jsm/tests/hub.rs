//! Business outcomes end to end: events in through a real hub's ingest API,
//! out through the `jsm` connector to the JSM Operations simulator, which
//! keeps the alerts a responder would be paged for.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_jsm::PLUGIN;
use switchboard_core::event::EventType;
use switchboard_testkit::{
    hub::sample_event,
    jsm::{JsmSim, API_KEY},
    VendorHub,
};

const SETTLE: Duration = Duration::from_secs(10);

async fn hub(sim: &JsmSim) -> VendorHub {
    let toml = format!(
        "[[connectors]]\nname = \"ops\"\nkind = \"jsm\"\napi_key = \"{API_KEY}\"\nbase_url = \"{}\"\n",
        sim.base_url()
    );
    VendorHub::start(PLUGIN, &toml).await
}

/// An emergency transfer from a withheld number, with no summary or reason.
fn withheld_transfer() -> Value {
    sample_event(EventType::TransferRequested, |v| {
        let data = v["data"].as_object_mut().unwrap();
        data.remove("from_number");
        data["transfer"] = json!({"urgency": "emergency"});
    })
}

#[actix_rt::test]
async fn an_emergency_transfer_from_a_withheld_number_raises_one_p1_alert() {
    let sim = JsmSim::start().await;
    let hub = hub(&sim).await;
    let id = hub.post(&withheld_transfer()).await;
    assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    let alerts = sim.alerts();
    assert_eq!(alerts.len(), 1, "{:?}", sim.refused());
    assert_eq!(alerts[0].priority, "P1");
    assert!(
        alerts[0].message.contains("unknown caller"),
        "{}",
        alerts[0].message
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn every_event_of_one_call_and_every_retry_stays_one_alert() {
    let sim = JsmSim::start().await;
    let hub = hub(&sim).await;
    sim.fail_next(502);
    let lead = sample_event(EventType::LeadCaptured, |v| {
        v["data"]["call_id"] = "call_one".into();
        v["data"]["lead"]["urgency"] = "emergency".into();
    });
    let transfer = sample_event(EventType::TransferRequested, |v| {
        v["data"]["call_id"] = "call_one".into()
    });
    for e in [&lead, &transfer, &transfer] {
        let id = hub.post(e).await;
        assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    }
    let alerts = sim.alerts();
    assert_eq!((alerts.len(), alerts[0].count), (1, 3), "{alerts:?}");
    // Closed by a responder, the call's next transfer alerts again.
    assert!(sim.close(&alerts[0].alias));
    let id = hub.post(&transfer).await;
    hub.settled(&id, SETTLE).await;
    assert_eq!(sim.alerts().len(), 2);
    hub.stop().await;
}

#[actix_rt::test]
async fn a_routine_lead_alerts_nobody_by_default() {
    let sim = JsmSim::start().await;
    let hub = hub(&sim).await;
    let lead = sample_event(EventType::LeadCaptured, |v| {
        v["data"]["lead"]["urgency"] = "high".into()
    });
    let id = hub.post(&lead).await;
    assert!(hub.deliveries(&id).await.is_empty());
    hub.stop().await;
}

#[actix_rt::test]
async fn a_rate_limited_alert_waits_and_is_raised() {
    let sim = JsmSim::with_rate_limit(1, Duration::from_secs(1)).await;
    let hub = hub(&sim).await;
    let first = hub.post(&withheld_transfer()).await;
    let second = hub
        .post(&sample_event(EventType::TransferRequested, |v| {
            v["data"]["call_id"] = "call_two".into()
        }))
        .await;
    for id in [first, second] {
        let settled = hub.settled(&id, Duration::from_secs(20)).await;
        assert_eq!(settled.status, "succeeded", "{}", settled.detail);
    }
    assert!(sim.throttled() >= 1);
    assert_eq!(sim.alerts().len(), 2);
    hub.stop().await;
}

#[actix_rt::test]
async fn a_wrong_key_fails_at_once_with_the_vendors_reason() {
    let sim = JsmSim::start().await;
    let toml = format!(
        "[[connectors]]\nname = \"ops\"\nkind = \"jsm\"\napi_key = \"wrong\"\nbase_url = \"{}\"\n",
        sim.base_url()
    );
    let hub = VendorHub::start(PLUGIN, &toml).await;
    let id = hub.post(&withheld_transfer()).await;
    let settled = hub.settled(&id, SETTLE).await;
    assert_eq!(settled.status, "failed");
    assert!(settled
        .detail
        .to_string()
        .contains("Could not authenticate"));
    hub.stop().await;
}
