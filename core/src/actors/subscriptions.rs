//! Which connectors get which events: decided at ingest, before the commit,
//! so an event and all its deliveries land in one transaction.

use std::{collections::HashSet, sync::Arc, sync::RwLock};

use crate::{
    config::ConnectorConfig,
    connector::{BuildError, Connector},
    event::{Event, EventType},
    filter::Filter,
    ids,
    storage::{Admission, NewDelivery},
};

/// One connector's subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Connector name.
    pub name: Arc<str>,
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
            name: c.name.as_str().into(),
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

    /// Whether this subscription wants the event.
    pub fn wants(&self, t: EventType) -> bool {
        self.events.as_ref().is_none_or(|list| list.contains(&t))
    }
}

/// The live subscription table, shared by ingest and the actors. Runtime
/// endpoints are added and removed here; a connector that answered 410 is
/// marked disabled so new deliveries to it are recorded as `disabled`; one
/// whose actor is full is marked saturated so new deliveries to it are parked
/// in storage instead of handed over.
#[derive(Debug, Default)]
pub struct Subscriptions {
    entries: RwLock<Vec<Subscription>>,
    disabled: RwLock<HashSet<Arc<str>>>,
    saturated: RwLock<HashSet<Arc<str>>>,
}

impl Subscriptions {
    /// Adds or replaces a subscription by name.
    pub fn upsert(&self, sub: Subscription) {
        let mut entries = self.entries.write().expect("lock");
        entries.retain(|s| s.name != sub.name);
        entries.push(sub);
    }

    /// Removes a subscription.
    pub fn remove(&self, name: &str) {
        self.entries
            .write()
            .expect("lock")
            .retain(|s| &*s.name != name);
    }

    /// Marks a connector disabled or enabled.
    pub fn set_disabled(&self, name: &str, disabled: bool) {
        let mut set = self.disabled.write().expect("lock");
        if disabled {
            set.insert(name.into());
        } else {
            set.remove(name);
        }
    }

    /// Marks a connector's actor full (or no longer full).
    pub fn set_saturated(&self, name: &Arc<str>, saturated: bool) {
        let mut set = self.saturated.write().expect("lock");
        if saturated {
            set.insert(name.clone());
        } else {
            set.remove(name);
        }
    }

    /// Whether a connector is disabled.
    pub fn is_disabled(&self, name: &str) -> bool {
        self.disabled.read().expect("lock").contains(name)
    }

    /// The deliveries an event gets: one per subscribed connector.
    pub fn deliveries_for(&self, event: &Event) -> Vec<NewDelivery> {
        let entries = self.entries.read().expect("lock");
        let disabled = self.disabled.read().expect("lock");
        let saturated = self.saturated.read().expect("lock");
        // Parsed at most once per event, and only when a filter needs it.
        let envelope = std::cell::OnceCell::new();
        let parsed =
            || envelope.get_or_init(|| serde_json::from_str(&event.body).unwrap_or_default());
        entries
            .iter()
            .filter(|s| s.accepts(event.kind, parsed))
            .map(|s| NewDelivery {
                id: ids::delivery_id(),
                connector: s.name.clone(),
                admission: if disabled.contains(&s.name) {
                    Admission::Disabled
                } else if saturated.contains(&s.name) {
                    Admission::Park
                } else {
                    Admission::Dispatch
                },
            })
            .collect()
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
