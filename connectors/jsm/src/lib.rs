//! The `jsm` connector: Jira Service Management Operations alerts through
//! its integration API (`POST /jsm/ops/integration/v2/alerts`,
//! `Authorization: GenieKey <key>`), one alert per call (`alias`).
//!
//! JSM Operations replaces Opsgenie, whose REST API stops on 2027-04-05:
//! [`OPSGENIE_RETIRED`] is what a config with `kind = "opsgenie"` is told.
//!
//! # Layout
//!
//! - [`limits`]: the alert's field limits, applied before sending.
//! - [`subscription`]: the default filter (transfers, emergency leads) and
//!   `check`'s warning.
//! - [`classify`]: what the answers mean, and the rate-limit pause.

pub mod classify;
pub mod limits;
pub mod subscription;

use std::sync::Arc;

use serde::Deserialize;
use switchboard_core::{
    config::{ConnectorConfig, Secret},
    connector::{
        vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError, Outcome,
        Plugin,
    },
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::{Mode, TemplateSet},
};

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "jsm";

/// What `kind = "opsgenie"` is answered with (registered as a retired kind).
pub const OPSGENIE_RETIRED: &str =
    "Opsgenie's REST API ends on 2027-04-05 (Atlassian stopped selling \
     Opsgenie on 2025-06-04), so Switchboard has no `opsgenie` kind: use `kind = \"jsm\"` \
     (Jira Service Management Operations) with `api_key` = the GenieKey of a JSM Operations \
     API integration; the alerts are the same";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!("lead.captured", "transfer.requested"),
};

const DEFAULT_BASE: &str = "https://api.atlassian.com";
const ALERTS_PATH: &str = "/jsm/ops/integration/v2/alerts";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// The GenieKey of a JSM Operations "API" integration.
    api_key: Secret,
    #[serde(default)]
    base_url: Option<String>,
}

/// A `jsm` connector instance.
pub struct Jsm {
    url: url::Url,
    auth: String,
    templates: TemplateSet,
}

/// The factory registered as `jsm`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let key = s.api_key.expose().trim();
    if key.is_empty() || key.chars().any(char::is_whitespace) || key.starts_with("GenieKey") {
        return Err(spec.error(
            "`api_key` must be the bare key of a JSM Operations API integration (without `GenieKey `)",
        ));
    }
    let base = vendor::base_url(spec, s.base_url.as_deref(), DEFAULT_BASE)?;
    Ok(Arc::new(Jsm {
        url: vendor::endpoint(&base, ALERTS_PATH),
        auth: format!("GenieKey {key}"),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

#[async_trait::async_trait]
impl Connector for Jsm {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let mut body = t.render_json(&*vendor::envelope_ref(req.event)?)?;
        limits::cut(&mut body);
        limits::check(t, &body)?;
        let mut r = vendor::json_post(self.url.clone(), &body);
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        Ok(vec![r])
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

    fn default_filter(&self) -> Option<&str> {
        Some(subscription::DEFAULT_FILTER)
    }

    fn check_warnings(&self, config: &ConnectorConfig) -> Vec<String> {
        subscription::warnings(config)
    }
}
