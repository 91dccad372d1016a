//! From an event to Twilio's form fields: the template renders a JSON
//! object of parameters; the connector fixes what events leave out (a
//! booking's time zone), adds the sender, reads `To` as E.164 in
//! `default_country`, and writes `Body` in GSM-7 within two segments.

use serde_json::Value;
use switchboard_core::{
    connector::MappingError,
    template::{to_e164, PhoneError, Template},
};

use crate::{gsm7, Twilio};

/// Twilio's limit on `Body`, in characters.
pub const MAX_BODY: usize = 1600;

/// The envelope templates render against: the event, with a booking's
/// missing, empty or unknown time zone (not in the tz database) set to
/// `UTC`, so the confirmation is sent and says which zone its time is in.
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

/// Where in the event a string appears (`data.lead.phone`), for errors.
fn fields_holding(v: &Value, needle: &str, at: &str, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.trim() == needle => out.push(at.to_owned()),
        Value::Object(o) => {
            for (k, v) in o {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                fields_holding(v, needle, &path, out);
            }
        }
        _ => {}
    }
}

impl Twilio {
    /// The form fields in a stable order (`To`, sender, the template's), or
    /// `None` when the event has no recipient (no phone number at all).
    pub(crate) fn params(
        &self,
        t: &Template,
        rendered: Value,
        event: &Value,
    ) -> Result<Option<Vec<(String, String)>>, MappingError> {
        let fail = |m: String| MappingError::from(t.error(m));
        let Value::Object(map) = rendered else {
            return Err(fail(
                "output must be a JSON object of Twilio parameters".into(),
            ));
        };
        let mut rest = Vec::new();
        let mut template_to = String::new();
        for (k, v) in map {
            let v = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => return Err(fail(format!("`{k}` must be a string, not {other}"))),
            };
            match k.as_str() {
                "To" => template_to = v,
                "From" | "MessagingServiceSid" => {
                    return Err(fail(format!(
                        "leave `{k}` out: the connector sets it from its config"
                    )))
                }
                "Body" => rest.push((k, gsm7::sms_body(&v))),
                _ => rest.push((k, v)),
            }
        }
        let to = match &self.to {
            Some(to) => to.clone(),
            None if template_to.trim().is_empty() => return Ok(None),
            None => self.recipient(&template_to, event).map_err(fail)?,
        };
        check_content(&rest).map_err(fail)?;
        let mut params = vec![
            ("To".to_owned(), to),
            (self.sender.0.to_owned(), self.sender.1.clone()),
        ];
        params.extend(rest);
        Ok(Some(params))
    }

    /// The template's `To` in E.164, or why it cannot be written so.
    fn recipient(&self, raw: &str, event: &Value) -> Result<String, String> {
        let err = match to_e164(raw, self.country.as_deref()) {
            Ok(number) => return Ok(number),
            Err(e) => e,
        };
        let mut fields = Vec::new();
        fields_holding(event, raw.trim(), "", &mut fields);
        let from = match fields.is_empty() {
            true => String::new(),
            false => format!(" (from {})", fields.join(" / ")),
        };
        Err(match err {
            PhoneError::National(n) => format!(
                "`To` '{n}'{from} is a national number without its country code: \
                 set `default_country` (ISO 3166 alpha-2, e.g. \"US\" or \"GB\") on this \
                 twilio connector so it can be written in E.164"
            ),
            other => format!("`To`{from}: {other}"),
        })
    }
}

/// One of `Body`, `MediaUrl`, `ContentSid`, and a `Body` Twilio accepts.
fn check_content(rest: &[(String, String)]) -> Result<(), String> {
    match rest.iter().find(|(k, _)| k == "Body") {
        Some((_, body)) if body.trim().is_empty() => Err("`Body` is empty".into()),
        Some((_, body)) if body.chars().count() > MAX_BODY => {
            Err(format!("`Body` is longer than {MAX_BODY} characters"))
        }
        None if !rest
            .iter()
            .any(|(k, _)| k == "MediaUrl" || k == "ContentSid") =>
        {
            Err("one of `Body`, `MediaUrl` or `ContentSid` is required".into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_missing_or_unknown_booking_time_zone_becomes_utc() {
        for tz in [json!(null), json!(""), json!("Mars/Olympus_Mons")] {
            let ctx = context(json!({"data": {"booking": {"start": "x", "timezone": tz}}}));
            assert_eq!(ctx["data"]["booking"]["timezone"], "UTC", "{tz}");
        }
        let ctx = context(json!({"data": {"booking": {"timezone": "America/Chicago"}}}));
        assert_eq!(ctx["data"]["booking"]["timezone"], "America/Chicago");
        let lead = json!({"data": {"lead": {}}});
        assert_eq!(context(lead.clone()), lead, "only bookings are touched");
    }

    #[test]
    fn the_field_holding_a_number_is_found() {
        let event = json!({"data": {"from_number": "+1", "lead": {"phone": "020 7946 0958"}}});
        let mut out = Vec::new();
        fields_holding(&event, "020 7946 0958", "", &mut out);
        assert_eq!(out, ["data.lead.phone"]);
    }
}
