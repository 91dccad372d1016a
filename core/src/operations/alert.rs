//! Operational events: the envelope the hub builds for one transition.

use serde_json::{json, Map, Value};

use super::{DisableCause, TargetInfo};
use crate::{
    account::TargetName,
    event::{Event, EventType},
    ids,
    time::{now_ms, rfc3339, Millis},
};

/// What one operational event says about one target.
#[derive(Debug, Clone)]
pub struct Alert<'a> {
    /// The operational type.
    pub kind: EventType,
    /// The target's key (its account's connector name or endpoint id).
    pub target: &'a str,
    /// Its kind.
    pub info: &'a TargetInfo,
    /// Start of the failing period, if any.
    pub failing_since: Option<Millis>,
    /// The latest failed attempt's error.
    pub last_error: Option<String>,
    /// Why it was disabled (for `disabled`).
    pub disabled: Option<(DisableCause, String)>,
    /// Deliveries that failed after their retries (for `exhausted`).
    pub count: Option<u64>,
    /// `[server] public_url`, for the dashboard link.
    pub public_url: Option<&'a str>,
}

impl Alert<'_> {
    /// `data.target`: `{"kind": "endpoint", "id"}` or `{"kind": <connector kind>, "name"}`.
    pub fn target_json(target: &str, info: &TargetInfo) -> Value {
        if info.endpoint {
            json!({"kind": "endpoint", "id": target})
        } else {
            json!({"kind": info.kind, "name": target})
        }
    }

    /// The event, as stored and delivered.
    pub fn event(&self) -> Event {
        let target = TargetName::of(self.target);
        let mut data = Map::new();
        data.insert("account".into(), target.account.into());
        data.insert("target".into(), Self::target_json(target.name, self.info));
        // Unknown values are left out rather than null (the SDKs' types
        // read them as optional strings).
        if let Some(error) = &self.last_error {
            data.insert("last_error".into(), error.as_str().into());
        }
        if let Some(base) = self.public_url {
            let link = format!(
                "{}/#/deliveries?connector={}",
                base.trim_end_matches('/'),
                target.name
            );
            data.insert("dashboard_url".into(), link.into());
        }
        let since = self
            .failing_since
            .filter(|_| self.kind != EventType::EndpointRecovered);
        if let Some(since) = since {
            data.insert("failing_since".into(), rfc3339(since).into());
        }
        if let Some((cause, message)) = &self.disabled {
            data.insert(
                "reason".into(),
                json!({"code": cause.code(), "message": message}),
            );
        }
        if let Some(count) = self.count {
            data.insert("count".into(), count.into());
        }
        envelope(self.kind, Value::Object(data))
    }
}

/// An envelope of the hub's own, with a fresh id, created now.
pub fn envelope(kind: EventType, data: Value) -> Event {
    let id = ids::event_id();
    let created = now_ms().div_euclid(1000);
    let body = json!({"id": id, "type": kind.as_str(), "created": created, "data": data});
    Event::from_stored(id, kind, created, body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::Lifecycle;

    fn endpoint() -> TargetInfo {
        TargetInfo {
            kind: "endpoint".into(),
            endpoint: true,
            lifecycle: Lifecycle::from_config(&Default::default()),
        }
    }

    #[test]
    fn every_alert_validates_against_its_schema() {
        let info = endpoint();
        let disabled = Some((DisableCause::Gone, "410".to_owned()));
        for kind in EventType::OPERATIONAL {
            let alert = Alert {
                kind,
                target: "ep_1",
                info: &info,
                failing_since: Some(0),
                last_error: Some("HTTP 500".into()),
                disabled: (kind == EventType::EndpointDisabled)
                    .then(|| disabled.clone())
                    .flatten(),
                count: (kind == EventType::DeliveryExhausted).then_some(3),
                public_url: Some("https://hooks.example.com/"),
            };
            let value = alert.event().value();
            let schema = crate::event::schema_document(kind);
            let validator = jsonschema::options().build(&schema).unwrap();
            let errors: Vec<_> = validator
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{kind}: {errors:?}");
            assert_eq!(value["data"]["target"]["id"], "ep_1");
        }
    }
}
