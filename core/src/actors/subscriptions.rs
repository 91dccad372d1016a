//! Which connectors get which events: decided at ingest, before the commit,
//! so an event and all its deliveries land in one transaction.

use std::{collections::HashSet, sync::Arc, sync::RwLock};

use crate::{
    delivery::DeliveryState,
    event::{Event, EventType},
    ids,
    storage::NewDelivery,
};

/// One connector's subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Connector name.
    pub name: Arc<str>,
    /// Event types wanted; `None` means all.
    pub events: Option<Vec<EventType>>,
}

impl Subscription {
    /// Whether this subscription wants the event.
    pub fn wants(&self, t: EventType) -> bool {
        self.events.as_ref().is_none_or(|list| list.contains(&t))
    }
}

/// The live subscription table, shared by ingest and the actors. Runtime
/// endpoints are added and removed here; a connector that answered 410 is
/// marked disabled so new deliveries to it are recorded as `disabled`.
#[derive(Debug, Default)]
pub struct Subscriptions {
    entries: RwLock<Vec<Subscription>>,
    disabled: RwLock<HashSet<Arc<str>>>,
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

    /// Whether a connector is disabled.
    pub fn is_disabled(&self, name: &str) -> bool {
        self.disabled.read().expect("lock").contains(name)
    }

    /// The deliveries an event gets: one per subscribed connector.
    pub fn deliveries_for(&self, event: &Event) -> Vec<NewDelivery> {
        let entries = self.entries.read().expect("lock");
        let disabled = self.disabled.read().expect("lock");
        entries
            .iter()
            .filter(|s| s.wants(event.kind))
            .map(|s| NewDelivery {
                id: ids::delivery_id(),
                connector: s.name.clone(),
                state: if disabled.contains(&s.name) {
                    DeliveryState::Disabled
                } else {
                    DeliveryState::Pending
                },
            })
            .collect()
    }
}
