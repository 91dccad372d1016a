//! Business outcomes end to end: events in through a real hub's ingest API,
//! out through the `pagerduty` connector to the PagerDuty simulator, which
//! counts the incidents a responder would be paged for.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_pagerduty::PLUGIN;
use switchboard_core::event::{fixtures, EventType};
use switchboard_testkit::{pagerduty::PagerDutySim, VendorHub};

const SETTLE: Duration = Duration::from_secs(10);

/// A hub with one `pagerduty` connector, `events` and `filter` omitted.
async fn hub(sim: &PagerDutySim) -> VendorHub {
    let toml = format!(
        "[[connectors]]\nname = \"oncall\"\nkind = \"pagerduty\"\nrouting_key = \"R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12\"\nbase_url = \"{}\"\n",
        sim.base_url()
    );
    VendorHub::start(PLUGIN, &toml).await
}

/// The sample event of `t` with `edit` applied to it and no `id`.
fn event(t: EventType, edit: impl FnOnce(&mut Value)) -> Value {
    let (_, src) = fixtures().into_iter().find(|(k, _)| *k == t).unwrap();
    let mut v: Value = serde_json::from_str(src).unwrap();
    v.as_object_mut().unwrap().remove("id");
    edit(&mut v);
    v
}

/// An emergency transfer from a withheld number, with no summary or reason.
fn withheld_transfer() -> Value {
    event(EventType::TransferRequested, |v| {
        let data = v["data"].as_object_mut().unwrap();
        data.remove("from_number");
        let transfer = data["transfer"].as_object_mut().unwrap();
        transfer.remove("summary");
        transfer.remove("reason");
    })
}

#[actix_rt::test]
async fn an_emergency_transfer_from_a_withheld_number_opens_one_incident() {
    let sim = PagerDutySim::start().await;
    let hub = hub(&sim).await;
    let id = hub.post(&withheld_transfer()).await;
    assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    let incidents = sim.incidents();
    assert_eq!(incidents.len(), 1, "{:?}", sim.invalid());
    assert_eq!(incidents[0].severity, "critical");
    assert!(
        incidents[0].summary.contains("unknown caller"),
        "{}",
        incidents[0].summary
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn repeated_transfer_events_of_one_call_stay_one_incident() {
    let sim = PagerDutySim::start().await;
    let hub = hub(&sim).await;
    for _ in 0..3 {
        let id = hub.post(&withheld_transfer()).await;
        assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    }
    let incidents = sim.incidents();
    assert_eq!((incidents.len(), incidents[0].folded), (1, 2));
    // Once resolved, the same call's next transfer pages again (PagerDuty's rule).
    assert!(sim.resolve(&incidents[0].dedup_key));
    let id = hub.post(&withheld_transfer()).await;
    assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    assert_eq!(sim.incidents().len(), 2);
    hub.stop().await;
}

#[actix_rt::test]
async fn a_non_urgent_lead_pages_nobody_when_events_are_omitted() {
    let sim = PagerDutySim::start().await;
    let hub = hub(&sim).await;
    for urgency in ["this_week", "high", ""] {
        let lead = event(EventType::LeadCaptured, |v| {
            v["data"]["lead"]["urgency"] = urgency.into()
        });
        let id = hub.post(&lead).await;
        assert!(
            hub.deliveries(&id).await.is_empty(),
            "{urgency} is filtered out"
        );
    }
    // A later page arrives alone: nothing was queued for the leads.
    let id = hub.post(&withheld_transfer()).await;
    hub.settled(&id, SETTLE).await;
    assert_eq!((sim.received(), sim.incidents().len()), (1, 1));
    hub.stop().await;
}

#[actix_rt::test]
async fn an_emergency_lead_opens_one_incident() {
    let sim = PagerDutySim::start().await;
    let hub = hub(&sim).await;
    let lead = event(EventType::LeadCaptured, |v| {
        v["data"]["lead"] = json!({"urgency": "Emergency"})
    });
    let id = hub.post(&lead).await;
    assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    let incidents = sim.incidents();
    assert_eq!(incidents.len(), 1, "{:?}", sim.invalid());
    assert_eq!(incidents[0].severity, "critical");
    hub.stop().await;
}

#[actix_rt::test]
async fn a_rate_limited_event_is_retried_and_delivered() {
    let sim = PagerDutySim::with_rate_limit(1, Duration::from_secs(1)).await;
    let hub = hub(&sim).await;
    let first = hub.post(&withheld_transfer()).await;
    let second = hub
        .post(&event(EventType::TransferRequested, |v| {
            v["data"]["call_id"] = "call_second".into()
        }))
        .await;
    // Generous: once core honours the connector's pause (5 s without
    // Retry-After), the second event waits that long instead of backing off.
    for id in [first, second] {
        let settled = hub.settled(&id, Duration::from_secs(30)).await;
        assert_eq!(settled.status, "succeeded", "{}", settled.detail);
    }
    assert!(sim.throttled() >= 1, "the limit was hit");
    assert_eq!(sim.incidents().len(), 2);
    hub.stop().await;
}
