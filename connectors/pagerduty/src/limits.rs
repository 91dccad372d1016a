//! The fields and limits PagerDuty enforces on an event, checked (and, for
//! the summary, applied) before sending, so an operator's template error is
//! a clear mapping failure naming the template instead of a 400.

use serde_json::Value;
use switchboard_core::{connector::MappingError, template::Template};

/// `payload.summary` beyond this is refused by PagerDuty.
pub const MAX_SUMMARY: usize = 1024;
/// `dedup_key` beyond this is refused by PagerDuty.
pub const MAX_DEDUP_KEY: usize = 255;
/// An event beyond this many bytes is refused by PagerDuty.
pub const MAX_EVENT_BYTES: usize = 512 * 1024;
/// What `payload.severity` may be.
pub const SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];
const ACTIONS: [&str; 3] = ["trigger", "acknowledge", "resolve"];

/// Cuts `payload.summary` to PagerDuty's 1024 characters (ending in `…`):
/// a long summary is still worth a page, so it is shortened, not refused.
pub fn cut_summary(body: &mut Value) {
    if let Some(Value::String(s)) = body.pointer_mut("/payload/summary") {
        if s.chars().count() > MAX_SUMMARY {
            *s = s.chars().take(MAX_SUMMARY - 1).collect::<String>() + "…";
        }
    }
}

/// Checks a rendered event; the error names the template and the field.
pub fn check(t: &Template, body: &Value) -> Result<(), MappingError> {
    let fail = |m: String| MappingError::from(t.error(m));
    let obj = body
        .as_object()
        .ok_or_else(|| fail("output must be a JSON object".into()))?;
    if obj.contains_key("routing_key") {
        return Err(fail(
            "leave `routing_key` out: the connector adds it from its config".into(),
        ));
    }
    let action = obj
        .get("event_action")
        .and_then(Value::as_str)
        .unwrap_or("trigger");
    if !ACTIONS.contains(&action) {
        return Err(fail(format!(
            "`event_action` '{action}' must be trigger, acknowledge or resolve"
        )));
    }
    check_dedup_key(obj.get("dedup_key"), action).map_err(fail)?;
    if action == "trigger" {
        check_payload(body).map_err(fail)?;
    }
    Ok(())
}

fn check_dedup_key(key: Option<&Value>, action: &str) -> Result<(), String> {
    match key {
        Some(Value::String(k)) if !k.is_empty() && k.chars().count() <= MAX_DEDUP_KEY => Ok(()),
        Some(_) => Err(format!(
            "`dedup_key` must be a string of 1 to {MAX_DEDUP_KEY} characters (cut long ids with `truncate`)"
        )),
        None if action != "trigger" => Err(format!("`dedup_key` is required to {action}")),
        None => Ok(()),
    }
}

fn check_payload(body: &Value) -> Result<(), String> {
    let field = |name: &str| {
        body.pointer(&format!("/payload/{name}"))
            .and_then(Value::as_str)
    };
    if field("summary").is_none_or(|s| s.trim().is_empty()) {
        return Err(format!(
            "`payload.summary` must be 1 to {MAX_SUMMARY} characters (give it a fallback with `default`)"
        ));
    }
    if field("source").is_none_or(|s| s.trim().is_empty()) {
        return Err("`payload.source` is required".into());
    }
    match field("severity") {
        Some(s) if SEVERITIES.contains(&s) => Ok(()),
        other => Err(format!(
            "`payload.severity` {other:?} must be one of {}",
            SEVERITIES.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_long_summary_is_cut_to_1024_characters() {
        let mut body = json!({"payload": {"summary": "é".repeat(5000)}});
        cut_summary(&mut body);
        let s = body["payload"]["summary"].as_str().unwrap();
        assert_eq!(s.chars().count(), MAX_SUMMARY);
        assert!(s.ends_with('…'));
    }
}
