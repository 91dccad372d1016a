//! The sparse-event matrix (DESIGN.md section 5, "Sparse events never drop a
//! delivery"). Real events are often sparse: every field the schema leaves
//! optional may be missing, and free-text fields hold whatever a caller
//! said. From each type's JSON Schema and its rich sample this builds:
//!
//! - the sparsest valid event (only what the schema requires);
//! - the sample with each optional field removed, one at a time;
//! - the sample and the sparsest event with odd but valid values: phone
//!   numbers in national and international formats, intents with spaces and
//!   emoji, non-GSM-7 text, very long summaries, mixed-case emails, a time
//!   zone outside the tz database.
//!
//! Every variant is checked against the schema, so each one is an event the
//! hub would accept. [`check_connector`] renders a connector's templates for
//! all of them.

use serde_json::{Map, Value};
use switchboard_core::{
    config::ConnectorConfig,
    connector::{testing, Connector, DeliveryRequest, Plugin},
    event::{fixtures, schema_document, Event, EventType},
    outbound::OutboundRequest,
};

/// One event of the matrix.
#[derive(Debug, Clone)]
pub struct Variant {
    /// What is special about it (`lead.captured without data.lead.phone`).
    pub name: String,
    /// The event as the hub would store it.
    pub event: Event,
}

/// Phone numbers as callers' carriers send them.
pub const ODD_PHONES: [&str; 5] = [
    "(512) 555-0142",
    "512.555.0142",
    "+44 20 7946 0958",
    "+1 (512) 555-0142",
    "5125550142",
];

const ODD_INTENT: &str = "Water heater 🔥 après-hours repair / \"urgent\"";
const ODD_NAME: &str = "Zoë O’Brien-Núñez 李";
const ODD_EMAIL: &str = "Jordan.Reyes+OnCall@Example.COM";
const ODD_TEXT: &str =
    "Caller said “it’s leaking everywhere”… ça coule 💧 — {{not a template}} <b>&amp;</b>";

/// Every variant of every event type.
pub fn all() -> Vec<Variant> {
    EventType::ALL.into_iter().flat_map(variants).collect()
}

/// The variants of one event type (the rich sample first).
pub fn variants(t: EventType) -> Vec<Variant> {
    let schema = schema_document(t);
    let sample = sample(t);
    let sparsest = only_required(&sample, &schema);
    let mut out = vec![
        (format!("{t} sample"), sample.clone()),
        (
            format!("{t} sparsest (required fields only)"),
            sparsest.clone(),
        ),
    ];
    for path in optional_paths(&sample, &schema, "") {
        let mut v = sample.clone();
        remove(&mut v, &path);
        out.push((
            format!(
                "{t} without {}",
                path.trim_start_matches('/').replace('/', ".")
            ),
            v,
        ));
    }
    for (label, base) in [("sample", &sample), ("sparsest", &sparsest)] {
        for (what, odd) in odd_values(base) {
            out.push((format!("{t} {label} with {what}"), odd));
        }
    }
    out.into_iter()
        .map(|(name, json)| {
            let bytes = serde_json::to_vec(&json).expect("JSON serializes");
            let event = Event::parse(&bytes, 1_715_200_000)
                .unwrap_or_else(|e| panic!("testkit bug: variant '{name}' is invalid: {e}"));
            Variant { name, event }
        })
        .collect()
}

fn sample(t: EventType) -> Value {
    let (_, src) = fixtures()
        .into_iter()
        .find(|(k, _)| *k == t)
        .expect("every type has a fixture");
    serde_json::from_str(src).expect("fixtures are JSON")
}

/// `value` keeping only the properties `schema` requires, recursively.
fn only_required(value: &Value, schema: &Value) -> Value {
    let (Some(obj), Some(props)) = (value.as_object(), schema.get("properties")) else {
        return value.clone();
    };
    let required = required(schema);
    let mut out = Map::new();
    for (k, v) in obj {
        if required.contains(&k.as_str()) {
            let sub = props.get(k).unwrap_or(&Value::Null);
            out.insert(k.clone(), only_required(v, sub));
        }
    }
    Value::Object(out)
}

fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// JSON pointers of the optional properties present in `value`, at any
/// depth (inside objects the schema describes; not inside arrays).
fn optional_paths(value: &Value, schema: &Value, at: &str) -> Vec<String> {
    let (Some(obj), Some(props)) = (value.as_object(), schema.get("properties")) else {
        return Vec::new();
    };
    let required = required(schema);
    let mut out = Vec::new();
    for (k, v) in obj {
        let path = format!("{at}/{k}");
        // The envelope's own id and created are the hub's business, not a mapping's.
        if at.is_empty() && matches!(k.as_str(), "id" | "created") {
            continue;
        }
        if !required.contains(&k.as_str()) {
            out.push(path.clone());
        }
        if let Some(sub) = props.get(k) {
            out.extend(optional_paths(v, sub, &path));
        }
    }
    out
}

fn remove(value: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    if let Some(Value::Object(o)) = value.pointer_mut(parent) {
        o.remove(key);
    }
}

