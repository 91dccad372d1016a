//! The `pagerduty` connector: Events API v2 triggers, one incident per call.
//!
//! The template renders the event minus `routing_key` (added here, so it
//! never sits in a template); `dedup_key` is derived from the call, so a
//! retry or a repeated event never opens a second incident.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use switchboard_core::{
    config::Secret,
    connector::{
        vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError, Plugin,
        Verdict,
    },
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::{Mode, Template, TemplateSet},
};

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "pagerduty";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!("lead.captured", "transfer.requested"),
};
const DEFAULT_BASE: &str = "https://events.pagerduty.com";
const SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Integration key of an Events API v2 service integration.
    routing_key: Secret,
    #[serde(default)]
    base_url: Option<String>,
}

/// A `pagerduty` connector instance.
pub struct PagerDuty {
    url: url::Url,
    routing_key: Secret,
    templates: TemplateSet,
}

/// The factory registered as `pagerduty`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let key = s.routing_key.expose();
    if key.len() != 32 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(spec.error(
            "`routing_key` must be the 32-character integration key of an Events API v2 integration",
        ));
    }
    let base = vendor::base_url(spec, s.base_url.as_deref(), DEFAULT_BASE)?;
    Ok(Arc::new(PagerDuty {
        url: vendor::endpoint(&base, "/v2/enqueue"),
        routing_key: s.routing_key,
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

#[async_trait::async_trait]
impl Connector for PagerDuty {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let mut body = t.render_json(&vendor::envelope(req.event)?)?;
        check(t, &body)?;
        let obj = body.as_object_mut().expect("checked");
        obj.insert("routing_key".into(), self.routing_key.expose().into());
        obj.entry("event_action").or_insert("trigger".into());
        let mut r = vendor::json_post(self.url.clone(), &body);
        r.body_secrets.push(self.routing_key.expose().to_owned());
        Ok(vec![r])
    }

    /// 202 delivered; 400 (invalid event) permanent; 429 and 5xx retried.
    fn classify(&self, response: &Response) -> Verdict {
        vendor::classify(response, None)
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(vendor::error_message(
            "PagerDuty",
            response,
            &["/message", "/errors"],
        ))
    }
}

/// The fields and limits PagerDuty enforces, checked before sending.
fn check(t: &Template, body: &Value) -> Result<(), MappingError> {
    let fail = |m: String| MappingError::from(t.error(m));
    let obj = body
        .as_object()
        .ok_or_else(|| fail("output must be a JSON object".into()))?;
    if obj.contains_key("routing_key") {
        return Err(fail(
            "leave `routing_key` out: the connector adds it from its config".into(),
        ));
    }
    let action = obj
        .get("event_action")
        .and_then(Value::as_str)
        .unwrap_or("trigger");
    if !["trigger", "acknowledge", "resolve"].contains(&action) {
        return Err(fail(format!(
            "`event_action` '{action}' must be trigger, acknowledge or resolve"
        )));
    }
    if let Some(key) = obj.get("dedup_key") {
        let key = key.as_str().unwrap_or("");
        if key.is_empty() || key.chars().count() > 255 {
            return Err(fail(
                "`dedup_key` must be a string of 1 to 255 characters".into(),
            ));
        }
    } else if action != "trigger" {
        return Err(fail(format!("`dedup_key` is required to {action}")));
    }
    if action != "trigger" {
        return Ok(());
    }
    let field = |name: &str| {
        body.pointer(&format!("/payload/{name}"))
            .and_then(Value::as_str)
    };
    match field("summary") {
        Some(s) if !s.is_empty() && s.chars().count() <= 1024 => {}
        _ => {
            return Err(fail(
                "`payload.summary` must be 1 to 1024 characters".into(),
            ))
        }
    }
    if field("source").is_none_or(str::is_empty) {
        return Err(fail("`payload.source` is required".into()));
    }
    match field("severity") {
        Some(s) if SEVERITIES.contains(&s) => Ok(()),
        other => Err(fail(format!(
            "`payload.severity` {other:?} must be one of {}",
            SEVERITIES.join(", ")
        ))),
    }
}
