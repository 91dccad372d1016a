//! A caller as an operator searches for one: a phone number in any common
//! format or an email address in any case, matched against the fields of an
//! event that name the caller (not the business's own number, nor a
//! transfer's target).
//!
//! The normalising and matching rules are erasure's
//! ([`Identifier`](crate::lifecycle::Identifier)), so a call found by a number
//! is the call an erasure by that number removes; this type adds only which
//! fields name the caller.
//!
//! Pure: storage narrows the events with [`Caller::like_pattern`] and asks
//! [`Caller::matches`] about each envelope it found.

use serde_json::Value;

use crate::lifecycle::{Identifier, IdentifierError};

/// Where events name the caller's phone number.
const CALLER_PHONES: [&str; 4] = [
    "/data/from_number",
    "/data/lead/phone",
    "/data/booking/customer/phone",
    "/data/customer/phone",
];
/// Where events name the caller's email address.
const CALLER_EMAILS: [&str; 3] = [
    "/data/lead/email",
    "/data/booking/customer/email",
    "/data/customer/email",
];

/// Why a search names nobody.
pub type CallerError = IdentifierError;

/// A caller to find: a phone number or an email address (never a call id,
/// which the call view looks up directly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(Identifier);

impl Caller {
    /// A phone number in any common form (`+1 415-555-0123`, `(415) 555 0123`).
    pub fn phone(raw: &str) -> Result<Self, CallerError> {
        Identifier::phone(raw).map(Caller)
    }

    /// An email address, in any case.
    pub fn email(raw: &str) -> Result<Self, CallerError> {
        Identifier::email(raw).map(Caller)
    }

    /// A lower-case SQL `LIKE` pattern that every stored envelope naming this
    /// caller matches (others may too; [`matches`](Self::matches) decides).
    pub fn like_pattern(&self) -> String {
        self.0.like_pattern()
    }

    /// Whether the envelope names this caller in one of its caller fields.
    pub fn matches(&self, envelope: &Value) -> bool {
        let paths: &[&str] = match self.0 {
            Identifier::Phone(_) => &CALLER_PHONES,
            Identifier::Email(_) => &CALLER_EMAILS,
            Identifier::CallId(_) => &[],
        };
        paths
            .iter()
            .filter_map(|p| envelope.pointer(p)?.as_str())
            .any(|field| self.0.in_text(field))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lead(phone: &str, email: &str) -> Value {
        json!({"type": "lead.captured", "data": {"call_id": "c", "agent_id": "a",
            "to_number": "+15557654321", "lead": {"phone": phone, "email": email}}})
    }

    #[test]
    fn a_phone_matches_in_every_common_format() {
        let stored = lead("+14155550123", "x@example.com");
        for form in [
            "+14155550123",
            "(415) 555-0123",
            "415.555.0123",
            "1-415-555-0123",
            "+1 415 555 0123",
            "0014155550123",
        ] {
            let who = Caller::phone(form).unwrap();
            assert!(who.matches(&stored), "{form}");
            assert_eq!(who.like_pattern(), "%0123%");
        }
        for other in ["+14155550124", "+4415550123"] {
            assert!(!Caller::phone(other).unwrap().matches(&stored), "{other}");
        }
    }

    #[test]
    fn a_national_number_with_a_trunk_zero_matches_its_e164_form() {
        let stored = json!({"data": {"from_number": "+442079460958"}});
        assert!(Caller::phone("020 7946 0958").unwrap().matches(&stored));
    }

    #[test]
    fn the_business_number_is_not_the_caller() {
        let stored = lead("+14155550123", "x@example.com");
        assert!(!Caller::phone("+15557654321").unwrap().matches(&stored));
    }

    #[test]
    fn an_email_matches_in_any_case() {
        let stored = lead("+14155550123", "Jordan.Reyes@Example.com");
        let who = Caller::email(" JORDAN.reyes@example.COM ").unwrap();
        assert!(who.matches(&stored));
        assert_eq!(who.like_pattern(), "%jordan.reyes@example.com%");
        assert!(!Caller::email("reyes@example.com").unwrap().matches(&stored));
    }

    #[test]
    fn what_is_not_a_phone_or_an_email_is_refused() {
        for bad in [
            "",
            "555-01",
            "call me",
            "+1 415 555 0123 ext 9",
            "1234567890123456",
        ] {
            assert!(Caller::phone(bad).is_err(), "{bad:?}");
        }
        for bad in ["", "jordan", "@example.com", "jordan@"] {
            assert!(Caller::email(bad).is_err(), "{bad:?}");
        }
    }
}
