//! The event model: six event types, the envelope, and its JSON Schemas.

mod envelope;
mod kind;
mod schema;
mod strict;

pub use envelope::{Event, EventError};
pub use kind::{EventType, UnknownEventType};
pub use schema::schema_document;

/// The six sample events shipped with Switchboard (used by `demo`, `check` and tests).
pub fn fixtures() -> [(EventType, &'static str); 6] {
    [
        (
            EventType::CallStarted,
            include_str!("../../fixtures/call.started.json"),
        ),
        (
            EventType::CallCompleted,
            include_str!("../../fixtures/call.completed.json"),
        ),
        (
            EventType::LeadCaptured,
            include_str!("../../fixtures/lead.captured.json"),
        ),
        (
            EventType::BookingCreated,
            include_str!("../../fixtures/booking.created.json"),
        ),
        (
            EventType::TransferRequested,
            include_str!("../../fixtures/transfer.requested.json"),
        ),
        (
            EventType::VoicemailLeft,
            include_str!("../../fixtures/voicemail.left.json"),
        ),
    ]
}
