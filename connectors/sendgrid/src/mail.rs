//! From a rendered template to a `POST /v3/mail/send` body (pure).
//!
//! A template renders `{"subject", "text", "to"?, "reply_to"?}`. `to` (the
//! caller's email, for confirmations) wins over the connector's `to` (staff);
//! an empty or malformed `to` or `reply_to` means "none": a confirmation to a
//! caller who gave no usable address is not sent, and nothing else is lost.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use switchboard_core::{connector::MappingError, template::Template};

/// SendGrid refuses a subject beyond what one header line can hold; long
/// summaries are cut rather than refused.
const MAX_SUBJECT: usize = 200;

/// One email address, with an optional display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `name@host`.
    pub email: String,
    /// The display name, if given (`Name <name@host>`).
    pub name: Option<String>,
}

impl Address {
    /// Parses `name@host` or `Display Name <name@host>`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (name, email) = match (raw.find('<'), raw.strip_suffix('>')) {
            (Some(open), Some(inner)) => {
                let name = raw[..open].trim().trim_matches('"').trim();
                (
                    (!name.is_empty()).then(|| name.to_owned()),
                    &inner[open + 1..],
                )
            }
            _ => (None, raw),
        };
        if !looks_like_email(email) {
            return Err(format!(
                "'{raw}' is not an email address (write name@example.com or \"Name <name@example.com>\")"
            ));
        }
        Ok(Address {
            email: email.to_owned(),
            name,
        })
    }

    fn to_json(&self) -> Value {
        match &self.name {
            Some(name) => json!({"email": self.email, "name": name}),
            None => json!({"email": self.email}),
        }
    }
}

/// `to` in the config: one address or a list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Recipients {
    /// `to = "staff@example.com"`.
    One(String),
    /// `to = ["a@example.com", "b@example.com"]`.
    Many(Vec<String>),
}

impl Recipients {
    /// The parsed addresses, each once (SendGrid refuses an address twice).
    pub fn addresses(self) -> Result<Vec<Address>, String> {
        let raw = match self {
            Recipients::One(one) => vec![one],
            Recipients::Many(many) => many,
        };
        let mut out: Vec<Address> = Vec::new();
        for r in raw {
            let a = Address::parse(&r)?;
            if !out.iter().any(|o| o.email.eq_ignore_ascii_case(&a.email)) {
                out.push(a);
            }
        }
        if out.is_empty() {
            return Err("give at least one address".into());
        }
        Ok(out)
    }
}

/// A plausible address: one `@`, something before it, a dotted host after,
/// no spaces. SendGrid checks more; this keeps a caller's typo from
/// becoming a permanent 400 on a confirmation.
pub fn looks_like_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(host), None) => {
            !local.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
        }
        _ => false,
    }
}

/// What identifies the mail in SendGrid's activity feed and event webhook.
pub struct Tags<'a> {
    /// The event id.
    pub event_id: &'a str,
    /// The delivery id.
    pub delivery_id: &'a str,
    /// The event type.
    pub event_type: &'a str,
}

/// The mail body, or `None` when there is nobody to write to.
pub fn body(
    t: &Template,
    rendered: &Value,
    from: &Address,
    staff: Option<&[Address]>,
    tags: &Tags<'_>,
) -> Result<Option<Value>, MappingError> {
    let fail = |m: &str| MappingError::from(t.error(m));
    let obj = rendered
        .as_object()
        .ok_or_else(|| fail("output must be a JSON object with `subject` and `text`"))?;
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::trim);
    let subject = text("subject").filter(|s| !s.is_empty()).ok_or_else(|| {
        fail("`subject` must be a non-empty string (give it a fallback with `default`)")
    })?;
    let content = text("text").filter(|s| !s.is_empty()).ok_or_else(|| {
        fail("`text` must be a non-empty string (give it a fallback with `default`)")
    })?;
    let to = match (obj.get("to"), staff) {
        (Some(Value::String(own)), _) => own_recipient(own),
        (Some(other), _) if !other.is_null() => {
            return Err(fail("`to` must be a string (one address)"))
        }
        (_, Some(staff)) => staff.to_vec(),
        (_, None) => {
            return Err(fail(
                "no recipient: render `to` or set `to` in the connector's config",
            ))
        }
    };
    if to.is_empty() {
        return Ok(None);
    }
    let mut personalization = Map::new();
    personalization.insert("to".into(), to.iter().map(Address::to_json).collect());
    // Per personalization: the published schema types the top-level
    // `custom_args` as a string, this one as an object.
    personalization.insert(
        "custom_args".into(),
        json!({
            "switchboard_event_id": tags.event_id,
            "switchboard_delivery_id": tags.delivery_id,
        }),
    );
    let mut mail = json!({
        "personalizations": [personalization],
        "from": from.to_json(),
        "subject": one_line(subject),
        "content": [{"type": "text/plain", "value": content}],
        "categories": ["switchboard", tags.event_type],
    });
    let reply_to = text("reply_to").filter(|r| looks_like_email(r));
    if let Some(r) = reply_to.filter(|r| !to.iter().any(|a| a.email.eq_ignore_ascii_case(r))) {
        mail["reply_to"] = json!({"email": r});
    }
    Ok(Some(mail))
}

fn own_recipient(raw: &str) -> Vec<Address> {
    let raw = raw.trim();
    if looks_like_email(raw) {
        vec![Address {
            email: raw.to_owned(),
            name: None,
        }]
    } else {
        Vec::new()
    }
}

/// A subject on one line, at most [`MAX_SUBJECT`] characters.
fn one_line(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= MAX_SUBJECT {
        return flat;
    }
    flat.chars().take(MAX_SUBJECT - 1).collect::<String>() + "…"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_and_without_a_name() {
        let a = Address::parse("Reyes Plumbing <bookings@reyes.example>").unwrap();
        assert_eq!(a.email, "bookings@reyes.example");
        assert_eq!(a.name.as_deref(), Some("Reyes Plumbing"));
        assert_eq!(Address::parse(" a@b.co ").unwrap().name, None);
        for bad in ["", "nobody", "a@b", "a b@c.d", "x@@y.z", "Name <>"] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn staff_addresses_are_kept_once() {
        let list = Recipients::Many(vec![
            "ops@x.example".into(),
            "OPS@x.example".into(),
            "b@x.example".into(),
        ]);
        assert_eq!(list.addresses().unwrap().len(), 2);
        assert!(Recipients::Many(vec![]).addresses().is_err());
    }

    #[test]
    fn a_subject_is_one_line_and_cut() {
        assert_eq!(one_line("a\nb"), "a b");
        let long = one_line(&"é".repeat(500));
        assert_eq!(long.chars().count(), MAX_SUBJECT);
        assert!(long.ends_with('…'));
    }
}
