//! Values passed to and from [`super::Store`].

use std::sync::Arc;

use serde::Serialize;

use crate::{
    delivery::{Delivery, DeliveryState},
    event::Event,
    time::{now_ms, Millis},
};

/// An event to commit, with the deliveries its subscribers get.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The validated event.
    pub event: Event,
    /// One per subscribed connector.
    pub deliveries: Vec<NewDelivery>,
}

/// A delivery to create at ingest.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// `dlv_<ULID>`.
    pub id: String,
    /// Target connector.
    pub connector: Arc<str>,
    /// What ingest does with it.
    pub admission: Admission,
}

/// What ingest does with a new delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// `pending`, leased to the ingesting node and handed to its connector
    /// actor at once: the fast path.
    Dispatch,
    /// `pending` and due, but not leased: the connector's actor already holds
    /// all the work it may keep in memory and pulls this from storage when it
    /// has room. Keeps a stalled target from costing memory or writes.
    Park,
    /// The connector is disabled: stored `disabled`, never attempted.
    Disabled,
}

impl Admission {
    /// The state the delivery is stored in.
    pub fn state(self) -> DeliveryState {
        match self {
            Admission::Dispatch | Admission::Park => DeliveryState::Pending,
            Admission::Disabled => DeliveryState::Disabled,
        }
    }
}

/// The outcome of committing one event.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// The event id.
    pub event_id: String,
    /// How many deliveries the event has.
    pub deliveries: usize,
    /// False when the id was already known (nothing was created). When
    /// true, the deliveries admitted [`Admission::Dispatch`] are leased to
    /// the ingesting node, which builds their jobs and attempts them now.
    pub created: bool,
}

/// A node's claim on deliveries until a deadline.
#[derive(Debug, Clone)]
pub struct Lease {
    /// The node holding it.
    pub node: Arc<str>,
    /// When it runs out (others may then take the delivery).
    pub until: Millis,
    /// The time the lease was taken ("now" for due-ness checks).
    pub now: Millis,
}

impl Lease {
    /// A lease for `node` from now for `duration`.
    pub fn new(node: Arc<str>, duration: std::time::Duration) -> Self {
        let now = now_ms();
        Lease {
            node,
            until: now + duration.as_millis() as i64,
            now,
        }
    }
}

/// Which deliveries to replay.
#[derive(Debug, Clone)]
pub enum ReplaySelector {
    /// One delivery.
    Delivery(String),
    /// Every delivery of one event.
    Event(String),
    /// Bulk recovery.
    Bulk(DeliveryFilter),
}

/// Filters of the delivery log and bulk replay.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only this state.
    pub status: Option<DeliveryState>,
    /// Only this connector.
    pub connector: Option<String>,
    /// Only this event.
    pub event_id: Option<String>,
    /// Created at or after.
    pub since: Option<Millis>,
    /// Created before.
    pub until: Option<Millis>,
}

/// Cursor pagination: newest first, `cursor` is the last id of the previous page.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Exclusive upper bound on the id.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: u32,
}

/// A page of deliveries.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// The rows.
    pub data: Vec<Delivery>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// An event as the admin API shows it.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// The stored event.
    pub event: Event,
    /// When the hub accepted it.
    pub received_at: Millis,
    /// Its deliveries.
    pub deliveries: Vec<Delivery>,
}

/// Number of deliveries of a connector in a state.
#[derive(Debug, Clone)]
pub struct StateCount {
    /// Connector name.
    pub connector: String,
    /// State.
    pub state: DeliveryState,
    /// How many.
    pub count: u64,
}

/// Deliveries of a connector still waiting to succeed or give up (`pending`
/// or `retrying`): the depth of its retry mailbox, for `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    /// Connector name.
    pub connector: String,
    /// How many deliveries are `pending` or `retrying`.
    pub depth: u64,
    /// When the oldest of them was created.
    pub oldest_created_at: Millis,
}

/// An attempt to record, with what becomes of its delivery.
#[derive(Debug, Clone)]
pub struct RecordReq {
    /// The attempt.
    pub attempt: crate::delivery::AttemptRecord,
    /// The delivery's next step.
    pub next: crate::delivery::NextStep,
    /// When the delivery's first attempt was made (kept if already set).
    pub first_attempt_at: Millis,
}

/// How many deliveries of a connector a replay made due.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Replayed {
    /// Connector name.
    pub connector: String,
    /// How many of its deliveries.
    pub count: u64,
}

/// A connector disabled at runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisabledConnector {
    /// Connector (or runtime endpoint) name.
    pub name: String,
    /// Why: the target's answer, or the operator's word.
    pub reason: String,
}

/// The stored health of one connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorHealth {
    /// Connector (or runtime endpoint) name.
    pub name: String,
    /// Its health.
    pub health: crate::health::HealthRecord,
}

/// A runtime endpoint as the admin API lists it: with its disabled reason
/// and stored health, read together.
#[derive(Debug, Clone)]
pub struct EndpointEntry {
    /// The endpoint.
    pub record: crate::endpoints::EndpointRecord,
    /// Why it is disabled; `None` when enabled.
    pub disabled: Option<String>,
    /// Its stored health; `None` before its first attempt.
    pub health: Option<crate::health::HealthRecord>,
}

/// A page of runtime endpoints, newest first.
#[derive(Debug, Clone)]
pub struct EndpointPage {
    /// The endpoints.
    pub data: Vec<EndpointEntry>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Whose key/value state a connector reads and writes (`connector_kv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateScope {
    /// The account owning the connector (`default` for the file's connectors).
    pub account: String,
    /// The connector's name.
    pub connector: String,
}
