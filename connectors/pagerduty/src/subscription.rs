//! What a pager should take by default, and `switchboard check`'s warning
//! when an operator's config would page on every event of a type.

use switchboard_core::{config::ConnectorConfig, event::EventType};

/// Used when `events` and `filter` are both omitted: every transfer, and a
/// lead only when its urgency is `emergency` (any of the usual spellings:
/// the filter language compares exactly). `high` does not page: it is a
/// call back soon, not a wake-someone-up (VENDORS.md, "Which events go
/// where"); an operator who wants it sets `filter` themselves.
pub const DEFAULT_FILTER: &str = r#"type == "transfer.requested" || data.lead.urgency in ["emergency", "Emergency", "EMERGENCY"]"#;

/// A warning for each listed type other than transfers that pages on every
/// event because there is no `filter` (e.g. every lead, urgent or not).
pub fn warnings(config: &ConnectorConfig) -> Vec<String> {
    let (Some(events), None) = (&config.events, &config.filter) else {
        return Vec::new();
    };
    events
        .iter()
        .filter(|t| **t != EventType::TransferRequested)
        .map(|t| {
            format!(
                "pages on every {t}, whatever its urgency: add a `filter` (e.g. \
                 filter = 'type == \"transfer.requested\" || data.lead.urgency == \"emergency\"') \
                 or omit `events` for the default (transfers, and emergency leads)"
            )
        })
        .collect()
}
