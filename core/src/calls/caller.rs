//! A caller as an operator searches for one: a phone number in any common
//! format or an email address in any case, matched against the fields of an
//! event that name the caller (not the business's own number, nor a
//! transfer's target).
//!
//! Pure: storage narrows the events with [`Caller::like_pattern`] and asks
//! [`Caller::matches`] about each envelope it found.

use serde_json::Value;

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
/// Fewest digits a phone number has (shorter runs are extensions, zip codes).
const MIN_PHONE_DIGITS: usize = 7;
/// Most digits an E.164 number has.
const MAX_PHONE_DIGITS: usize = 15;
/// Longest calling code a national form leaves out.
const MAX_CALLING_CODE: usize = 3;

/// Why a search names nobody.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallerError {
    /// Not 7 to 15 digits once spaces, dashes, dots and brackets are removed.
    #[error("'{0}' is not a phone number: give 7 to 15 digits, e.g. \"+14155550123\" or \"(415) 555-0123\"")]
    Phone(String),
    /// No `@` with something on both sides.
    #[error("'{0}' is not an email address")]
    Email(String),
}

/// A caller to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A phone number's digits (an international `00` or `+` dropped).
    Phone(String),
    /// An email address, lower-cased.
    Email(String),
}

impl Caller {
    /// A phone number in any common form (`+1 415-555-0123`, `(415) 555 0123`).
    pub fn phone(raw: &str) -> Result<Self, CallerError> {
        digits(raw)
            .map(Caller::Phone)
            .ok_or_else(|| CallerError::Phone(raw.to_owned()))
    }

    /// An email address, in any case.
    pub fn email(raw: &str) -> Result<Self, CallerError> {
        let email = raw.trim().to_lowercase();
        match email.split_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                Ok(Caller::Email(email))
            }
            _ => Err(CallerError::Email(raw.to_owned())),
        }
    }

    /// A lower-case SQL `LIKE` pattern that every stored envelope naming this
    /// caller matches (others may too; [`matches`](Self::matches) decides).
    /// A phone number is found by its last four digits, which every common
    /// format writes together.
    pub fn like_pattern(&self) -> String {
        let needle = match self {
            Caller::Phone(d) => &d[d.len() - 4..],
            Caller::Email(e) => e.as_str(),
        };
        // `_` matches any one character: `%` and `_` in the needle stay
        // harmless wildcards, and `matches` has the last word.
        let escaped: String = needle
            .chars()
            .map(|c| if matches!(c, '%' | '_') { '_' } else { c })
            .collect();
        format!("%{escaped}%")
    }

    /// Whether the envelope names this caller in one of its caller fields.
    pub fn matches(&self, envelope: &Value) -> bool {
        let fields = |paths: &'static [&'static str]| {
            paths
                .iter()
                .filter_map(|p| envelope.pointer(p)?.as_str())
                .collect::<Vec<_>>()
        };
        match self {
            Caller::Phone(wanted) => fields(&CALLER_PHONES)
                .into_iter()
                .filter_map(digits)
                .any(|found| same_phone(&found, wanted)),
            Caller::Email(wanted) => fields(&CALLER_EMAILS)
                .into_iter()
                .any(|found| found.trim().eq_ignore_ascii_case(wanted)),
        }
    }
}

/// The digits of a phone number written with spaces, dashes, dots, slashes
/// or brackets, the `00` international prefix dropped; `None` when it is
/// anything else, or too short or long for a phone number.
fn digits(raw: &str) -> Option<String> {
    if raw
        .chars()
        .any(|c| !(c.is_ascii_digit() || " +-.()/".contains(c)))
    {
        return None;
    }
    let all: String = raw.chars().filter(char::is_ascii_digit).collect();
    let number = all.strip_prefix("00").unwrap_or(&all).to_owned();
    (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS)
        .contains(&number.len())
        .then_some(number)
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
