//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into a message Slack accepts (Block Kit's limits),
//! with and without a dashboard link.

use serde_json::json;
use switchboard_testkit::{
    slack::{SlackSim, CHANNEL, TOKEN},
    sparse,
};

#[test]
fn every_valid_event_becomes_a_message_slack_accepts() {
    for settings in [
        json!({"token": TOKEN, "channel": CHANNEL}),
        json!({"webhook_url": "https://hooks.slack.com/services/T0/B0/x"}),
    ] {
        let report = sparse::check_connector(
            &switchboard_connector_slack::PLUGIN,
            settings,
            |_, request| SlackSim::validate(request),
        );
        assert_eq!(report.requests, report.checked, "{report:?}");
    }
}
