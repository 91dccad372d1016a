//! Who called, as a find-or-create connector looks them up in a vendor's
//! records: a usable email, and the caller's number in every form worth
//! searching by. Events carry numbers as carriers and callers wrote them
//! (`(512) 555-0142`, `+1 512.555.0142`), and staff may have typed either
//! form into the vendor, so a number is searched as E.164 and as given.

use serde_json::Value;

use crate::template::to_e164;

/// The name a vendor record gets when the event names nobody and the
/// vendor requires one.
pub const UNKNOWN_CALLER: &str = "Unknown caller";

/// The caller a template rendered as `{"name", "email", "phone"}`; each
/// part may be missing or empty (a withheld number, no email given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's name, if the event gives one.
    pub name: Option<String>,
    /// A usable email, lowercased.
    pub email: Option<String>,
    /// The caller's number.
    pub phone: Option<Phone>,
}

impl Caller {
    /// Reads `{"name", "email", "phone"}`; `country` reads national
    /// numbers. An error names the key that is not a string.
    pub fn read(v: &Value, country: Option<&str>) -> Result<Caller, String> {
        if !v.is_object() {
            return Err("must be an object {\"name\", \"email\", \"phone\"}".into());
        }
        Ok(Caller {
            name: text(v, "name")?,
            email: email(text(v, "email")?.as_deref()),
            phone: Phone::parse(text(v, "phone")?.as_deref(), country),
        })
    }

    /// Whether a vendor can find this caller again (by email or number).
    pub fn has_key(&self) -> bool {
        self.email.is_some() || self.phone.is_some()
    }

    /// The name to show: the caller's, else the email, else the number,
    /// else [`UNKNOWN_CALLER`].
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.email.clone())
            .or_else(|| self.phone.as_ref().map(|p| p.best().to_owned()))
            .unwrap_or_else(|| UNKNOWN_CALLER.to_owned())
    }
}

/// A trimmed, non-empty string field of `obj` (`None` when missing, null
/// or blank); an error naming `key` when it is not a string.
pub fn text(obj: &Value, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(other) => Err(format!("`{key}` must be a string, not {other}")),
    }
}

/// A caller's number in the forms worth searching a vendor by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// The number as the event carried it (trimmed).
    pub raw: String,
    /// Its E.164 form, when it has one: an international number, or a
    /// national one read in the connector's configured country.
    pub e164: Option<String>,
}

impl Phone {
    /// `None` for a missing or blank value. A national number is read in
    /// `country` (ISO 3166 alpha-2) when given, never guessed.
    pub fn parse(raw: Option<&str>, country: Option<&str>) -> Option<Self> {
        let raw = raw?.trim();
        if raw.is_empty() {
            return None;
        }
        Some(Phone {
            raw: raw.to_owned(),
            e164: to_e164(raw, country).ok(),
        })
    }

    /// What is written to the vendor: the E.164 form, else the raw text.
    pub fn best(&self) -> &str {
        self.e164.as_deref().unwrap_or(&self.raw)
    }

    /// The distinct forms to search by, best first.
    pub fn forms(&self) -> Vec<&str> {
        let mut out = vec![self.best()];
        if self.raw != self.best() {
            out.push(&self.raw);
        }
        out
    }

    /// Whether a value the vendor holds is this number (in any format the
    /// same country reading gives).
    pub fn matches(&self, stored: &str, country: Option<&str>) -> bool {
        let stored = stored.trim();
        stored == self.raw || (self.e164.is_some() && to_e164(stored, country).ok() == self.e164)
    }
}

/// The email lowercased and trimmed, if a vendor would take it as one
/// (vendors answer 400 to anything else, which would lose the whole event).
pub fn email(raw: Option<&str>) -> Option<String> {
    let e = raw?.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let plausible = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace);
    plausible.then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_searched_as_e164_and_as_given() {
        let p = Phone::parse(Some(" +1 (512) 555-0142 "), None).unwrap();
        assert_eq!(p.forms(), ["+15125550142", "+1 (512) 555-0142"]);
        assert!(p.matches("+15125550142", None));
        let national = Phone::parse(Some("(512) 555-0142"), None).unwrap();
        assert_eq!(
            (national.best(), national.forms().len()),
            ("(512) 555-0142", 1)
        );
        let read_in_us = Phone::parse(Some("(512) 555-0142"), Some("US")).unwrap();
        assert_eq!(read_in_us.best(), "+15125550142");
        assert!(read_in_us.matches("512.555.0142", Some("US")));
        assert!(!read_in_us.matches("+442079460958", Some("US")));
        assert_eq!(Phone::parse(Some("  "), None), None);
        assert_eq!(Phone::parse(None, None), None);
    }

    #[test]
    fn a_rendered_caller_may_lack_every_part() {
        let v = serde_json::json!({"name": " ", "email": "not mail", "phone": ""});
        let c = Caller::read(&v, None).unwrap();
        assert!(!c.has_key());
        assert_eq!(c.display_name(), UNKNOWN_CALLER);
        let v = serde_json::json!({"email": "A@B.co", "phone": "+1 512 555 0142"});
        let c = Caller::read(&v, None).unwrap();
        assert_eq!(c.display_name(), "a@b.co");
        let err = Caller::read(&serde_json::json!({"phone": 5125550142u64}), None).unwrap_err();
        assert!(err.contains("`phone`"), "{err}");
    }

    #[test]
    fn only_plausible_emails_are_kept() {
        assert_eq!(
            email(Some(" Jordan@Example.COM ")).as_deref(),
            Some("jordan@example.com")
        );
        for bad in ["", "jordan", "a@b", "a b@c.de", "@c.de", "a@c.", "a@@c.de"] {
            assert_eq!(email(Some(bad)), None, "{bad}");
        }
    }
}
