//! The `customerio` connector: Customer.io's Track API v1 (Basic
//! `site_id:api_key`): identify the caller (`PUT /api/v1/customers/{id}`),
//! then track the event on them (`POST /api/v1/customers/{id}/events`) with
//! a stable `id`, so a retry or replay records it once.
//!
//! # Layout
//!
//! - [`person`]: who the event is about (phone, else email, else anonymous).
//! - [`dedup`]: the event's ULID, Customer.io's de-duplication id.
//! - [`classify`]: what the answers mean, and the rate-limit pause.

pub mod classify;
pub mod dedup;
pub mod person;

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_core::{
    config::Secret,
    connector::{
        vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError, Outcome,
        Plugin,
    },
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::{Mode, Template, TemplateSet},
};

use person::Identity;

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "customerio";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!(
        "lead.captured",
        "booking.created",
        "call.completed",
        "voicemail.left"
    ),
};

const US_BASE: &str = "https://track.customer.io";
/// EU workspaces must use their own host (US traffic there fails).
const EU_BASE: &str = "https://track-eu.customer.io";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// The workspace's Site ID (the Basic auth user).
    site_id: String,
    /// A Track API key of that workspace (the Basic auth password).
    api_key: Secret,
    /// `us` (default) or `eu`: where the workspace's data lives.
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    base_url: Option<String>,
}

/// A `customerio` connector instance.
pub struct CustomerIo {
    base: url::Url,
    auth: String,
    templates: TemplateSet,
}

/// The factory registered as `customerio`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    if s.site_id.trim().is_empty() || s.site_id.contains(':') {
        return Err(spec.error(
            "`site_id` must be the workspace's Site ID (Settings > API Credentials > Track API keys)",
        ));
    }
    let default_base = match s.region.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("us") => US_BASE,
        Some("eu") => EU_BASE,
        Some(other) => {
            return Err(spec.error(format!(
                "`region` '{other}' must be \"us\" or \"eu\" (the workspace's data centre)"
            )))
        }
    };
    Ok(Arc::new(CustomerIo {
        base: vendor::base_url(spec, s.base_url.as_deref(), default_base)?,
        auth: vendor::basic_auth(s.site_id.trim(), s.api_key.expose()),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

#[async_trait::async_trait]
impl Connector for CustomerIo {
    /// Identify then track for a known caller (the default deliver loop
    /// stops at the first failure, so the event is tracked only on an
    /// identified person); one anonymous event otherwise.
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let rendered = t.render_json(&*vendor::envelope_ref(req.event)?)?;
        let mut event = tracked_event(t, &rendered)?;
        event["id"] = dedup::event_ulid(&req.event.id, req.event.created).into();
        event["timestamp"] = req.event.created.into();
        let mut out = Vec::new();
        match person::identify(rendered.get("person")) {
            Identity::Known { id, attributes } => {
                let identify = self.url(&["api", "v1", "customers", &id]);
                let mut put = vendor::json_post(identify, &Value::Object(attributes));
                put.method = http::Method::PUT;
                out.push(put);
                let track = self.url(&["api", "v1", "customers", &id, "events"]);
                out.push(vendor::json_post(track, &event));
            }
            Identity::Anonymous => {
                let call = rendered.pointer("/event/data/call_id").cloned();
                event["anonymous_id"] = call.unwrap_or_else(|| req.event.id.clone().into());
                out.push(vendor::json_post(
                    self.url(&["api", "v1", "events"]),
                    &event,
                ));
            }
        }
        for r in &mut out {
            vendor::secret_header(r, http::header::AUTHORIZATION, &self.auth)?;
        }
        Ok(out)
    }

    fn judge(&self, response: &Response) -> Outcome {
        classify::judge(response)
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(classify::error_message(response))
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }
}

impl CustomerIo {
    /// `base` plus path segments, each percent-encoded (an email or a
    /// phone number's `+` stays one segment).
    fn url(&self, segments: &[&str]) -> url::Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an http(s) base URL has a path")
            .pop_if_empty()
            .extend(segments);
        url
    }
}

/// The template's `event`: `{"name", "data"?}`.
fn tracked_event(t: &Template, rendered: &Value) -> Result<Value, MappingError> {
    let fail = |m: &str| MappingError::from(t.error(m));
    let event = rendered
        .get("event")
        .and_then(Value::as_object)
        .ok_or_else(|| fail("output must have an `event` object with a `name`"))?;
    let name = event
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| fail("`event.name` must be a non-empty string"))?;
    let data = event.get("data").cloned().unwrap_or_else(|| json!({}));
    if !data.is_object() {
        return Err(fail("`event.data` must be an object"));
    }
    Ok(json!({"name": name, "data": data}))
}
