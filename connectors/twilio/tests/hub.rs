//! Business outcomes end to end: events into a real hub, out through the
//! `twilio` connector to the Twilio simulator, which keeps the SMS it
//! queued (recipient, text, encoding, segments).

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_twilio::PLUGIN;
use switchboard_testkit::{
    twilio::{Encoding, Failure, TwilioSim},
    VendorHub,
};

const WAIT: Duration = Duration::from_secs(10);

fn event(kind: &str, key: &str, body: Value) -> Value {
    json!({"type": kind, "data": {"call_id": "call_1", "agent_id": "agent_main", key: body}})
}

fn lead(phone: &str) -> Value {
    event(
        "lead.captured",
        "lead",
        json!({"name": "Sam Lee", "phone": phone}),
    )
}

/// The error of a settled delivery's last attempt.
fn last_error(detail: &Value) -> String {
    let attempts = detail["attempts"].as_array().expect("attempts");
    attempts.last().expect("an attempt")["error"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[actix_rt::test]
async fn a_booking_without_a_usable_time_zone_is_confirmed_in_utc() {
    let sim = TwilioSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    for tz in [None, Some("Mars/Olympus_Mons")] {
        let mut booking =
            json!({"start": "2024-05-10T19:00:00Z", "customer": {"phone": "+15551234567"}});
        if let Some(tz) = tz {
            booking["timezone"] = tz.into();
        }
        let id = hub
            .post(&event("booking.created", "booking", booking))
            .await;
        assert_eq!(
            hub.settled(&id, WAIT).await.status,
            "succeeded",
            "timezone {tz:?}"
        );
    }
    let sms = sim.messages();
    assert_eq!(sms.len(), 2, "one SMS per booking");
    for m in &sms {
        assert!(
            m.body.contains("Friday, May 10 at 7:00 PM UTC"),
            "{}",
            m.body
        );
    }
}

#[actix_rt::test]
async fn curly_quotes_ellipses_and_emoji_stay_within_two_gsm7_segments() {
    let sim = TwilioSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    let summary = format!(
        "Caller said “it’s leaking everywhere”… 💧 {}",
        "Details. ".repeat(60)
    );
    let odd = json!({"name": "Zoë O’Brien 李", "phone": "+15551234567", "summary": summary});
    let id = hub.post(&event("lead.captured", "lead", odd)).await;
    assert_eq!(hub.settled(&id, WAIT).await.status, "succeeded");
    let sms = sim.messages();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].encoding, Encoding::Gsm7, "{}", sms[0].body);
    assert!(
        sms[0].segments <= 2,
        "{} segments: {}",
        sms[0].segments,
        sms[0].body
    );
    assert!(sms[0].body.starts_with("Hi Zoe, "), "{}", sms[0].body);
    assert!(
        sms[0].body.contains("\"it's leaking everywhere\"..."),
        "{}",
        sms[0].body
    );
}

#[actix_rt::test]
async fn a_full_sender_queue_or_concurrency_limit_is_retried_until_sent() {
    let sim = TwilioSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    sim.fail_next(Failure::QueueFull);
    sim.fail_next(Failure::TooManyRequests);
    let id = hub.post(&lead("+15551234567")).await;
    assert_eq!(hub.settled(&id, WAIT).await.status, "succeeded");
    assert_eq!(sim.attempts(), 3, "21611, 20429, then queued");
    assert_eq!(sim.messages().len(), 1, "exactly one SMS");
}

#[actix_rt::test]
async fn invalid_or_unsubscribed_numbers_fail_at_once_with_the_reason() {
    let sim = TwilioSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    sim.opt_out("+15551234567");
    for (phone, code) in [("+10005550142", "21211"), ("+15551234567", "21610")] {
        let settled = hub.settled(&hub.post(&lead(phone)).await, WAIT).await;
        assert_eq!(settled.status, "failed", "{phone}");
        assert_eq!(
            settled.detail["attempts"].as_array().unwrap().len(),
            1,
            "never retried"
        );
        assert!(
            last_error(&settled.detail).contains(code),
            "{}",
            settled.detail
        );
    }
    assert!(sim.messages().is_empty());
}

#[actix_rt::test]
async fn a_national_number_is_read_in_the_default_country() {
    let sim = TwilioSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("default_country = \"GB\"")).await;
    let id = hub.post(&lead("020 7946 0958")).await;
    assert_eq!(hub.settled(&id, WAIT).await.status, "succeeded");
    let to: Vec<String> = sim.messages().into_iter().map(|m| m.to).collect();
    assert_eq!(to, ["+442079460958"]);
}

#[actix_rt::test]
async fn a_national_number_without_a_default_country_fails_naming_the_fix() {
    let sim = TwilioSim::start().await;
    let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
    let settled = hub
        .settled(&hub.post(&lead("020 7946 0958")).await, WAIT)
        .await;
    assert_eq!(settled.status, "failed");
    let error = last_error(&settled.detail);
    assert!(error.contains("data.lead.phone"), "{error}");
    assert!(error.contains("'020 7946 0958'"), "{error}");
    assert!(error.contains("set `default_country`"), "{error}");
    assert_eq!(sim.attempts(), 0, "nothing was sent to a guessed number");
}
