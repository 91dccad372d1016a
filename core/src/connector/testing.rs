//! Helpers for connector tests: a config from JSON settings, the sample
//! events, and an outbound client allowed to reach a loopback test server.

use std::{sync::Arc, time::Duration};

use serde_json::Value;

use super::{BuildError, Connector, ConnectorSpec, DeliveryRequest, Outcome, Plugin};
use crate::{
    config::{ConnectorConfig, DeliveryConfig},
    event::{fixtures, Event, EventType},
    outbound::{OutboundClient, OutboundRequest},
};

/// A connector entry named after its kind, with `settings` (a JSON object
/// holding shared keys such as `events` and the kind's own keys).
pub fn config(kind: &str, settings: Value) -> ConnectorConfig {
    let mut map = settings.as_object().cloned().unwrap_or_default();
    map.insert("name".into(), kind.into());
    map.insert("kind".into(), kind.into());
    serde_json::from_value(Value::Object(map)).expect("valid connector config")
}

/// Builds a connector of `plugin`'s kind (with its default templates), with
/// default `[delivery]` settings.
pub fn build(plugin: &Plugin, config: &ConnectorConfig) -> Result<Arc<dyn Connector>, BuildError> {
    let delivery = DeliveryConfig::default();
    let spec = ConnectorSpec {
        defaults: plugin.templates,
        ..ConnectorSpec::new(config, &delivery)
    };
    (plugin.build)(&spec)
}

/// The sample event of a type.
pub fn sample(t: EventType) -> Event {
    let (_, src) = fixtures()
        .into_iter()
        .find(|(k, _)| *k == t)
        .expect("every type has a fixture");
    Event::parse(src.as_bytes(), 0).expect("fixtures are valid")
}

/// A client with the SSRF guard off (tests talk to 127.0.0.1).
pub fn loopback_client() -> OutboundClient {
    let delivery = DeliveryConfig {
        allow_private_targets: true,
        ..DeliveryConfig::default()
    };
    OutboundClient::new(&delivery, Duration::from_secs(5)).expect("client builds")
}

/// The request(s) `connector` prepares for `event` as delivery `dlv_test`.
pub fn prepare(
    connector: &dyn Connector,
    event: &Event,
) -> Result<Vec<OutboundRequest>, super::MappingError> {
    connector.prepare(&DeliveryRequest {
        delivery_id: "dlv_test",
        event,
        attempt: 1,
    })
}

/// One attempt of delivery `dlv_test` over the loopback client.
pub async fn deliver(connector: &dyn Connector, event: &Event) -> Outcome {
    let req = DeliveryRequest {
        delivery_id: "dlv_test",
        event,
        attempt: 1,
    };
    connector.deliver(&req, &loopback_client()).await
}
