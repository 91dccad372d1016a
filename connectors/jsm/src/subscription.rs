//! What should raise an alert by default, and `switchboard check`'s warning
//! when a config would alert on every event of a type.

use switchboard_core::{config::ConnectorConfig, event::EventType};

/// Used when `events` and `filter` are both omitted: every transfer, and a
/// lead only when its urgency is `emergency` (any usual spelling: the
/// filter language compares exactly). An alert wakes someone up.
pub const DEFAULT_FILTER: &str = r#"type == "transfer.requested" || data.lead.urgency in ["emergency", "Emergency", "EMERGENCY"]"#;

/// One warning per listed type (other than transfers) that would raise an
/// alert for every event because no `filter` narrows it.
pub fn warnings(config: &ConnectorConfig) -> Vec<String> {
    match (&config.events, &config.filter) {
        (Some(events), None) => events
            .iter()
            .filter(|t| **t != EventType::TransferRequested)
            .map(|t| {
                format!(
                    "raises an alert for every {t}: add a `filter` (e.g. \
                     filter = 'data.lead.urgency == \"emergency\"') or omit `events` \
                     for the default (transfers, and emergency leads)"
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}
