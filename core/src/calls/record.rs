//! What storage returns about calls.

use crate::{delivery::DeliveryDetail, functions::InvocationRecord, time::Millis};

/// Everything stored about one call, in time order.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// The call id (`data.call_id` of its events).
    pub call_id: String,
    /// Its events, oldest first, each with its deliveries.
    pub events: Vec<CallEvent>,
    /// The functions the agent invoked during it, oldest first.
    pub invocations: Vec<InvocationRecord>,
}

/// One event of a call with its deliveries.
#[derive(Debug, Clone)]
pub struct CallEvent {
    /// The event id.
    pub id: String,
    /// Its type.
    pub kind: String,
    /// Unix seconds, from the envelope.
    pub created: i64,
    /// When the hub accepted it.
    pub received_at: Millis,
    /// Its deliveries, in the order they were created, each with its
    /// attempts.
    pub deliveries: Vec<DeliveryDetail>,
}

/// A call a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSummary {
    /// The call id.
    pub call_id: String,
    /// How many events it has.
    pub events: u64,
    /// When the hub accepted its first event.
    pub first_event_at: Millis,
    /// When the hub accepted its latest event.
    pub last_event_at: Millis,
}
