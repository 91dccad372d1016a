//! The sparse-event matrix: every shipped template turns every valid event,
//! down to the sparsest, into a message Discord accepts.

use serde_json::{json, Value};
use switchboard_testkit::sparse;

/// Discord's own rules for an incoming-webhook message.
fn discord_accepts(body: &[u8]) -> Result<(), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let content = v["content"].as_str().ok_or("no `content`")?;
    match content.chars().count() {
        0 => Err("empty `content`".into()),
        n if n > 2000 => Err(format!("`content` is {n} characters, over 2000")),
        _ => Ok(()),
    }
}

#[test]
fn every_valid_event_becomes_a_message_discord_accepts() {
    let report = sparse::check_connector(
        &switchboard_example_discord::PLUGIN,
        json!({"webhook_url": "https://discord.example/api/webhooks/1/x"}),
        |_, request| discord_accepts(&request.body),
    );
    assert!(report.checked > 6 * 10, "{report:?}");
}
