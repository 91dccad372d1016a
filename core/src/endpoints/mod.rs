//! Runtime endpoints (REST hooks, the way Zapier and Make subscribe): signed
//! `webhook` connectors created, changed, rotated and deleted through the
//! admin API while the hub runs.
//!
//! An endpoint is stored in the `endpoints` table and runs exactly like a
//! configured webhook connector: its id (`ep_<ULID>`) is the connector name
//! in the subscription table, the router and the delivery log, and it gets
//! its own supervised actor and retry mailbox through the same
//! [`Launcher`](crate::actors::Launcher). Edits and rotations change the
//! running connector in place; deletion retires its actor. On PostgreSQL every
//! change is announced so the other nodes apply it too.

mod input;
mod manager;
mod record;

pub use input::{validate_targets, Targets};
pub use manager::{EndpointChange, Endpoints, NewEndpoint};
pub use record::{EndpointRecord, EndpointRow, EndpointSecret};

use crate::{
    event::{fixtures, Event, EventType},
    storage::StoreError,
};

/// `last_error` of the active deliveries of a deleted endpoint.
pub const DELETED_REASON: &str = "endpoint deleted";

/// Reason recorded when an operator disables an endpoint or connector.
pub const OPERATOR_DISABLED: &str = "disabled by the operator; PATCH {\"enabled\": true} to resume";

/// How long the old secret keeps signing after a rotation, unless the request says.
pub const DEFAULT_OVERLAP: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Why an endpoint operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// A field of the request is wrong (422, naming the field).
    #[error("{message}")]
    Invalid {
        /// JSON pointer of the field, e.g. `/events/1`.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// No endpoint has this id.
    #[error("no endpoint with id '{0}'")]
    NotFound(String),
    /// Storage failed; nothing changed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The outbound client could not be built (a `[delivery]` setting).
    #[error(transparent)]
    Outbound(#[from] crate::outbound::SendError),
}

impl EndpointError {
    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        EndpointError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A fresh copy of the sample event of a type (new id, created now), for
/// the test-fire routes; `None` for the operational types, which only the
/// hub emits and which have no sample.
pub fn sample_event(t: EventType) -> Option<Event> {
    let (_, src) = fixtures().into_iter().find(|(k, _)| *k == t)?;
    let mut value: serde_json::Value = serde_json::from_str(src).expect("fixtures are JSON");
    if let Some(map) = value.as_object_mut() {
        map.remove("id");
        map.remove("created");
    }
    let body = serde_json::to_vec(&value).expect("JSON value");
    Some(Event::parse(&body, chrono::Utc::now().timestamp()).expect("fixtures are valid events"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_events_get_fresh_ids() {
        let a = sample_event(EventType::LeadCaptured).expect("a call type");
        let b = sample_event(EventType::LeadCaptured).expect("a call type");
        assert_ne!(a.id, b.id);
        assert!(a.id.starts_with("evt_"));
        assert_eq!(a.kind, EventType::LeadCaptured);
    }
}
