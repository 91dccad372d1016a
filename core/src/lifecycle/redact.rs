//! `[logging] redact`: event fields (JSON pointers) whose values must not
//! reach a log line or an attempt's stored request and response excerpts.
//!
//! A connector renders the event into its own request, so a pointer into
//! the event says nothing about where the value lands in that request.
//! Instead the values found at the pointers are masked wherever they appear
//! in the text kept: as written, as escaped inside a JSON string, and
//! percent-encoded (in a URL).

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

/// What masked text reads instead of the value.
pub const MASK: &str = "[redacted]";

/// The configured pointers.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    pointers: Vec<String>,
}

impl Redactor {
    /// A redactor for `[logging] redact`.
    pub fn new(pointers: &[String]) -> Self {
        Redactor {
            pointers: pointers.to_vec(),
        }
    }

    /// Whether nothing is to be redacted.
    pub fn is_empty(&self) -> bool {
        self.pointers.is_empty()
    }

    /// The texts to mask for one event (its JSON text): every string and
    /// number at or under each pointer, longest first so a value containing
    /// another is masked whole.
    pub fn values_in(&self, event: &str) -> Vec<String> {
        if self.is_empty() {
            return Vec::new();
        }
        let Ok(root) = serde_json::from_str::<Value>(event) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for p in &self.pointers {
            if let Some(v) = root.pointer(p) {
                leaves(v, &mut found);
            }
        }
        let mut forms: Vec<String> = found
            .iter()
            .flat_map(|s| {
                let escaped = serde_json::to_string(s).unwrap_or_default();
                let encoded = utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
                // Without the enclosing quotes only: an escaped quote may end it.
                let inner = escaped
                    .get(1..escaped.len().saturating_sub(1))
                    .unwrap_or_default();
                [s.clone(), inner.to_owned(), encoded]
            })
            .filter(|s| !s.is_empty())
            .collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        forms
    }

    /// `text` with every one of `values` replaced by [`MASK`].
    pub fn mask(text: &str, values: &[String]) -> String {
        values
            .iter()
            .fold(text.to_owned(), |t, v| t.replace(v.as_str(), MASK))
    }
}

fn leaves(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|i| leaves(i, out)),
        Value::Object(map) => map.values().for_each(|i| leaves(i, out)),
        Value::Bool(_) | Value::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_under_the_pointers_are_masked_wherever_they_appear() {
        let r = Redactor::new(&["/data/caller".into(), "/data/note".into()]);
        let event = r#"{"data":{"caller":{"phone":"+14155550123","name":"Ana"},"note":"said \"hi\"","city":"Austin"}}"#;
        let values = r.values_in(event);
        let sent = r#"{"who":"Ana","tel":"+14155550123","n":"said \"hi\"","city":"Austin"}"#;
        let masked = Redactor::mask(sent, &values);
        assert_eq!(
            masked,
            r#"{"who":"[redacted]","tel":"[redacted]","n":"[redacted]","city":"Austin"}"#
        );
    }

    #[test]
    fn no_pointers_mask_nothing() {
        assert!(Redactor::default().values_in(r#"{"a":"b"}"#).is_empty());
    }
}
