//! Callers' numbers arrive as carriers and callers write them
//! (`(512) 555-0142`, `+1 512.555.0142`); a contact is found by the E.164
//! form and by the raw text, since staff may have typed either into HubSpot.

/// A caller's number in the forms worth searching HubSpot by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// The number as the event carried it (trimmed).
    pub raw: String,
    /// Its E.164 form (North American default for 10-digit numbers), if it has one.
    pub e164: Option<String>,
}

impl Phone {
    /// `None` for an empty or blank value.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        Some(Phone {
            raw: raw.to_owned(),
            e164: e164(raw),
        })
    }

    /// What is written to HubSpot: the E.164 form, else the raw text.
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

    /// Whether a value HubSpot holds is this number (in any format).
    pub fn matches(&self, stored: &str) -> bool {
        let stored = stored.trim();
        stored == self.raw || (self.e164.is_some() && e164(stored) == self.e164)
    }
}

/// E.164 form of a phone number, if it is one (a bare 10-digit number is
/// taken as North American, as the rest of Switchboard does).
fn e164(raw: &str) -> Option<String> {
    if raw
        .chars()
        .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
    {
        return None;
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let full = if raw.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if digits.len() == 11 && digits.starts_with('1') {
        digits
    } else if digits.len() == 10 {
        format!("1{digits}")
    } else {
        return None;
    };
    (8..=15).contains(&full.len()).then(|| format!("+{full}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carrier_formats_share_one_e164_form() {
        for raw in [
            "(512) 555-0142",
            "512.555.0142",
            "+1 (512) 555-0142",
            "5125550142",
        ] {
            assert_eq!(
                Phone::parse(raw).unwrap().e164.as_deref(),
                Some("+15125550142"),
                "{raw}"
            );
        }
        let uk = Phone::parse("+44 20 7946 0958").unwrap();
        assert_eq!(uk.forms(), ["+442079460958", "+44 20 7946 0958"]);
        assert!(uk.matches("+442079460958") && !uk.matches("+15125550142"));
    }

    #[test]
    fn what_is_no_number_stays_raw_or_absent() {
        assert_eq!(Phone::parse("  "), None);
        let odd = Phone::parse("ext. 12").unwrap();
        assert_eq!((odd.best(), odd.forms().len()), ("ext. 12", 1));
    }
}
