//! `rate_limit` of a `[[connectors]]` entry: a number (requests per second)
//! or a table `{ per_second = 5, burst = 10 }`.

use std::fmt;

use serde::{
    de::{self, MapAccess, Visitor},
    Deserialize, Deserializer, Serialize,
};

/// How fast attempts of one connector may start: a token bucket refilled at
/// `per_second`, holding at most `burst` tokens (each attempt takes one).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RateLimit {
    /// Sustained attempts per second (fractions allowed: 0.5 is one every two seconds).
    pub per_second: f64,
    /// Attempts that may start at once after a quiet spell; at least 1.
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` with the default burst: that rate rounded up, at least 1.
    pub fn per_second(per_second: f64) -> Self {
        RateLimit {
            per_second,
            burst: (per_second.ceil() as u32).max(1),
        }
    }
}

/// The table form, typos refused with the key named.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    per_second: f64,
    burst: Option<u32>,
}

impl<'de> Deserialize<'de> for RateLimit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RateLimit;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "requests per second (e.g. 5) or a table { per_second = 5, burst = 10 }",
                )
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RateLimit, E> {
                checked(RateLimit::per_second(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RateLimit, E> {
                self.visit_f64(v as f64)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RateLimit, E> {
                self.visit_f64(v as f64)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RateLimit, A::Error> {
                let t = Table::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let mut limit = RateLimit::per_second(t.per_second);
                if let Some(burst) = t.burst {
                    limit.burst = burst;
                }
                checked(limit)
            }
        }
        d.deserialize_any(V)
    }
}

fn checked<E: de::Error>(limit: RateLimit) -> Result<RateLimit, E> {
    if !(limit.per_second.is_finite() && limit.per_second > 0.0) {
        return Err(E::custom(format!(
            "rate_limit: per_second must be above 0, not {}",
            limit.per_second
        )));
    }
    if limit.burst == 0 {
        return Err(E::custom("rate_limit: burst must be at least 1"));
    }
    Ok(limit)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    const BASE: &str = "[server]\ningest_token = \"i\"\nadmin_token = \"a\"\n[[connectors]]\nname = \"crm\"\nkind = \"webhook\"\nurl = \"https://x\"\n";

    fn parse(line: &str) -> Result<Option<super::RateLimit>, String> {
        Config::from_toml(&format!("{BASE}{line}\n"), "t")
            .map(|c| c.connectors[0].rate_limit)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_number_or_a_table() {
        assert_eq!(parse("").unwrap(), None);
        let n = parse("rate_limit = 5").unwrap().unwrap();
        assert_eq!((n.per_second, n.burst), (5.0, 5));
        let f = parse("rate_limit = 0.5").unwrap().unwrap();
        assert_eq!((f.per_second, f.burst), (0.5, 1));
        let f = parse("rate_limit = 2.5").unwrap().unwrap();
        assert_eq!(f.burst, 3);
        let t = parse("rate_limit = { per_second = 5, burst = 10 }")
            .unwrap()
            .unwrap();
        assert_eq!((t.per_second, t.burst), (5.0, 10));
        let t = parse("rate_limit = { per_second = 4 }").unwrap().unwrap();
        assert_eq!(t.burst, 4);
        // The settings the kind parses do not see it.
        let c = Config::from_toml(&format!("{BASE}rate_limit = 5\n"), "t").unwrap();
        assert!(!c.connectors[0].settings.contains_key("rate_limit"));
    }

    #[test]
    fn mistakes_are_named() {
        for (line, needle) in [
            ("rate_limit = { per_second = 5, burts = 10 }", "burts"),
            ("rate_limit = { burst = 10 }", "per_second"),
            ("rate_limit = 0", "above 0"),
            ("rate_limit = -2", "above 0"),
            ("rate_limit = { per_second = 5, burst = 0 }", "at least 1"),
            ("rate_limit = \"fast\"", "requests per second"),
        ] {
            let err = parse(line).unwrap_err();
            assert!(err.contains(needle), "{line}: {err}");
            assert!(err.contains("rate_limit"), "{line}: {err}");
        }
    }
}
