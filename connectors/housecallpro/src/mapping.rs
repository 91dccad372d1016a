//! What a template's output asks for, checked, without the network.
//!
//! Template output: `{"customer": {"name", "email", "phone"}, "address":
//! "service address", "lead": {"note"}}` or `{..., "job": {"notes",
//! "schedule": {"scheduled_start", "scheduled_end"}}}`.

use serde_json::{Map, Value};
use switchboard_core::{
    connector::{
        caller::{self, Caller},
        marker, MappingError,
    },
    template::Template,
};

use crate::api::Work;

/// What one event becomes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The caller's customer, found or created.
    pub customer: Caller,
    /// The service address, if the event has one.
    pub address: Option<String>,
    /// A lead or a job.
    pub work: Work,
    /// The lead's or job's fields, its note ending with the event's marker.
    pub fields: Map<String, Value>,
}

impl Plan {
    /// A job without any address cannot be made (Housecall Pro requires
    /// `address_id`): the booking becomes a lead saying so.
    pub fn as_lead(&self) -> Plan {
        let notes = self
            .fields
            .get("notes")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut fields = Map::new();
        fields.insert(
            "note".into(),
            format!("(booking without a service address, so no job could be scheduled)\n{notes}")
                .into(),
        );
        Plan {
            work: Work::Lead,
            fields,
            ..self.clone()
        }
    }
}

/// Reads and checks a template's output for event `event_id`.
pub fn read(t: &Template, out: &Value, event_id: &str) -> Result<Plan, MappingError> {
    let fail = |m: String| MappingError::from(t.error(m));
    let customer = out.get("customer").unwrap_or(&Value::Null);
    let customer = Caller::read(customer, None).map_err(|m| fail(format!("`customer`: {m}")))?;
    let address = caller::text(out, "address").map_err(fail)?;
    let (work, key, note) = match (out.get("lead"), out.get("job")) {
        (Some(Value::Object(l)), None) => (Work::Lead, l, "note"),
        (None, Some(Value::Object(j))) => (Work::Job, j, "notes"),
        _ => {
            return Err(fail(
                "output must have either a `lead` or a `job` object".into(),
            ))
        }
    };
    let mut fields = key.clone();
    let text = caller::text(&Value::Object(key.clone()), note)
        .map_err(fail)?
        .unwrap_or_default();
    fields.insert(
        note.into(),
        format!("{text}\n{}", marker::marker(event_id))
            .trim()
            .to_owned()
            .into(),
    );
    if work == Work::Job {
        let start = fields
            .get("schedule")
            .and_then(|s| s.get("scheduled_start"));
        if start.and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(fail("`job.schedule.scheduled_start` is required".into()));
        }
    }
    Ok(Plan {
        customer,
        address,
        work,
        fields,
    })
}
