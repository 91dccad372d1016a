//! The `twilio` connector: SMS through the Programmable Messaging API
//! (form-encoded `POST .../Messages.json`, Basic `AccountSid:AuthToken`).
//!
//! # Layout
//!
//! - [`config`]: the settings and the factory ([`build`]).
//! - [`mapping`]: event -> template context -> form fields (`To` in E.164
//!   via `default_country`, `Body` through [`gsm7`]).
//! - [`gsm7`]: the GSM-7 alphabet, transliteration and the two-segment cut.
//! - [`classify`]: what Twilio's answers (and error codes) mean.
//!
//! Twilio has no idempotency key on Messages, so a retry after a lost
//! answer can send a second SMS (see README.md).

pub mod classify;
pub mod config;
pub mod gsm7;
pub mod mapping;

use async_trait::async_trait;
use switchboard_core::{
    connector::{vendor, Connector, DeliveryRequest, MappingError, Outcome, Plugin, Verdict},
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::TemplateSet,
};

pub use config::{build, is_e164};
pub use mapping::MAX_BODY;

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "twilio";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!(
        "lead.captured",
        "booking.created",
        "transfer.requested"
    ),
};

/// A `twilio` connector instance.
pub struct Twilio {
    url: url::Url,
    auth: String,
    /// `("From", number)` or `("MessagingServiceSid", sid)`.
    sender: (&'static str, String),
    /// The fixed recipient (`to`), already E.164.
    to: Option<String>,
    /// `default_country`, upper case.
    country: Option<String>,
    templates: TemplateSet,
    events: Vec<EventType>,
}

#[async_trait]
impl Connector for Twilio {
    /// One request, or none when the event holds no number to text (a lead
    /// or booking without any phone): nothing can be sent, nothing is lost.
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let context = mapping::context(vendor::envelope(req.event)?);
        let Some(params) = self.params(t, t.render_json(&context)?, &context)? else {
            return Ok(Vec::new());
        };
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params {
            form.append_pair(k, v);
        }
        let mut r = OutboundRequest::post(
            self.url.clone(),
            "application/x-www-form-urlencoded",
            form.finish(),
        );
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        Ok(vec![r])
    }

    fn classify(&self, response: &Response) -> Verdict {
        classify::classify(response)
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.events.clone())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(classify::error_message(response))
    }

    fn judge(&self, response: &Response) -> Outcome {
        classify::judge(response)
    }
}
