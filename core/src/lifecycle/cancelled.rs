//! Events being erased: a connector actor that holds one of their
//! deliveries in memory drops it instead of sending it again.

use std::{collections::HashSet, sync::Mutex};

/// Ids of erased events, for this node's connector actors. Kept for the
/// hub's lifetime (an erasure is rare, and a leased job can wait in a
/// mailbox for as long as its lease).
#[derive(Debug, Default)]
pub struct Cancelled {
    events: Mutex<HashSet<String>>,
}

impl Cancelled {
    /// Marks these events' deliveries as not to be attempted again.
    pub fn cancel(&self, events: &[String]) {
        self.events
            .lock()
            .expect("lock")
            .extend(events.iter().cloned());
    }

    /// Whether an event's deliveries were cancelled.
    pub fn contains(&self, event: &str) -> bool {
        self.events.lock().expect("lock").contains(event)
    }
}
