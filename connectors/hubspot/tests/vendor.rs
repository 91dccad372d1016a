//! The connector against the HubSpot simulator, one attempt at a time:
//! what it sends, and what each kind of answer means (rate limits, quota,
//! bad token, an operator's template error).

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_connector_hubspot::PLUGIN;
use switchboard_core::{
    connector::{testing, Connector, Outcome, Verdict},
    event::{Event, EventType},
};
use switchboard_testkit::hubspot::{Failure, HubSpotSim, Policy};

fn connector(settings: Value) -> std::sync::Arc<dyn Connector> {
    testing::build(&PLUGIN, &testing::config("hubspot", settings)).unwrap()
}

fn event(v: Value) -> Event {
    Event::parse(v.to_string().as_bytes(), 1_715_200_000).unwrap()
}

/// A pause asked for, equal to the retry's wait; returns the wait.
fn paused(out: &Outcome, policy: &str) -> Duration {
    let pause = out.pause.as_ref().expect("a 429 pauses the connector");
    assert!(pause.reason.contains(policy), "{pause:?}");
    assert_eq!(
        out.verdict,
        Verdict::Retry {
            after: Some(pause.wait)
        }
    );
    pause.wait
}

#[tokio::test]
async fn the_sample_call_with_the_default_config_reaches_hubspot() {
    let sim = HubSpotSim::start().await;
    let c = connector(sim.settings(json!({})));
    let out = testing::deliver(&*c, &testing::sample(EventType::CallCompleted)).await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let contact = &sim.contacts()[0];
    assert_eq!(contact.get("phone"), Some("+15551234567"));
    let notes = sim.notes_of(&contact.id);
    assert_eq!((sim.contacts().len(), notes.len()), (1, 1));
    let body = notes[0].body();
    assert!(
        body.contains("Summary: Caller wants an estimate")
            && body.contains("caller: Hi, my kitchen sink is leaking"),
        "{body}"
    );
    assert_eq!(notes[0].properties["hs_timestamp"], "2024-05-08T20:26:50Z");
}

#[tokio::test]
async fn an_outbound_call_notes_the_number_called_not_the_business() {
    let sim = HubSpotSim::start().await;
    let call = event(
        json!({"type": "call.completed", "data": {"call_id": "c", "agent_id": "a",
        "direction": "outbound", "from_number": "+15557654321", "to_number": "512-555-0142"}}),
    );
    let out = testing::deliver(&*connector(sim.settings(json!({}))), &call).await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    assert_eq!(sim.contacts()[0].get("phone"), Some("+15125550142"));
}

#[tokio::test]
async fn the_daily_quota_pauses_until_it_can_have_reset_and_sends_nothing_more() {
    let sim = HubSpotSim::start().await;
    sim.daily_budget(0);
    let out = testing::deliver(
        &*connector(sim.settings(json!({}))),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    let wait = paused(&out, "DAILY");
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_secs(3600),
        "next full hour: {wait:?}"
    );
    assert_eq!(sim.requests().len(), 1, "no burst within the attempt");

    let c = connector(sim.settings(json!({"portal_timezone": "Asia/Kolkata"})));
    let out = testing::deliver(&*c, &testing::sample(EventType::LeadCaptured)).await;
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Kolkata);
    let midnight = now
        .date_naive()
        .succ_opt()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let want = (midnight - now.naive_local()).to_std().unwrap();
    let wait = paused(&out, "DAILY");
    assert!(
        wait.abs_diff(want) < Duration::from_secs(5),
        "{wait:?} vs {want:?}"
    );
}

#[tokio::test]
async fn the_ten_second_limit_retries_soon_and_pauses_for_the_window() {
    let sim = HubSpotSim::start().await;
    sim.fail_next(Failure::RateLimit(Policy::TenSecondly));
    let out = testing::deliver(
        &*connector(sim.settings(json!({}))),
        &testing::sample(EventType::CallCompleted),
    )
    .await;
    assert_eq!(
        paused(&out, "TEN_SECONDLY_ROLLING"),
        Duration::from_secs(10)
    );
    assert!(out.error.unwrap().contains("ten_secondly_rolling"));
    assert!(sim.notes().is_empty());
}

