//! Zendesk tags are single words: every tag a template renders is slugged
//! after rendering, so no intent and no operator template can make Zendesk
//! split a tag or refuse a ticket.

use serde_json::Value;

/// `"Water heater repair"` -> `"water_heater_repair"`: lowercase; letters,
/// digits and `-` kept; every run of other characters (spaces, emoji,
/// punctuation) becomes one `_`; `_` trimmed at both ends.
pub fn slug(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '-' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The rendered `tags` value as slugs, deduplicated in order, empty ones
/// dropped. A list's non-string items are written out; a string is read as
/// a comma-separated list; anything else gives no tags (never a refusal).
pub fn slugs(tags: &Value) -> Vec<String> {
    let raw: Vec<String> = match tags {
        Value::Array(items) => items
            .iter()
            .map(|t| match t {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Value::String(s) => s.split(',').map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for tag in raw.iter().map(|t| slug(t)) {
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slugs_are_lowercase_words_deduplicated() {
        assert_eq!(slug("Water heater repair"), "water_heater_repair");
        assert_eq!(
            slug("  Water heater 🔥 après-hours repair / \"urgent\" "),
            "water_heater_après-hours_repair_urgent"
        );
        assert_eq!(slug("🔥"), "");
        let tags = json!(["oncallclerk", "Phone Call", "phone_call", "", "💧", 42]);
        assert_eq!(slugs(&tags), ["oncallclerk", "phone_call", "42"]);
        assert_eq!(slugs(&json!("a b, C")), ["a_b", "c"]);
        assert!(slugs(&json!({"not": "a list"})).is_empty());
    }
}
