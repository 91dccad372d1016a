//! The limits JSM Operations (like Opsgenie before it) enforces on an
//! alert, applied before sending: long text is cut (still worth an alert),
//! a template's structural mistake is a mapping error naming the template.
//! The vendor's schema carries no lengths, so they are enforced here.

use serde_json::Value;
use switchboard_core::{connector::MappingError, template::Template};

/// `message` beyond this is cut by the vendor; cut here, visibly.
pub const MAX_MESSAGE: usize = 130;
/// `alias` (the dedup key) beyond this is refused.
pub const MAX_ALIAS: usize = 512;
/// `description` beyond this is refused.
pub const MAX_DESCRIPTION: usize = 15_000;
/// At most this many tags.
pub const MAX_TAGS: usize = 20;
/// What `priority` may be.
pub const PRIORITIES: [&str; 5] = ["P1", "P2", "P3", "P4", "P5"];

/// Cuts `message` and `description` to their limits, ending in `…`.
pub fn cut(body: &mut Value) {
    for (key, max) in [("message", MAX_MESSAGE), ("description", MAX_DESCRIPTION)] {
        if let Some(Value::String(s)) = body.get_mut(key) {
            if s.chars().count() > max {
                *s = s.chars().take(max - 1).collect::<String>() + "…";
            }
        }
    }
}

/// Checks a rendered alert; the error names the template and the field.
pub fn check(t: &Template, body: &Value) -> Result<(), MappingError> {
    check_fields(body).map_err(|m| MappingError::from(t.error(m)))
}

fn check_fields(body: &Value) -> Result<(), String> {
    let obj = body.as_object().ok_or("output must be a JSON object")?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str);
    if text("message").is_none_or(|m| m.trim().is_empty()) {
        return Err(
            "`message` must be a non-empty string (give it a fallback with `default`)".into(),
        );
    }
    match text("alias") {
        Some(a) if !a.is_empty() && a.chars().count() <= MAX_ALIAS => {}
        _ => {
            return Err(format!(
                "`alias` must be 1 to {MAX_ALIAS} characters: it is what keeps one alert per call"
            ))
        }
    }
    if let Some(p) = obj.get("priority") {
        if !p.as_str().is_some_and(|p| PRIORITIES.contains(&p)) {
            return Err(format!(
                "`priority` {p} must be one of {}",
                PRIORITIES.join(", ")
            ));
        }
    }
    if obj.get("tags").is_some_and(|t| {
        !t.as_array()
            .is_some_and(|t| t.len() <= MAX_TAGS && t.iter().all(Value::is_string))
    }) {
        return Err(format!(
            "`tags` must be a list of at most {MAX_TAGS} strings"
        ));
    }
    if obj.get("details").is_some_and(|d| {
        !d.as_object()
            .is_some_and(|d| d.values().all(Value::is_string))
    }) {
        return Err("`details` must be an object of string values".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn long_text_is_cut_and_bad_fields_are_named() {
        let mut body = json!({"message": "m".repeat(500), "alias": "call:1",
            "description": "é".repeat(20_000)});
        cut(&mut body);
        assert_eq!(
            body["message"].as_str().unwrap().chars().count(),
            MAX_MESSAGE
        );
        assert_eq!(
            body["description"].as_str().unwrap().chars().count(),
            MAX_DESCRIPTION
        );
        assert!(check_fields(&body).is_ok());
        for (key, bad, named) in [
            ("alias", json!(""), "alias"),
            ("priority", json!("P9"), "priority"),
            ("tags", json!(["a", 1]), "tags"),
            ("details", json!({"n": 1}), "details"),
            ("message", json!(" "), "message"),
        ] {
            let mut b = body.clone();
            b[key] = bad;
            assert!(check_fields(&b).unwrap_err().contains(named), "{key}");
        }
    }
}
