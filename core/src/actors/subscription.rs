//! Which events a connector wants: its event types and its filter.

use std::sync::Arc;

use crate::{
    account::AccountId,
    config::ConnectorConfig,
    connector::{BuildError, Connector},
    event::EventType,
    filter::Filter,
};

/// One connector's subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// The connector's target key (its name within its account).
    pub name: Arc<str>,
    /// The account whose events it receives (and only those).
    pub account: AccountId,
    /// Event types wanted; `None` means all.
    pub events: Option<Vec<EventType>>,
    /// Condition on the envelope's fields; `None` passes everything.
    pub filter: Option<Arc<Filter>>,
}

impl Subscription {
    /// A configured connector's subscription: its `events`, else the types
    /// the connector serves, and its parsed `filter`, else (only when
    /// neither `events` nor `filter` is set) the connector's
    /// [`default_filter`](Connector::default_filter).
    pub fn from_config(c: &ConnectorConfig, connector: &dyn Connector) -> Result<Self, BuildError> {
        let (source, what) = match (&c.filter, &c.events) {
            (Some(own), _) => (Some(own.as_str()), "`filter`"),
            (None, None) => (connector.default_filter(), "the kind's default filter"),
            (None, Some(_)) => (None, "`filter`"),
        };
        let filter = source
            .map(Filter::parse)
            .transpose()
            .map_err(|e| BuildError {
                name: c.name.clone(),
                kind: c.kind.clone(),
                message: format!("{what}: {e}"),
            })?;
        Ok(Subscription {
            name: c.account.target_key(&c.name),
            account: c.account.clone(),
            events: c.events.clone().or_else(|| connector.events()),
            filter: filter.map(Arc::new),
        })
    }

    /// Whether this subscription wants the event, given its parsed envelope
    /// (only read when there is a filter).
    pub fn accepts<'a>(
        &self,
        t: EventType,
        envelope: impl FnOnce() -> &'a serde_json::Value,
    ) -> bool {
        self.wants(t) && self.filter.as_ref().is_none_or(|f| f.matches(envelope()))
    }

    /// Whether this subscription wants the event. "All" (no `events`) is
    /// the six call types: operational events go only where they are named.
    pub fn wants(&self, t: EventType) -> bool {
        self.events
            .as_ref()
            .map_or(t.is_call(), |list| list.contains(&t))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{
        connector::{DeliveryRequest, MappingError},
        outbound::OutboundRequest,
    };

    /// A connector whose default takes transfers only.
    struct Pager;

    impl Connector for Pager {
        fn prepare(&self, _: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
            Ok(Vec::new())
        }

        fn default_filter(&self) -> Option<&str> {
            Some(r#"type == "transfer.requested""#)
        }
    }

    fn takes(config: serde_json::Value, t: EventType) -> bool {
        let c = crate::connector::testing::config("pager", config);
        let sub = Subscription::from_config(&c, &Pager).unwrap();
        let envelope = json!({"type": t.as_str()});
        sub.accepts(t, || &envelope)
    }

    #[test]
    fn the_default_filter_applies_only_when_events_and_filter_are_omitted() {
        let lead = EventType::LeadCaptured;
        assert!(!takes(json!({}), lead), "the default filter");
        assert!(takes(json!({}), EventType::TransferRequested));
        assert!(
            takes(json!({"filter": "true"}), lead),
            "own filter replaces it"
        );
        assert!(
            takes(json!({"events": ["lead.captured"]}), lead),
            "own events"
        );
    }
}
