//! The connector against a loopback server answering like Twilio's
//! Messages API; each captured request is checked the way Twilio checks it
//! (path, Basic auth, form body against the published `CreateMessage`
//! schema copied into the testkit) by [`TwilioSim::validate`].

use std::time::Duration;

use serde_json::{json, Map, Value};
use switchboard_core::{
    connector::{testing, Connector, Verdict},
    event::EventType,
    outbound::OutboundRequest,
};
use switchboard_testkit::twilio::TwilioSim;
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, Request, ResponseTemplate,
};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const MESSAGES: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json";
// base64("AC0123456789abcdef0123456789abcdef:tw-token")
const AUTH: &str = "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0dy10b2tlbg==";

/// The captured request as Twilio received it, checked by the simulator.
fn validate_against_twilio_schema(r: &Request) {
    let mut out = OutboundRequest::post(
        r.url.clone(),
        "application/x-www-form-urlencoded",
        r.body.clone(),
    );
    out.headers = r.headers.clone();
    TwilioSim::validate(&out).unwrap_or_else(|e| panic!("Twilio would refuse it: {e}\n{out}"));
    let mut unsigned = out.clone();
    unsigned.headers.remove("authorization");
    assert!(
        TwilioSim::validate(&unsigned).is_err(),
        "the check can fail"
    );
}

fn form(r: &Request) -> Map<String, Value> {
    url::form_urlencoded::parse(&r.body)
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

fn connector(base: &str, extra: Value) -> std::sync::Arc<dyn Connector> {
    let mut settings = json!({"account_sid": SID, "auth_token": "tw-token", "from": "+15557654321", "base_url": base});
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    testing::build(
        &switchboard_connector_twilio::PLUGIN,
        &testing::config("twilio", settings),
    )
    .unwrap()
}

async fn vendor(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(header("authorization", AUTH))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn queued() -> ResponseTemplate {
    ResponseTemplate::new(201)
        .set_body_json(json!({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}))
}

#[tokio::test]
async fn lead_gets_a_follow_up_sms() {
    let server = vendor(queued()).await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let received = &server.received_requests().await.unwrap()[0];
    validate_against_twilio_schema(received);
    let f = form(received);
    assert_eq!(f["To"], "+15551234567");
    assert_eq!(f["From"], "+15557654321");
    assert!(
        f["Body"]
            .as_str()
            .unwrap()
            .starts_with("Hi Jordan, thanks for calling!"),
        "{f:?}"
    );
}

#[tokio::test]
async fn booking_confirmation_is_in_the_booking_time_zone() {
    let server = vendor(queued()).await;
    let c = connector(
        &server.uri(),
        json!({"from": null, "messaging_service_sid": "MG0123456789abcdef0123456789abcdef"}),
    );
    let out = testing::deliver(&*c, &testing::sample(EventType::BookingCreated)).await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let received = &server.received_requests().await.unwrap()[0];
    validate_against_twilio_schema(received);
    let f = form(received);
    assert_eq!(
        f["MessagingServiceSid"],
        "MG0123456789abcdef0123456789abcdef"
    );
    assert!(!f.contains_key("From"));
    let body = f["Body"].as_str().unwrap();
    // 2024-05-10T19:00:00Z in America/Chicago.
    assert!(
        body.contains("confirmed for Friday, May 10 at 2:00 PM CDT at 123 Oak St"),
        "{body}"
    );
}

#[tokio::test]
async fn staff_alert_goes_to_the_configured_number() {
    let server = vendor(queued()).await;
    let c = connector(&server.uri(), json!({"to": "+15550001111"}));
    assert!(c.events().unwrap().contains(&EventType::TransferRequested));
    let out = testing::deliver(&*c, &testing::sample(EventType::TransferRequested)).await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let received = &server.received_requests().await.unwrap()[0];
    validate_against_twilio_schema(received);
    let f = form(received);
    assert_eq!(f["To"], "+15550001111");
    assert!(f["Body"]
        .as_str()
        .unwrap()
        .starts_with("EMERGENCY transfer request from +15559876543"));
}

#[tokio::test]
async fn invalid_and_unsubscribed_numbers_fail_at_once() {
    for (code, message) in [
        (
            21211,
            "The 'To' number +15551234567 is not a valid phone number.",
        ),
        (21610, "Attempt to send to unsubscribed recipient"),
    ] {
        let server = vendor(ResponseTemplate::new(400).set_body_json(json!({
            "code": code, "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": 400
        })))
        .await;
        let out = testing::deliver(
            &*connector(&server.uri(), json!({})),
            &testing::sample(EventType::LeadCaptured),
        )
        .await;
        assert_eq!(out.verdict, Verdict::Reject);
        let e = out.error.unwrap();
        assert!(
            e.contains(&format!(
                "Twilio answered 400 Bad Request: {code}: {message}"
            )),
            "{e}"
        );
    }
}

#[tokio::test]
async fn concurrency_limit_is_retried_after_its_wait_and_outages_retried() {
    let server = vendor(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "2")
            .set_body_json(json!({"code": 20429, "message": "Too Many Requests", "status": 429})),
    )
    .await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(
        out.verdict,
        Verdict::Retry {
            after: Some(Duration::from_secs(2))
        }
    );
    assert!(out.error.unwrap().contains("20429"));
    // The concurrency window is the account's: the whole connector waits.
    assert_eq!(out.pause.map(|p| p.wait), Some(Duration::from_secs(2)));

    let server = vendor(ResponseTemplate::new(500)).await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Retry { after: None });
}

