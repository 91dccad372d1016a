//! The envelope the templates render against: the event, plus `links.call`
//! (the call in the dashboard) when `[server] public_url` is set, and a
//! booking's unknown time zone read as UTC.

use serde_json::{json, Value};

/// Builds the dashboard link of a call.
#[derive(Debug, Clone)]
pub struct Links {
    public_url: Option<String>,
}

impl Links {
    /// Links under `public_url`; none without it.
    pub fn new(public_url: Option<&str>) -> Self {
        Links {
            public_url: public_url
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty()),
        }
    }

    /// The dashboard page of a call (DESIGN.md section 12).
    pub fn call(&self, call_id: &str) -> Option<String> {
        let base = self.public_url.as_ref()?;
        let id: String = url::form_urlencoded::byte_serialize(call_id.as_bytes()).collect();
        Some(format!("{base}/#/calls/{id}"))
    }
}

/// The template context of `envelope`.
pub fn context(mut envelope: Value, links: &Links) -> Value {
    let call = envelope
        .pointer("/data/call_id")
        .and_then(Value::as_str)
        .and_then(|id| links.call(id));
    if let (Some(obj), Some(call)) = (envelope.as_object_mut(), call) {
        obj.insert("links".into(), json!({ "call": call }));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_links_to_the_dashboard_only_with_a_public_url() {
        let event = json!({"data": {"call_id": "call 1"}});
        let with = context(event.clone(), &Links::new(Some("https://hub.example/")));
        assert_eq!(with["links"]["call"], "https://hub.example/#/calls/call+1");
        assert!(context(event, &Links::new(None)).get("links").is_none());
    }
}