#[tokio::test]
async fn a_bad_token_fails_at_once_with_hubspots_reason() {
    let sim = HubSpotSim::start().await;
    let out = testing::deliver(
        &*connector(sim.settings(json!({"token": "pat-wrong"}))),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Reject);
    assert!(out.error.unwrap().contains("INVALID_AUTHENTICATION"));
}

#[tokio::test]
async fn a_huge_transcript_is_escaped_and_kept_within_the_note_limit() {
    let sim = HubSpotSim::start().await;
    let line = json!({"speaker": "caller", "text": "caller said <b>help</b> & more ".repeat(40)});
    let transcript = vec![line; 100];
    let call = event(
        json!({"type": "call.completed", "data": {"call_id": "c", "agent_id": "a",
        "from_number": "+15551234567", "transcript": transcript}}),
    );
    let out = testing::deliver(&*connector(sim.settings(json!({}))), &call).await;
    assert_eq!(out.verdict, Verdict::Delivered, "{out:?}");
    let body = sim.notes()[0].body().to_owned();
    assert!(body.chars().count() <= 65_536 && body.contains("&lt;b&gt;help&lt;/b&gt; &amp;"));
}

#[tokio::test]
async fn an_operators_template_error_names_the_template_and_field() {
    let sim = HubSpotSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lead.captured.hbs"), r#"{"contact": {"email": "{{data.lead.email}}", "properties": {"favourite_colour": "teal"}}}"#).unwrap();
    let settings = sim.settings(json!({"templates_dir": dir.path(), "events": ["lead.captured"]}));
    let out = testing::deliver(
        &*connector(settings),
        &testing::sample(EventType::LeadCaptured),
    )
    .await;
    assert_eq!(out.verdict, Verdict::Reject);
    assert!(out.error.unwrap().contains("favourite_colour"));

    std::fs::write(
        dir.path().join("lead.captured.hbs"),
        r#"{"contact": {"idProperty": "email", "id": "x"}}"#,
    )
    .unwrap();
    let settings = sim.settings(json!({"templates_dir": dir.path(), "events": ["lead.captured"]}));
    let e = testing::prepare(
        &*connector(settings),
        &testing::sample(EventType::LeadCaptured),
    )
    .unwrap_err();
    assert!(
        e.0.contains("lead.captured.hbs") && e.0.contains("contact.email"),
        "{e}"
    );
}

#[test]
fn bad_settings_say_what_is_wrong_and_how_to_fix_it() {
    let err = |s: Value| {
        testing::build(&PLUGIN, &testing::config("hubspot", s))
            .err()
            .unwrap()
            .to_string()
    };
    let e = err(json!({"token": "t", "portal_timezone": "Mars/Olympus_Mons"}));
    assert!(
        e.contains("portal_timezone") && e.contains("America/Chicago"),
        "{e}"
    );
    let e = err(json!({"token": "t", "phone_property": "On-call phone"}));
    assert!(
        e.contains("phone_property") && e.contains("oncall_phone"),
        "{e}"
    );
    assert!(err(json!({"token": " "})).contains("token"));
}

#[test]
fn render_shows_the_search_the_create_and_the_note_with_a_placeholder() {
    let c = connector(json!({"token": "pat-na1-secret"}));
    let reqs = testing::prepare(&*c, &testing::sample(EventType::CallCompleted)).unwrap();
    let shown: Vec<String> = reqs.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3);
    assert!(shown[0].starts_with("POST https://api.hubapi.com/crm/v3/objects/contacts/search"));
    assert!(shown[1].starts_with("POST https://api.hubapi.com/crm/v3/objects/contacts\n"));
    assert!(shown[2].contains("<contact id from the search or create answer>"));
    assert!(shown
        .iter()
        .all(|s| s.contains("authorization: ****") && !s.contains("secret")));
    let mut served = c.events().unwrap();
    served.sort_by_key(|t| t.as_str());
    assert_eq!(served.len(), 4, "{served:?}");
}
