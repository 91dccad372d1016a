//! Wall-clock time as stored: milliseconds since the Unix epoch, shown as RFC 3339 UTC.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Milliseconds since the Unix epoch. Storage keeps every instant in this unit
/// so SQLite and PostgreSQL compare them the same way.
pub type Millis = i64;

/// The current time in [`Millis`].
pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

/// Formats stored milliseconds as RFC 3339 UTC with millisecond precision.
pub fn rfc3339(ms: Millis) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serializes stored [`Millis`] as [`rfc3339`] text: storage types keep
/// numbers, and the API shows them formatted
/// (`#[serde(serialize_with = "crate::time::serialize_rfc3339")]`).
pub fn serialize_rfc3339<S: serde::Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*ms))
}

/// [`serialize_rfc3339`] for an optional instant (`null` when absent).
pub fn serialize_rfc3339_opt<S: serde::Serializer>(
    ms: &Option<Millis>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_some(&rfc3339(*ms)),
        None => s.serialize_none(),
    }
}

/// Parses an RFC 3339 instant (any offset) into [`Millis`].
pub fn parse_rfc3339(s: &str) -> Result<Millis, chrono::ParseError> {
    Ok(DateTime::parse_from_rfc3339(s)?.timestamp_millis())
}
