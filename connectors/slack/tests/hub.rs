//! Business outcomes end to end: events in through a real hub's ingest API,
//! out through the `slack` connector to the Slack simulator, which keeps
//! the messages it posted.

use std::time::Duration;

use serde_json::Value;
use switchboard_connector_slack::PLUGIN;
use switchboard_core::event::EventType;
use switchboard_testkit::{
    hub::sample_event,
    slack::{SlackSim, ARCHIVED_CHANNEL, CHANNEL, OTHER_CHANNEL, TOKEN},
    VendorHub,
};

const SETTLE: Duration = Duration::from_secs(10);

async fn bot(sim: &SlackSim, channel: &str, token: &str) -> VendorHub {
    let toml = format!(
        "[[connectors]]\nname = \"team\"\nkind = \"slack\"\ntoken = \"{token}\"\nchannel = \"{channel}\"\nbase_url = \"{}\"\n",
        sim.base_url()
    );
    VendorHub::start(PLUGIN, &toml).await
}

fn of_call(t: EventType, call: &str) -> Value {
    sample_event(t, |v| v["data"]["call_id"] = call.into())
}

#[actix_rt::test]
async fn a_calls_events_make_one_thread_and_another_call_its_own() {
    let sim = SlackSim::start().await;
    let hub = bot(&sim, CHANNEL, TOKEN).await;
    for t in [EventType::LeadCaptured, EventType::TransferRequested] {
        let id = hub.post(&of_call(t, "call_a")).await;
        assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    }
    let other = hub.post(&of_call(EventType::VoicemailLeft, "call_b")).await;
    assert_eq!(hub.settled(&other, SETTLE).await.status, "succeeded");
    let parents = sim.parents(CHANNEL);
    assert_eq!(parents.len(), 2, "{:?}", sim.messages());
    assert!(
        parents[0].text.starts_with("New lead: Jordan Reyes"),
        "{}",
        parents[0].text
    );
    assert!(
        parents[1].text.starts_with("Voicemail from"),
        "{}",
        parents[1].text
    );
    let replies = sim.replies(&parents[0].ts);
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0].text.starts_with("Transfer requested"),
        "{}",
        replies[0].text
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn channel_and_auth_errors_in_a_200_fail_at_once_with_slacks_reason() {
    let sim = SlackSim::start().await;
    for (channel, token, error) in [
        ("C0NOSUCH", TOKEN, "channel_not_found"),
        (OTHER_CHANNEL, TOKEN, "not_in_channel"),
        (ARCHIVED_CHANNEL, TOKEN, "is_archived"),
        (CHANNEL, "xoxb-revoked", "invalid_auth"),
    ] {
        let hub = bot(&sim, channel, token).await;
        let id = hub
            .post(&sample_event(EventType::LeadCaptured, |_| {}))
            .await;
        let settled = hub.settled(&id, SETTLE).await;
        assert_eq!(settled.status, "failed", "{error}");
        assert_eq!(settled.detail["attempt_count"], 1, "{error}");
        assert!(
            settled.detail.to_string().contains(error),
            "{}",
            settled.detail
        );
        hub.stop().await;
    }
    assert!(sim.messages().is_empty());
}

#[actix_rt::test]
async fn a_transient_error_is_retried_and_posts_once() {
    let sim = SlackSim::start().await;
    let hub = bot(&sim, CHANNEL, TOKEN).await;
    sim.fail_next("internal_error");
    let id = hub
        .post(&sample_event(EventType::LeadCaptured, |_| {}))
        .await;
    assert_eq!(hub.settled(&id, SETTLE).await.status, "succeeded");
    assert_eq!((sim.received(), sim.messages().len()), (2, 1));
    hub.stop().await;
}

#[actix_rt::test]
async fn a_rate_limited_channel_waits_for_retry_after() {
    let sim = SlackSim::with_rate_limit(1, Duration::from_secs(1)).await;
    let hub = bot(&sim, CHANNEL, TOKEN).await;
    let mut ids = Vec::new();
    for call in ["call_1", "call_2", "call_3"] {
        ids.push(hub.post(&of_call(EventType::LeadCaptured, call)).await);
    }
    for id in ids {
        let settled = hub.settled(&id, Duration::from_secs(20)).await;
        assert_eq!(settled.status, "succeeded", "{}", settled.detail);
    }
    assert_eq!(sim.parents(CHANNEL).len(), 3);
    assert!(
        sim.throttled() <= 3,
        "paced, not hammered: {}",
        sim.throttled()
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn a_deleted_parent_starts_a_new_thread() {
    let sim = SlackSim::start().await;
    let hub = bot(&sim, CHANNEL, TOKEN).await;
    let first = hub.post(&of_call(EventType::LeadCaptured, "call_x")).await;
    assert_eq!(hub.settled(&first, SETTLE).await.status, "succeeded");
    let parent = sim.parents(CHANNEL).remove(0);
    sim.delete(&parent.ts);
    let next = hub
        .post(&of_call(EventType::TransferRequested, "call_x"))
        .await;
    assert_eq!(hub.settled(&next, SETTLE).await.status, "succeeded");
    let parents = sim.parents(CHANNEL);
    assert_eq!(parents.len(), 1, "{:?}", sim.messages());
    assert!(parents[0].text.starts_with("Transfer requested"));
    assert!(sim.refused().contains(&"thread_not_found".to_owned()));
    hub.stop().await;
}

#[actix_rt::test]
async fn an_incoming_webhook_posts_every_event_and_reads_its_status() {
    let sim = SlackSim::start().await;
    let toml = format!(
        "[[connectors]]\nname = \"team\"\nkind = \"slack\"\nwebhook_url = \"{}\"\n",
        sim.webhook_url()
    );
    let hub = VendorHub::start(PLUGIN, &toml).await;
    let id = hub
        .post(&sample_event(EventType::VoicemailLeft, |_| {}))
        .await;
    let settled = hub.settled(&id, SETTLE).await;
    assert_eq!(settled.status, "succeeded");
    assert!(
        !settled.detail.to_string().contains("s3cr3tW3bh00k"),
        "the webhook URL is masked in the attempt log: {}",
        settled.detail
    );
    sim.fail_next("channel_is_archived");
    let gone = hub
        .post(&sample_event(EventType::LeadCaptured, |_| {}))
        .await;
    let settled = hub.settled(&gone, SETTLE).await;
    assert_eq!(settled.status, "failed");
    assert!(settled.detail.to_string().contains("channel_is_archived"));
    assert_eq!(sim.messages().len(), 1);
    hub.stop().await;
}
