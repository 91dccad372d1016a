//! Events being erased: a connector actor that holds one of their
//! deliveries in memory drops it instead of sending it again.

use crate::account::AccountId;
use std::{collections::HashSet, sync::Mutex};

/// Ids of erased events, for this node's connector actors. Kept for the
/// hub's lifetime (an erasure is rare, and a leased job can wait in a
/// mailbox for as long as its lease).
#[derive(Debug, Default)]
pub struct Cancelled {
    events: Mutex<HashSet<String>>,
}

impl Cancelled {
    /// Marks these events of `account` as not to be attempted again (an
    /// event id is unique only within its account).
    pub fn cancel(&self, account: &AccountId, events: &[String]) {
        self.events
            .lock()
            .expect("lock")
            .extend(events.iter().map(|e| account.target_key(e).to_string()));
    }

    /// Whether an event's deliveries were cancelled.
    pub fn contains(&self, account: &AccountId, event: &str) -> bool {
        let events = self.events.lock().expect("lock");
        !events.is_empty() && events.contains(&*account.target_key(event))
    }
}
