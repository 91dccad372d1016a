//! The operator's receiver: `[operations] url` and `secret` become one more
//! `webhook` connector, subscribed to the operational types only, so its
//! deliveries take the same durable path (signed, retried, logged, replayable).

use std::borrow::Cow;

use serde_json::json;

use super::OPERATIONS_TARGET;
use crate::{
    config::{Config, ConnectorConfig},
    event::EventType,
};

/// `config` with the operations target added when `[operations] url` is set.
pub fn with_operations_target(config: &Config) -> Cow<'_, Config> {
    let (Some(url), Some(secret)) = (&config.operations.url, &config.operations.secret) else {
        return Cow::Borrowed(config);
    };
    let entry = json!({
        "name": OPERATIONS_TARGET,
        "kind": "webhook",
        "events": EventType::OPERATIONAL.map(EventType::as_str),
        "url": url,
        "secret": secret.expose(),
    });
    let target: ConnectorConfig =
        serde_json::from_value(entry).expect("the operations target is a valid connector entry");
    let mut with = config.clone();
    with.connectors.push(target);
    Cow::Owned(with)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operations_target_takes_operational_types_only() {
        let text = "[server]\ningest_token = \"i\"\nadmin_token = \"a\"\n[operations]\nurl = \"https://ops.example.com/hook\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n";
        let config = Config::from_toml(text, "t").unwrap();
        let with = with_operations_target(&config);
        let target = with.connectors.last().unwrap();
        assert_eq!(target.name, OPERATIONS_TARGET);
        assert!(target.wants(EventType::EndpointFailing));
        assert!(!target.wants(EventType::LeadCaptured));
    }
}
