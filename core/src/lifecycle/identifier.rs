//! Who an erasure is about: a caller's phone number, email address or call
//! id, normalised so the forms a payload may hold all match, and hashed for
//! the erasure record (which must not name the caller in clear).
//!
//! Pure: the storage layer asks it which stored JSON mentions the caller.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Fewest digits a phone number is matched on: shorter runs (a house number,
/// a zip code) are not phone numbers.
const MIN_PHONE_DIGITS: usize = 7;
/// Most digits an E.164 number has.
const MAX_PHONE_DIGITS: usize = 15;
/// Longest calling code a national form may leave out.
const MAX_CALLING_CODE: usize = 3;

/// Why an erasure request names nobody.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// Not 7 to 15 digits once spaces, dashes, dots and brackets are removed.
    #[error("'{0}' is not a phone number: give 7 to 15 digits, e.g. \"+14155550123\"")]
    Phone(String),
    /// No `@` with something on both sides.
    #[error("'{0}' is not an email address")]
    Email(String),
    /// Empty or blank.
    #[error("call_id must not be empty")]
    CallId,
}

/// A caller, as an erasure names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// A phone number's digits (a leading `00` or `+` dropped).
    Phone(String),
    /// An email address, lower-cased.
    Email(String),
    /// A call id, exactly.
    CallId(String),
}

impl Identifier {
    /// A phone number in any common form (`+1 415-555-0123`, `(415) 555 0123`).
    pub fn phone(raw: &str) -> Result<Self, IdentifierError> {
        let bad = || IdentifierError::Phone(raw.to_owned());
        if raw
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-.()/".contains(c)))
        {
            return Err(bad());
        }
        let digits = international(&digits_of(raw));
        if !(MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len()) {
            return Err(bad());
        }
        Ok(Identifier::Phone(digits))
    }

    /// An email address, in any case.
    pub fn email(raw: &str) -> Result<Self, IdentifierError> {
        let email = raw.trim().to_lowercase();
        match email.split_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                Ok(Identifier::Email(email))
            }
            _ => Err(IdentifierError::Email(raw.to_owned())),
        }
    }

    /// A call id.
    pub fn call_id(raw: &str) -> Result<Self, IdentifierError> {
        let id = raw.trim();
        if id.is_empty() {
            return Err(IdentifierError::CallId);
        }
        Ok(Identifier::CallId(id.to_owned()))
    }

    /// `phone`, `email` or `call_id`.
    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Phone(_) => "phone",
            Identifier::Email(_) => "email",
            Identifier::CallId(_) => "call_id",
        }
    }

    /// SHA-256 (hex) of the kind and the normalised value: the erasure
    /// record keeps this, so an operator can tell whether a given caller was
    /// erased without the record naming them.
    pub fn hash(&self) -> String {
        let (Identifier::Phone(v) | Identifier::Email(v) | Identifier::CallId(v)) = self;
        hex::encode(Sha256::digest(format!("{}:{v}", self.kind())))
    }

    /// A lower-case SQL `LIKE` pattern every stored JSON text that mentions
    /// the caller matches (it may match more; [`Identifier::in_json`] decides).
    /// A phone is found by its last four digits, which every common format
    /// writes together.
    pub fn like_pattern(&self) -> String {
        let needle = match self {
            Identifier::Phone(d) => d[d.len() - 4..].to_owned(),
            Identifier::Email(e) => e.clone(),
            Identifier::CallId(id) => id.to_lowercase(),
        };
        let escaped: String = needle
            .chars()
            .map(|c| if matches!(c, '%' | '_') { '_' } else { c })
            .collect();
        format!("%{escaped}%")
    }

    /// Whether any string in this JSON text (keys aside) mentions the caller.
    /// Text that is not JSON is searched as one string.
    pub fn in_json(&self, text: &str) -> bool {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => self.in_value(&v),
            Err(_) => self.in_text(text),
        }
    }

    fn in_value(&self, v: &Value) -> bool {
        match v {
            Value::String(s) => self.in_text(s),
            Value::Array(items) => items.iter().any(|i| self.in_value(i)),
            Value::Object(map) => map.values().any(|i| self.in_value(i)),
            _ => false,
        }
    }

    /// Whether one string mentions the caller.
    pub fn in_text(&self, s: &str) -> bool {
        match self {
            Identifier::Phone(digits) => phone_runs(s).iter().any(|run| same_phone(run, digits)),
            Identifier::Email(email) => contains_email(&s.to_lowercase(), email),
            Identifier::CallId(id) => s.contains(id.as_str()),
        }
    }
}

fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Drops the `00` international prefix (`0044...` is `+44...`).
fn international(digits: &str) -> String {
    digits.strip_prefix("00").unwrap_or(digits).to_owned()
}

/// Runs of digits written as one number: digits joined by spaces, dashes,
/// dots, slashes or brackets, with 7 to 15 digits.
fn phone_runs(s: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut current = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            current.push(c);
        } else if !" +-.()/".contains(c) {
            push_run(&mut runs, std::mem::take(&mut current));
        }
    }
    push_run(&mut runs, current);
    runs
}

fn push_run(runs: &mut Vec<String>, run: String) {
    let run = international(&run);
    if (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&run.len()) {
        runs.push(run);
    }
}

/// Whether two digit strings are one number, one of them perhaps written
/// nationally: without its calling code, and with a trunk `0` instead
/// (`020 7946 0958` is `+44 20 7946 0958`).
fn same_phone(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let national = short.strip_prefix('0').unwrap_or(short);
    let extra = long.len().saturating_sub(national.len());
    national.len() >= MIN_PHONE_DIGITS
        && (1..=MAX_CALLING_CODE).contains(&extra)
        && long.ends_with(national)
}

/// Whether `text` holds `email` as a whole address (not the tail of a longer one).
fn contains_email(text: &str, email: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
    text.match_indices(email).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + email.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(|c| part(c) && c != '.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_matches_in_every_common_form() {
        let who = Identifier::phone("+1 (415) 555-0123").unwrap();
        for form in [
            "+14155550123",
            "(415) 555-0123",
            "415.555.0123",
            "1-415-555-0123",
            "call me on 415 555 0123 tonight",
            "0014155550123",
        ] {
            assert!(who.in_text(form), "{form}");
        }
        for other in ["+14155550124", "555-0123", "+4415550123"] {
            assert!(!who.in_text(other), "{other}");
        }
    }

    #[test]
    fn a_national_number_with_a_trunk_zero_matches_its_e164_form() {
        let who = Identifier::phone("020 7946 0958").unwrap();
        assert!(who.in_text("+44 20 7946 0958"));
        let who = Identifier::phone("+442079460958").unwrap();
        assert!(who.in_text("020 7946 0958"));
    }

    #[test]
    fn an_email_matches_in_any_case_but_not_inside_a_longer_address() {
        let who = Identifier::email("Ana.Reyes@Example.com").unwrap();
        assert!(who.in_text("ana.reyes@example.COM"));
        assert!(who.in_text("mailto:ANA.REYES@example.com."));
        assert!(!who.in_text("juana.reyes@example.com"));
        assert!(!who.in_text("ana.reyes@example.community"));
    }

    #[test]
    fn json_is_searched_in_values_at_any_depth() {
        let who = Identifier::call_id("call_42").unwrap();
        assert!(who.in_json(r#"{"data":{"links":["https://x/calls/call_42/rec"]}}"#));
        assert!(!who.in_json(r#"{"call_42":1}"#));
    }

    #[test]
    fn bad_identifiers_are_refused_and_hashes_hide_the_value() {
        assert!(Identifier::phone("12345").is_err());
        assert!(Identifier::phone("call me").is_err());
        assert!(Identifier::email("nobody").is_err());
        assert!(Identifier::call_id(" ").is_err());
        let a = Identifier::phone("+1 415 555 0123").unwrap();
        let b = Identifier::phone("+14155550123").unwrap();
        assert_eq!(a.hash(), b.hash());
        assert!(!a.hash().contains("4155550123"));
        assert_eq!(a.like_pattern(), "%0123%");
    }
}