#[tokio::test]
async fn a_full_sender_queue_is_transient_not_permanent() {
    let server = vendor(ResponseTemplate::new(400).set_body_json(json!({
        "code": 21611, "status": 400,
        "message": "This 'From' number has exceeded the maximum number of queued messages",
        "more_info": "https://www.twilio.com/docs/errors/21611"
    })))
    .await;
    let out = testing::deliver(
        &*connector(&server.uri(), json!({})),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Retry { after: None });
    assert!(out.error.unwrap().contains("21611: This 'From' number"));
}

#[test]
fn default_country_is_checked_and_reads_a_national_staff_number() {
    let build = |extra: Value| {
        let mut s = json!({"account_sid": SID, "auth_token": "t", "from": "+15557654321"});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        testing::build(
            &switchboard_connector_twilio::PLUGIN,
            &testing::config("twilio", s),
        )
    };
    let e = build(json!({"default_country": "UK"}))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("`default_country` 'UK'") && e.contains("\"GB\""),
        "{e}"
    );
    let e = build(json!({"to": "07700 900123"}))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("`to`") && e.contains("default_country"), "{e}");
    let c = build(json!({"to": "07700 900123", "default_country": "gb"})).unwrap();
    let shown = testing::prepare(&*c, &testing::sample(EventType::TransferRequested)).unwrap()[0]
        .to_string();
    assert!(shown.contains("To=%2B447700900123"), "{shown}");
}

#[test]
fn settings_are_checked_when_built() {
    let build = |s: Value| {
        testing::build(
            &switchboard_connector_twilio::PLUGIN,
            &testing::config("twilio", s),
        )
        .err()
        .map(|e| e.to_string())
    };
    let ok = json!({"account_sid": SID, "auth_token": "t", "from": "+15557654321"});
    assert_eq!(build(ok.clone()), None);
    let mut bad_sid = ok.clone();
    bad_sid["account_sid"] = "AC123".into();
    assert!(build(bad_sid).unwrap().contains("account_sid"));
    let mut both = ok.clone();
    both["messaging_service_sid"] = "MG0123456789abcdef0123456789abcdef".into();
    assert!(build(both).unwrap().contains("exactly one"));
    let mut alert = ok.clone();
    alert["events"] = json!(["transfer.requested"]);
    assert!(build(alert).unwrap().contains("set `to`"));
    let c = testing::build(
        &switchboard_connector_twilio::PLUGIN,
        &testing::config("twilio", ok),
    )
    .unwrap();
    assert_eq!(
        c.events(),
        Some(vec![EventType::LeadCaptured, EventType::BookingCreated])
    );
    let shown =
        testing::prepare(&*c, &testing::sample(EventType::LeadCaptured)).unwrap()[0].to_string();
    assert!(
        shown.contains("authorization: ****") && shown.contains("To=%2B15551234567"),
        "{shown}"
    );
}
