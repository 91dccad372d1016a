//! The sparse-event matrix: every shipped template, for the sparsest valid
//! event, each optional field removed and odd but valid values, maps to a
//! request Twilio accepts (or to none when the event has no number to
//! text), and every `Body` is GSM-7 within two segments.

use serde_json::{json, Value};
use switchboard_connector_twilio::PLUGIN;
use switchboard_core::{
    connector::testing,
    event::{Event, EventType},
};
use switchboard_testkit::{
    sparse,
    twilio::{segments, Encoding, TwilioSim},
};

fn body(r: &switchboard_core::outbound::OutboundRequest) -> String {
    url::form_urlencoded::parse(&r.body)
        .find(|(k, _)| k == "Body")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn short_and_accepted(r: &switchboard_core::outbound::OutboundRequest) -> Result<(), String> {
    TwilioSim::validate(r)?;
    match segments::count(&body(r)) {
        (Encoding::Gsm7, n) if n <= 2 => Ok(()),
        other => Err(format!("Body is {other:?}, not GSM-7 within 2 segments")),
    }
}

#[actix_rt::test]
async fn every_sparse_event_maps_to_a_short_sms_twilio_accepts() {
    let sim = TwilioSim::start().await;
    let to_callers = json!({"default_country": "US"});
    let report = sparse::check_connector(&PLUGIN, sim.settings(to_callers), |_, r| {
        short_and_accepted(r)
    });
    // Only events holding no phone number at all are skipped.
    assert!(report.requests >= 40 && report.checked == 72, "{report:?}");
    let to_staff = json!({"default_country": "US", "to": "+15550001111"});
    let report = sparse::check_connector(&PLUGIN, sim.settings(to_staff), |_, r| {
        short_and_accepted(r)
    });
    assert_eq!(
        report.requests, report.checked,
        "with `to`, every event is texted"
    );
}

fn prepared(extra: Value, t: EventType, data: Value) -> Vec<String> {
    let sim_settings = json!({"account_sid": "AC0123456789abcdef0123456789abcdef",
        "auth_token": "t", "from": "+15557654321"});
    let mut settings = sim_settings;
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let c = testing::build(&PLUGIN, &testing::config("twilio", settings)).unwrap();
    let event = json!({"type": t.to_string(), "data": data});
    let event = Event::parse(&serde_json::to_vec(&event).unwrap(), 0).unwrap();
    let requests = testing::prepare(&*c, &event).unwrap();
    requests
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

#[test]
fn a_lead_without_phone_is_texted_at_the_calling_number_and_without_any_is_skipped() {
    let with_caller =
        json!({"call_id": "c", "agent_id": "a", "from_number": "+15559876543", "lead": {}});
    let forms = prepared(json!({}), EventType::LeadCaptured, with_caller);
    assert_eq!(forms.len(), 1);
    assert!(forms[0].starts_with("To=%2B15559876543&"), "{}", forms[0]);
    assert!(
        forms[0].contains("Body=Hi+there%2C+thanks+for+calling%21+We+have+your+request+and"),
        "{}",
        forms[0]
    );
    let nobody = json!({"call_id": "c", "agent_id": "a", "lead": {"name": "Sam"}});
    assert!(
        prepared(json!({}), EventType::LeadCaptured, nobody).is_empty(),
        "no number: no SMS"
    );
}

#[test]
fn the_sparsest_staff_alert_names_an_unknown_caller() {
    let sparsest = json!({"call_id": "c", "agent_id": "a", "transfer": {}});
    let forms = prepared(
        json!({"to": "+15550001111"}),
        EventType::TransferRequested,
        sparsest,
    );
    let body = url::form_urlencoded::parse(forms[0].as_bytes())
        .find(|(k, _)| k == "Body")
        .unwrap()
        .1;
    assert_eq!(
        body,
        "Transfer request from unknown caller: the caller asked to speak to someone"
    );
}

#[test]
fn a_custom_template_with_odd_event_text_is_still_a_short_gsm7_sms() {
    let path = std::env::temp_dir().join(format!("twilio-custom-{}.hbs", std::process::id()));
    let source = r#"{"To": "{{data.lead.phone}}", "Body": "“{{data.lead.name}}” — {{data.lead.summary}} …"}"#;
    std::fs::write(&path, source).unwrap();
    let lead = json!({"name": "Zoë 🙂", "phone": "+15551234567", "summary": "Leak ‘everywhere’ {x} ".repeat(40)});
    let extra = json!({"template": path, "events": ["lead.captured"]});
    let forms = prepared(
        extra,
        EventType::LeadCaptured,
        json!({"call_id": "c", "agent_id": "a", "lead": lead}),
    );
    std::fs::remove_file(&path).unwrap();
    let body = url::form_urlencoded::parse(forms[0].as_bytes())
        .find(|(k, _)| k == "Body")
        .unwrap()
        .1;
    assert!(
        body.starts_with("\"Zoe\" - Leak 'everywhere' {x} Leak"),
        "{body}"
    );
    assert_eq!(segments::count(&body), (Encoding::Gsm7, 2), "{body}");
}
