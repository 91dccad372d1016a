//! The `pagerduty` connector: Events API v2 triggers, one incident per call.
//!
//! The template renders the event minus `routing_key` (added here, so it
//! never sits in a template); `dedup_key` is derived from the call, so a
//! retry or a repeated event folds into the call's open incident. With
//! `events` and `filter` omitted it pages on transfers and emergency leads
//! only ([`subscription::DEFAULT_FILTER`]).

mod limits;
pub mod subscription;

use std::{sync::Arc, time::Duration};

use serde::Deserialize;
use switchboard_core::{
    config::{ConnectorConfig, Secret},
    connector::{
        vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError, Outcome,
        Plugin, Verdict,
    },
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::{Mode, TemplateSet},
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
/// How long a 429 without `Retry-After` holds the connector: PagerDuty
/// names no wait, and its limit (about 120 events a minute per routing key)
/// frees a slot every half second, so a few seconds is enough.
const RATE_LIMIT_PAUSE: Duration = Duration::from_secs(5);
const RATE_LIMIT_REASON: &str = "PagerDuty rate limit (about 120 events a minute per routing key)";

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
        let mut body = t.render_json(&*vendor::envelope_ref(req.event)?)?;
        limits::cut_summary(&mut body);
        limits::check(t, &body)?;
        let obj = body.as_object_mut().expect("checked");
        obj.insert("routing_key".into(), self.routing_key.expose().into());
        obj.entry("event_action").or_insert("trigger".into());
        let mut r = vendor::json_post(self.url.clone(), &body);
        if r.body.len() > limits::MAX_EVENT_BYTES {
            return Err(t
                .error(format!(
                    "the event is {} bytes, over PagerDuty's 512 KB: put less in `custom_details`",
                    r.body.len()
                ))
                .into());
        }
        r.body_secrets.push(self.routing_key.expose().to_owned());
        Ok(vec![r])
    }

    /// 202 delivered; 400 (invalid event) permanent; 429 and 5xx retried.
    fn classify(&self, response: &Response) -> Verdict {
        vendor::classify(response, None)
    }

    /// The verdict with PagerDuty's own message; a 429 also pauses the whole
    /// connector: the limit is per routing key, and a connector has one, so
    /// every other delivery would meet the same 429.
    fn judge(&self, response: &Response) -> Outcome {
        let mut outcome = Outcome::from_response(self.classify(response), response);
        if let (false, Some(message)) = (
            outcome.verdict == Verdict::Delivered,
            self.error_message(response),
        ) {
            outcome = outcome.with_error(message);
        }
        if response.status == http::StatusCode::TOO_MANY_REQUESTS {
            let wait = response.retry_after().unwrap_or(RATE_LIMIT_PAUSE);
            outcome = outcome.paused(wait, RATE_LIMIT_REASON);
        }
        outcome
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    fn default_filter(&self) -> Option<&str> {
        Some(subscription::DEFAULT_FILTER)
    }

    fn check_warnings(&self, config: &ConnectorConfig) -> Vec<String> {
        subscription::warnings(config)
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(vendor::error_message(
            "PagerDuty",
            response,
            &["/message", "/errors"],
        ))
    }
}
