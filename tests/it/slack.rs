//! The `slack` connector through a real hub, on SQLite and on PostgreSQL:
//! a call's events end up as one parent message and replies in its thread,
//! and the thread survives a restart (its parent is kept in storage).

use serde_json::Value;
use switchboard_testkit::slack::{SlackSim, CHANNEL, TOKEN};

use crate::{
    storage::support::pg,
    support::{fresh_event, TestConfig, TestConnector, TestHub},
};

const PUBLIC_URL: &str = "https://hub.example";

fn slack(sim: &SlackSim) -> TestConnector {
    TestConnector::new("team", "slack")
        .set("token", TOKEN)
        .set("channel", CHANNEL)
        .set("base_url", sim.base_url())
}

fn of_call(kind: &str, call: &str) -> Value {
    let mut event = fresh_event(kind);
    event["data"]["call_id"] = call.into();
    event
}

/// Posts the event and waits until Slack has it.
async fn delivered(hub: &TestHub, event: &Value) {
    let (status, body) = hub.post_event(event).await;
    assert_eq!(status, 202, "{body}");
    let id = event["id"].as_str().unwrap();
    assert!(
        hub.first_delivery_becomes(id, "succeeded").await,
        "{:?}",
        hub.deliveries_of(id).await
    );
}

async fn one_thread_per_call_across_a_restart(config: TestConfig) {
    let sim = SlackSim::start().await;
    let config = config
        .server("public_url", PUBLIC_URL)
        .connector(slack(&sim));
    let hub = TestHub::start(config).await;
    let call = "call_slack_thread";
    delivered(&hub, &of_call("lead.captured", call)).await;
    delivered(&hub, &of_call("booking.created", call)).await;
    let hub = hub.restart().await;
    delivered(&hub, &of_call("transfer.requested", call)).await;
    delivered(&hub, &of_call("call.completed", call)).await;

    let parents = sim.parents(CHANNEL);
    assert_eq!(
        parents.len(),
        1,
        "one parent per call: {:?}",
        sim.messages()
    );
    let parent = &parents[0];
    assert!(
        parent.text.starts_with("New lead: Jordan Reyes"),
        "{}",
        parent.text
    );
    let link = format!("{PUBLIC_URL}/#/calls/{call}");
    assert!(
        parent.body.to_string().contains(&link),
        "the lead links to the call in the dashboard: {}",
        parent.body
    );
    let replies: Vec<String> = sim
        .replies(&parent.ts)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(replies.len(), 3, "{replies:?}");
    for (reply, start) in replies
        .iter()
        .zip(["Booked:", "Transfer requested", "Call from"])
    {
        assert!(reply.starts_with(start), "{reply}");
    }
    assert_eq!(sim.messages().len(), 4, "nothing posted twice");
    hub.stop().await;
}

#[actix_rt::test]
async fn a_calls_four_events_are_one_thread_across_a_restart_on_sqlite() {
    one_thread_per_call_across_a_restart(TestConfig::default()).await;
}

#[actix_rt::test]
async fn a_calls_four_events_are_one_thread_across_a_restart_on_postgres() {
    let Some(pg) = pg("slack_thread").await else {
        return;
    };
    one_thread_per_call_across_a_restart(TestConfig::default().storage_url(&pg.url)).await;
    pg.drop().await;
}