/// `base` with odd values written into each field of a kind, one kind per variant.
fn odd_values(base: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for phone in ODD_PHONES {
        out.push((
            format!("phone numbers like '{phone}'"),
            rewrite(base, is_phone, phone),
        ));
    }
    let edits: [(&str, FieldMatch, String); 6] = [
        (
            "an intent with spaces and emoji",
            |k| k == "intent",
            ODD_INTENT.into(),
        ),
        ("a non-GSM name", |k| k == "name", ODD_NAME.into()),
        ("a mixed-case email", |k| k == "email", ODD_EMAIL.into()),
        ("non-GSM text", is_free_text, ODD_TEXT.into()),
        ("very long text", is_free_text, long_text()),
        (
            "a time zone outside the tz database",
            |k| k == "timezone",
            "Mars/Olympus_Mons".into(),
        ),
    ];
    for (what, field, replacement) in edits {
        out.push((what.to_owned(), rewrite(base, field, &replacement)));
    }
    out.push(("empty strings".to_owned(), rewrite_all_strings(base, "")));
    out
}

/// Which fields (by key) an edit applies to.
type FieldMatch = fn(&str) -> bool;

fn is_phone(key: &str) -> bool {
    matches!(key, "from_number" | "to_number" | "phone" | "target")
}

fn is_free_text(key: &str) -> bool {
    matches!(key, "summary" | "text" | "transcript" | "reason" | "notes")
}

fn long_text() -> String {
    "The caller described the problem at length, with every detail they could remember. ".repeat(80)
}

/// Replaces the string value of every field whose key matches (at any depth).
fn rewrite(value: &Value, field: FieldMatch, replacement: &str) -> Value {
    match value {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(_) if field(k) => Value::String(replacement.to_owned()),
                        other => rewrite(other, field, replacement),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| rewrite(v, field, replacement)).collect()),
        other => other.clone(),
    }
}

/// Every optional free-form string (not ids, type, times or URLs) set to `s`.
fn rewrite_all_strings(value: &Value, s: &str) -> Value {
    rewrite(
        value,
        |k| is_phone(k) || is_free_text(k) || matches!(k, "name" | "intent" | "urgency"),
        s,
    )
}

/// What [`check_connector`] found.
#[derive(Debug, Default)]
pub struct Report {
    /// (variant, event type) pairs rendered.
    pub checked: usize,
    /// Requests prepared.
    pub requests: usize,
}

/// Builds a connector of `plugin`'s kind from `settings` (its own keys, JSON;
/// `events` omitted so it serves every shipped template) and prepares the
/// request(s) of every variant of every event type it serves. Each request
/// goes through `vendor_check` (e.g. the simulator's own validation: the
/// vendor-required fields are filled, the body matches the vendor's
/// schema). Panics listing every variant that failed to map or to pass.
pub fn check_connector(
    plugin: &Plugin,
    settings: Value,
    vendor_check: impl Fn(&Variant, &OutboundRequest) -> Result<(), String>,
) -> Report {
    let config: ConnectorConfig = testing::config(plugin.kind, settings);
    let connector = testing::build(plugin, &config).expect("the connector builds");
    let served = connector
        .events()
        .unwrap_or_else(|| EventType::ALL.to_vec());
    assert!(!served.is_empty(), "{} serves no event type", plugin.kind);
    let mut report = Report::default();
    let mut failures = Vec::new();
    for t in served {
        for v in variants(t) {
            report.checked += 1;
            match prepare(&*connector, &v) {
                Err(e) => failures.push(format!("{}: mapping failed: {e}", v.name)),
                Ok(requests) => {
                    for r in &requests {
                        report.requests += 1;
                        if let Err(e) = vendor_check(&v, r) {
                            failures.push(format!("{}: {e}\n{r}", v.name));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} variants fail for {}:\n\n{}",
        failures.len(),
        report.checked,
        plugin.kind,
        failures.join("\n\n")
    );
    report
}

fn prepare(c: &dyn Connector, v: &Variant) -> Result<Vec<OutboundRequest>, String> {
    c.prepare(&DeliveryRequest {
        delivery_id: "dlv_sparse",
        event: &v.event,
        attempt: 1,
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sparsest_transfer_has_only_required_fields() {
        let v = variants(EventType::TransferRequested);
        let sparsest = v.iter().find(|v| v.name.contains("sparsest")).unwrap();
        let data = &sparsest.event.value()["data"];
        assert_eq!(
            data.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["call_id", "agent_id", "transfer"]
        );
        assert_eq!(data["transfer"], serde_json::json!({}));
    }

    #[test]
    fn every_optional_field_is_removed_once_and_odd_values_are_valid() {
        let v = variants(EventType::LeadCaptured);
        for field in [
            "data.from_number",
            "data.lead.phone",
            "data.lead.email",
            "data.lead.summary",
        ] {
            assert!(
                v.iter()
                    .any(|x| x.name.ends_with(&format!("without {field}"))),
                "no variant without {field}"
            );
        }
        let odd = v
            .iter()
            .find(|x| x.name.contains("sample with an intent with spaces"))
            .unwrap();
        assert_eq!(odd.event.value()["data"]["lead"]["intent"], ODD_INTENT);
        assert!(all().len() > 6 * 10);
    }
}
