//! Phone numbers to E.164 (`+` and 8 to 15 digits). A number written
//! internationally (`+44 ...`, `0044 ...`) is unambiguous; a national one
//! (`020 7946 0958`, `(512) 555-0142`) needs its country, which is never
//! guessed: the same digits are a different person in another country.

/// Why a number could not be written in E.164.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Letters or other characters a phone number does not hold, or a
    /// digit count E.164 does not allow.
    #[error("'{0}' is not a phone number that can be written in E.164")]
    NotAPhone(String),
    /// A national number (no `+` or `00`) and no country to read it in.
    #[error("'{0}' is a national number: its country is needed to write it in E.164")]
    National(String),
    /// A country that is neither a known ISO 3166 alpha-2 code nor a calling code.
    #[error("unknown country '{0}': use an ISO 3166 alpha-2 code such as \"US\" or \"GB\"")]
    UnknownCountry(String),
}

/// A country's calling code and the trunk prefix its national numbers
/// start with (dropped in E.164).
#[derive(Debug, Clone, Copy)]
struct Dialing {
    code: &'static str,
    trunk: &'static str,
}

/// The North American Numbering Plan: calling code 1, trunk prefix 1.
const NANP: [&str; 25] = [
    "US", "CA", "PR", "VI", "GU", "AS", "MP", "AG", "AI", "BB", "BM", "BS", "DM", "DO", "GD", "JM",
    "KN", "KY", "LC", "MS", "SX", "TC", "TT", "VC", "VG",
];

/// Other countries: (ISO code, calling code, trunk prefix). Italy keeps its
/// leading 0 in E.164; Spain and Mexico have no trunk prefix.
const OTHERS: [(&str, &str, &str); 12] = [
    ("GB", "44", "0"),
    ("IE", "353", "0"),
    ("AU", "61", "0"),
    ("NZ", "64", "0"),
    ("DE", "49", "0"),
    ("FR", "33", "0"),
    ("ES", "34", ""),
    ("IT", "39", ""),
    ("NL", "31", "0"),
    ("MX", "52", ""),
    ("BR", "55", "0"),
    ("IN", "91", "0"),
];

fn dialing(country: &str) -> Result<Dialing, PhoneError> {
    let c = country.trim().to_ascii_uppercase();
    if NANP.contains(&c.as_str()) {
        return Ok(Dialing {
            code: "1",
            trunk: "1",
        });
    }
    if let Some((_, code, trunk)) = OTHERS.iter().find(|(iso, _, _)| *iso == c) {
        return Ok(Dialing { code, trunk });
    }
    Err(PhoneError::UnknownCountry(country.to_owned()))
}

/// Whether `country` is an ISO 3166 alpha-2 code this module can read
/// national numbers in.
pub fn known_country(country: &str) -> bool {
    dialing(country).is_ok()
}

/// `raw` in E.164. `country` (ISO 3166 alpha-2, e.g. `"GB"`; a bare calling
/// code such as `"44"` is still read, as before) reads national numbers;
/// without it only `+`/`00` numbers are written and a national number is
/// [`PhoneError::National`].
pub fn to_e164(raw: &str, country: Option<&str>) -> Result<String, PhoneError> {
    let trimmed = raw.trim();
    let bad = || PhoneError::NotAPhone(raw.to_owned());
    if trimmed
        .chars()
        .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
        || trimmed[1.min(trimmed.len())..].contains('+')
    {
        return Err(bad());
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let full = if trimmed.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else {
        national(&digits, country, raw)?
    };
    if (8..=15).contains(&full.len()) && !full.starts_with('0') {
        Ok(format!("+{full}"))
    } else {
        Err(bad())
    }
}

/// The E.164 digits of a national number in `country`.
fn national(digits: &str, country: Option<&str>, raw: &str) -> Result<String, PhoneError> {
    let Some(country) = country.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(PhoneError::National(raw.trim().to_owned()));
    };
    // A bare calling code (the helper's older `country="1"`): strip zeros.
    if country.chars().all(|c| c.is_ascii_digit()) {
        if country == "1" && digits.len() == 11 && digits.starts_with('1') {
            return Ok(digits.to_owned());
        }
        return Ok(format!("{country}{}", digits.trim_start_matches('0')));
    }
    let d = dialing(country)?;
    if d.code == "1" {
        // NANP numbers are 10 digits, 11 with the trunk 1.
        return match digits.len() {
            10 => Ok(format!("1{digits}")),
            11 if digits.starts_with('1') => Ok(digits.to_owned()),
            _ => Err(PhoneError::NotAPhone(raw.to_owned())),
        };
    }
    let rest = if d.trunk.is_empty() {
        digits
    } else {
        digits.strip_prefix(d.trunk).unwrap_or(digits)
    };
    Ok(format!("{}{rest}", d.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(raw: &str, c: Option<&str>) -> Result<String, PhoneError> {
        to_e164(raw, c)
    }

    #[test]
    fn international_numbers_need_no_country() {
        assert_eq!(e("+44 20 7946 0958", None).unwrap(), "+442079460958");
        assert_eq!(e("0044 20 7946 0958", None).unwrap(), "+442079460958");
        assert_eq!(e(" +1 (512) 555-0142 ", None).unwrap(), "+15125550142");
    }

    #[test]
    fn national_numbers_are_never_guessed() {
        assert_eq!(
            e("020 7946 0958", None),
            Err(PhoneError::National("020 7946 0958".into()))
        );
        assert_eq!(
            e("5125550142", None),
            Err(PhoneError::National("5125550142".into()))
        );
    }

    #[test]
    fn national_numbers_in_their_country() {
        let cases = [
            ("020 7946 0958", "GB", "+442079460958"),
            ("07700 900123", "gb", "+447700900123"),
            ("(512) 555-0142", "US", "+15125550142"),
            ("1 512 555 0142", "CA", "+15125550142"),
            ("087 123 4567", "IE", "+353871234567"),
            ("02 9876 5432", "AU", "+61298765432"),
            ("09 123 4567", "NZ", "+6491234567"),
            ("030 1234567", "DE", "+49301234567"),
            ("01 23 45 67 89", "FR", "+33123456789"),
            ("912 345 678", "ES", "+34912345678"),
            ("06 1234 5678", "IT", "+390612345678"),
            ("020 123 4567", "NL", "+31201234567"),
            ("55 1234 5678", "MX", "+525512345678"),
            ("011 2345 6789", "BR", "+551123456789"),
            ("098765 43210", "IN", "+919876543210"),
        ];
        for (raw, country, want) in cases {
            assert_eq!(
                e(raw, Some(country)).as_deref(),
                Ok(want),
                "{raw} in {country}"
            );
        }
    }

    #[test]
    fn bad_input_is_named() {
        assert!(known_country("gb") && known_country("PR") && !known_country("XX"));
        assert!(matches!(e("call me", None), Err(PhoneError::NotAPhone(_))));
        assert!(matches!(e("12", Some("US")), Err(PhoneError::NotAPhone(_))));
        assert!(matches!(
            e("555 0142", Some("US")),
            Err(PhoneError::NotAPhone(_))
        ));
        assert!(matches!(
            e("1+2345678901", None),
            Err(PhoneError::NotAPhone(_))
        ));
        assert_eq!(
            e("020 7946 0958", Some("XX")),
            Err(PhoneError::UnknownCountry("XX".into()))
        );
    }
}
