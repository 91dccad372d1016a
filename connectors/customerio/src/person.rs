//! Who an event is about, as Customer.io identifies people.
//!
//! One caller must be one person across their events, and the phone number
//! is what every call event carries, so it is the identifier when there is
//! one (normalized: E.164 when the number says its country, else its
//! digits, never a guessed country); else the email (lower case). With
//! neither, the event is tracked anonymously under the call id, so it is
//! still recorded.

use serde_json::{Map, Value};
use switchboard_core::template::{to_e164, PhoneError};

/// Who the event is tracked against.
#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    /// A person: identify them (`PUT /customers/{id}`), then track.
    Known {
        /// The path identifier.
        id: String,
        /// Attributes to set (never an empty value: that would erase one).
        attributes: Map<String, Value>,
    },
    /// Nobody to identify: an anonymous event.
    Anonymous,
}

/// The identity from a template's `person` object.
pub fn identify(person: Option<&Value>) -> Identity {
    let field = |k: &str| {
        person
            .and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let phone = field("phone").and_then(normalize_phone);
    let email = field("email")
        .filter(|e| looks_like_email(e))
        .map(str::to_lowercase);
    let Some(id) = phone.clone().or_else(|| email.clone()) else {
        return Identity::Anonymous;
    };
    let mut attributes = Map::new();
    for (k, v) in person.and_then(Value::as_object).into_iter().flatten() {
        let keep = match v {
            Value::String(s) => !s.trim().is_empty(),
            Value::Null => false,
            _ => true,
        };
        if keep && k != "phone" && k != "email" {
            attributes.insert(k.clone(), v.clone());
        }
    }
    if let Some(p) = phone {
        attributes.insert("phone".into(), p.into());
    }
    if let Some(e) = email {
        attributes.insert("email".into(), e.into());
    }
    Identity::Known { id, attributes }
}

/// `+15125550142` for a number that names its country; the digits of a
/// national one (`(512) 555-0142` -> `5125550142`); `None` if it is no
/// phone number.
fn normalize_phone(raw: &str) -> Option<String> {
    match to_e164(raw, None) {
        Ok(e164) => Some(e164),
        Err(PhoneError::National(national)) => {
            let digits: String = national.chars().filter(char::is_ascii_digit).collect();
            (digits.len() >= 5).then_some(digits)
        }
        Err(_) => None,
    }
}

fn looks_like_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()),
        (Some(l), Some(h), None) if !l.is_empty() && h.contains('.') && !s.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_phone_identifies_and_both_keys_are_written() {
        let who = identify(Some(&json!({"phone": "+1 (512) 555-0142",
            "email": "Jordan@Example.com", "name": "Jordan", "address": ""})));
        let Identity::Known { id, attributes } = who else {
            panic!()
        };
        assert_eq!(id, "+15125550142");
        assert_eq!(attributes["email"], "jordan@example.com");
        assert_eq!(attributes["name"], "Jordan");
        assert!(
            !attributes.contains_key("address"),
            "empty values erase nothing"
        );
    }

    #[test]
    fn email_then_anonymous() {
        let who = identify(Some(&json!({"phone": "", "email": "A@B.example"})));
        assert!(matches!(who, Identity::Known { ref id, .. } if id == "a@b.example"));
        assert_eq!(
            identify(Some(&json!({"phone": "withheld", "email": "nope"}))),
            Identity::Anonymous
        );
        assert_eq!(identify(None), Identity::Anonymous);
        assert_eq!(
            normalize_phone("(512) 555-0142").as_deref(),
            Some("5125550142")
        );
    }
}
