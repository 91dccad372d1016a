//! The envelope the templates render against.

use serde_json::Value;

/// The event, with a booking's missing, empty or unknown time zone (not in
/// the tz database) set to `UTC`: the confirmation is still sent, and its
/// time says which zone it is in.
pub fn context(mut envelope: Value) -> Value {
    if let Some(booking) = envelope
        .pointer_mut("/data/booking")
        .and_then(Value::as_object_mut)
    {
        let known = booking
            .get("timezone")
            .and_then(Value::as_str)
            .is_some_and(|tz| tz.parse::<chrono_tz::Tz>().is_ok());
        if !known {
            booking.insert("timezone".into(), "UTC".into());
        }
    }
    envelope
}
