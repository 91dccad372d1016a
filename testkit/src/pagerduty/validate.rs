//! PagerDuty's checks of an Events API v2 event, written from its public
//! documentation (VENDORS.md): the spec itself is not permissively licensed.

use serde_json::Value;

/// PagerDuty's limit on one event's size.
const MAX_EVENT_BYTES: usize = 512 * 1024;
const ACTIONS: [&str; 3] = ["trigger", "acknowledge", "resolve"];
const SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];

/// The errors PagerDuty would list for `body`, or the parsed event.
pub fn validate_event(body: &[u8]) -> Result<Value, Vec<String>> {
    if body.len() > MAX_EVENT_BYTES {
        return Err(vec![format!(
            "Event is {} bytes, over the 512 KB limit",
            body.len()
        )]);
    }
    let event: Value =
        serde_json::from_slice(body).map_err(|e| vec![format!("Malformed JSON: {e}")])?;
    let mut errors = Vec::new();
    let text = |p: &str| event.pointer(p).and_then(Value::as_str);
    if text("/routing_key").is_none_or(|k| k.chars().count() != 32) {
        errors.push("'routing_key' must be a string of 32 characters".to_owned());
    }
    let action = text("/event_action").unwrap_or("");
    if !ACTIONS.contains(&action) {
        errors.push("'event_action' must be one of trigger, acknowledge, resolve".to_owned());
    }
    match event.get("dedup_key") {
        None | Some(Value::Null) if action != "trigger" => {
            errors.push(format!("'dedup_key' is required to {action}"))
        }
        None | Some(Value::Null) => {}
        Some(Value::String(k)) if !k.is_empty() && k.chars().count() <= 255 => {}
        Some(_) => errors.push("'dedup_key' must be a string of 1 to 255 characters".to_owned()),
    }
    if action == "trigger" {
        check_payload(&event, &mut errors);
    }
    if errors.is_empty() {
        Ok(event)
    } else {
        Err(errors)
    }
}

fn check_payload(event: &Value, errors: &mut Vec<String>) {
    let text = |p: &str| event.pointer(p).and_then(Value::as_str);
    match text("/payload/summary") {
        Some(s) if s.trim().is_empty() => {
            errors.push("'payload.summary' is missing or blank".into())
        }
        Some(s) if s.chars().count() > 1024 => {
            errors.push("'payload.summary' must be at most 1024 characters".into())
        }
        Some(_) => {}
        None => errors.push("'payload.summary' is missing or blank".into()),
    }
    if text("/payload/source").is_none_or(|s| s.trim().is_empty()) {
        errors.push("'payload.source' is missing or blank".into());
    }
    if !text("/payload/severity").is_some_and(|s| SEVERITIES.contains(&s)) {
        errors.push("'payload.severity' must be one of critical, error, warning, info".into());
    }
    if event
        .pointer("/payload/custom_details")
        .is_some_and(|d| !d.is_object() && !d.is_null())
    {
        errors.push("'payload.custom_details' must be an object".into());
    }
}
