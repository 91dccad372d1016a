//! Business outcomes through a real hub (ingest -> storage -> connector
//! actor -> the Housecall Pro simulator): one customer per caller, a lead
//! per lead, a job per booking at the customer's address, and no duplicate
//! when an answer is lost.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_housecallpro::PLUGIN;
use switchboard_core::event::{fixtures, EventType};
use switchboard_testkit::{
    housecallpro::{Failure, HousecallProSim},
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
async fn a_lead_then_a_booking_is_one_customer_with_a_lead_and_a_job() {
    let sim = HousecallProSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    deliver(&hub, &event(EventType::LeadCaptured, |_| {})).await;
    deliver(&hub, &event(EventType::BookingCreated, |_| {})).await;
    let customers = sim.customers();
    assert_eq!(customers.len(), 1, "{customers:?}");
    let c = &customers[0];
    assert_eq!(
        (c.first_name.as_str(), c.email.as_deref()),
        ("Jordan", Some("jordan@example.com"))
    );
    assert_eq!(sim.leads().len(), 1);
    assert!(sim.leads()[0].note.contains("kitchen sink"));
    let jobs = sim.jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].address_id.as_ref(),
        Some(&c.addresses[0].0),
        "at the customer's address"
    );
    assert_eq!(
        jobs[0].scheduled_start.as_deref(),
        Some("2024-05-10T19:00:00+00:00")
    );
}

#[actix_rt::test]
async fn a_booking_without_any_address_becomes_a_lead_saying_so() {
    let sim = HousecallProSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    let e = event(EventType::BookingCreated, |v| {
        v["data"]["booking"]["customer"] = json!({"phone": "+15125550142"});
    });
    deliver(&hub, &e).await;
    assert_eq!((sim.jobs().len(), sim.leads().len()), (0, 1));
    assert!(sim.leads()[0].note.contains("without a service address"));
    assert_eq!(
        sim.customers()[0].mobile_number.as_deref(),
        Some("+15125550142")
    );
}

#[actix_rt::test]
async fn a_lost_answer_and_a_429_never_make_a_second_job() {
    let sim = HousecallProSim::start().await;
    sim.fail_next(Failure::RateLimit(1)); // the email search
    for _ in 0..3 {
        sim.fail_next(Failure::Pass); // email search, phone search, customer create
    }
    sim.fail_next(Failure::LoseAnswer(Duration::from_millis(800))); // the job
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("timeout = \"300ms\"")).await;
    deliver(&hub, &event(EventType::BookingCreated, |_| {})).await;
    assert_eq!(
        (sim.customers().len(), sim.jobs().len()),
        (1, 1),
        "{:?}",
        sim.jobs()
    );
}
