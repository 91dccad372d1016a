//! The closed set of event types the receptionist platform emits.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// An event type: one of the six call types the platform posts, or one of
/// the hub's own operational types (`switchboard.*`, section 16), which
/// ingest refuses with 422.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum EventType {
    /// The agent picked up a call.
    CallStarted,
    /// A call ended; carries transcript, summary and recording links.
    CallCompleted,
    /// The agent captured a lead (name, phone, intent...).
    LeadCaptured,
    /// The agent booked an appointment.
    BookingCreated,
    /// The caller asked for a human.
    TransferRequested,
    /// The caller left a voicemail.
    VoicemailLeft,
    /// A target has had no success for `warn_after`.
    EndpointFailing,
    /// A target was disabled (410, no success for `disable_after`, or an operator).
    EndpointDisabled,
    /// A target that was failing or disabled succeeds again.
    EndpointRecovered,
    /// A target's deliveries failed after their retries (once per failing period).
    DeliveryExhausted,
    /// A vendor refused a connector's credentials.
    ConnectorAuthFailed,
    /// The signed request that probes a disabled webhook target; never stored.
    Probe,
}

/// A type name that is not one of the six.
#[derive(Debug, thiserror::Error)]
#[error("unknown event type '{0}', expected one of: {list}", list = EventType::names().join(", "))]
pub struct UnknownEventType(pub String);

impl EventType {
    /// Every event type, in lifecycle order.
    pub const ALL: [EventType; 6] = [
        EventType::CallStarted,
        EventType::CallCompleted,
        EventType::LeadCaptured,
        EventType::BookingCreated,
        EventType::TransferRequested,
        EventType::VoicemailLeft,
    ];

    /// The hub's operational event types, which targets receive only when
    /// they name them in `events`.
    pub const OPERATIONAL: [EventType; 5] = [
        EventType::EndpointFailing,
        EventType::EndpointDisabled,
        EventType::EndpointRecovered,
        EventType::DeliveryExhausted,
        EventType::ConnectorAuthFailed,
    ];

    /// Every type a name can parse to (call types, operational types, the probe).
    const KNOWN: [EventType; 12] = [
        EventType::CallStarted,
        EventType::CallCompleted,
        EventType::LeadCaptured,
        EventType::BookingCreated,
        EventType::TransferRequested,
        EventType::VoicemailLeft,
        EventType::EndpointFailing,
        EventType::EndpointDisabled,
        EventType::EndpointRecovered,
        EventType::DeliveryExhausted,
        EventType::ConnectorAuthFailed,
        EventType::Probe,
    ];

    /// Whether this is one of the six call types (the ones ingest accepts
    /// and "all" means).
    pub fn is_call(self) -> bool {
        Self::ALL.contains(&self)
    }

    /// The wire name, e.g. `lead.captured`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CallStarted => "call.started",
            EventType::CallCompleted => "call.completed",
            EventType::LeadCaptured => "lead.captured",
            EventType::BookingCreated => "booking.created",
            EventType::TransferRequested => "transfer.requested",
            EventType::VoicemailLeft => "voicemail.left",
            EventType::EndpointFailing => "switchboard.endpoint.failing",
            EventType::EndpointDisabled => "switchboard.endpoint.disabled",
            EventType::EndpointRecovered => "switchboard.endpoint.recovered",
            EventType::DeliveryExhausted => "switchboard.delivery.exhausted",
            EventType::ConnectorAuthFailed => "switchboard.connector.auth_failed",
            EventType::Probe => "switchboard.probe",
        }
    }

    /// The wire names of the six call types.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|t| t.as_str()).collect()
    }

    /// The wire names of every type a target may name in `events`.
    pub fn subscribable_names() -> Vec<&'static str> {
        Self::ALL
            .iter()
            .chain(&Self::OPERATIONAL)
            .map(|t| t.as_str())
            .collect()
    }
}

impl FromStr for EventType {
    type Err = UnknownEventType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::KNOWN
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownEventType(s.to_owned()))
    }
}

impl TryFrom<String> for EventType {
    type Error = UnknownEventType;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<EventType> for &'static str {
    fn from(t: EventType) -> Self {
        t.as_str()
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The document's `EventType`: a string enum generated from [`EventType::ALL`]
/// and [`EventType::OPERATIONAL`],
/// so a new type reaches the OpenAPI document with the code that accepts it.
impl utoipa::PartialSchema for EventType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::{schema::SchemaType, ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .enum_values(Some(EventType::subscribable_names()))
            .description(Some("An event type."))
            .into()
    }
}

impl utoipa::ToSchema for EventType {}
