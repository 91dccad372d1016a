//! JSON Schemas per event type: embedded in the binary, compiled once.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use super::EventType;

fn source(t: EventType) -> &'static str {
    match t {
        EventType::CallStarted => include_str!("../../schemas/call.started.json"),
        EventType::CallCompleted => include_str!("../../schemas/call.completed.json"),
        EventType::LeadCaptured => include_str!("../../schemas/lead.captured.json"),
        EventType::BookingCreated => include_str!("../../schemas/booking.created.json"),
        EventType::TransferRequested => include_str!("../../schemas/transfer.requested.json"),
        EventType::VoicemailLeft => include_str!("../../schemas/voicemail.left.json"),
        EventType::EndpointFailing => {
            include_str!("../../schemas/switchboard.endpoint.failing.json")
        }
        EventType::EndpointDisabled => {
            include_str!("../../schemas/switchboard.endpoint.disabled.json")
        }
        EventType::EndpointRecovered => {
            include_str!("../../schemas/switchboard.endpoint.recovered.json")
        }
        EventType::DeliveryExhausted => {
            include_str!("../../schemas/switchboard.delivery.exhausted.json")
        }
        EventType::ConnectorAuthFailed => {
            include_str!("../../schemas/switchboard.connector.auth_failed.json")
        }
        EventType::Probe => include_str!("../../schemas/switchboard.probe.json"),
    }
}

/// The JSON Schema document of an event type, as served at `GET /v1/schemas/{type}`.
pub fn schema_document(t: EventType) -> Value {
    serde_json::from_str(source(t)).expect("embedded schema is valid JSON")
}

struct Compiled {
    validators: Vec<(EventType, Validator)>,
}

fn compiled() -> &'static Compiled {
    static CELL: OnceLock<Compiled> = OnceLock::new();
    CELL.get_or_init(|| Compiled {
        validators: EventType::ALL
            .into_iter()
            .map(|t| {
                let v = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&schema_document(t))
                    .expect("embedded schema compiles");
                (t, v)
            })
            .collect(),
    })
}

/// The first schema violation of `instance` as (JSON pointer, message), if any.
pub(super) fn first_violation(t: EventType, instance: &Value) -> Option<(String, String)> {
    let (_, validator) = compiled().validators.iter().find(|(k, _)| *k == t)?;
    // The boolean check short-circuits and builds no error values: the
    // common, valid case pays only for it.
    if validator.is_valid(instance) {
        return None;
    }
    validator.iter_errors(instance).next().map(|e| {
        let path = e.instance_path().as_str().to_owned();
        (path, e.to_string())
    })
}
