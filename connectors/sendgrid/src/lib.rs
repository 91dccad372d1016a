//! The `sendgrid` connector: email through SendGrid's v3 Mail Send API
//! (`POST /v3/mail/send`, `Authorization: Bearer <api key>`).
//!
//! # Layout
//!
//! - [`config`]: the settings and the factory ([`build`]).
//! - [`mail`]: a rendered template -> the Mail Send body (recipients,
//!   subject, plain text, the event and delivery ids as `custom_args`).
//! - `context`: a booking's unknown time zone read as UTC.
//! - [`classify`]: what SendGrid's answers mean, and its rate-limit reset.
//!
//! SendGrid has no idempotency key: a retry after a lost 202 can send a
//! second email (see README.md).

pub mod classify;
pub mod config;
mod context;
pub mod mail;

use async_trait::async_trait;
use switchboard_core::{
    connector::{vendor, Connector, DeliveryRequest, MappingError, Outcome, Plugin},
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::TemplateSet,
};

pub use config::build;

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "sendgrid";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!(
        "booking.created",
        "lead.captured",
        "call.completed",
        "transfer.requested",
        "voicemail.left"
    ),
};

/// A `sendgrid` connector instance.
pub struct SendGrid {
    url: url::Url,
    auth: String,
    from: mail::Address,
    /// Staff recipients (`to`), for templates that name none of their own.
    to: Option<Vec<mail::Address>>,
    templates: TemplateSet,
    events: Vec<EventType>,
}

#[async_trait]
impl Connector for SendGrid {
    /// One mail, or none when a confirmation has no usable address.
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let rendered = t.render_json(&context::context(vendor::envelope(req.event)?))?;
        let tags = mail::Tags {
            event_id: &req.event.id,
            delivery_id: req.delivery_id,
            event_type: req.event.kind.as_str(),
        };
        let Some(body) = mail::body(t, &rendered, &self.from, self.to.as_deref(), &tags)? else {
            return Ok(Vec::new());
        };
        let mut r = vendor::json_post(self.url.clone(), &body);
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        Ok(vec![r])
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
