//! The `zendesk` connector: one Support ticket per delivery, with the
//! caller as requester, created once for the whole retry window and across
//! replays.
//!
//! # Layout
//!
//! - [`config`]: the `[[connectors]]` keys and the factory.
//! - `mapping`: the rendered template made safe (tags slugged, requester
//!   chosen, per-delivery `external_id`), without the network.
//! - `flow`: one attempt: look the ticket up after the first attempt,
//!   create or update a phone caller's user, create the ticket.
//! - `classify`: what Zendesk's answers mean.

mod classify;
pub mod config;
mod flow;
mod mapping;
mod tags;

use switchboard_core::{
    connector::{vendor, Connector, DeliveryRequest, MappingError, Outcome, Plugin, Verdict},
    event::EventType,
    outbound::{OutboundClient, OutboundRequest, Response},
    template::TemplateSet,
};

pub use config::build;
pub use tags::slug;

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "zendesk";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!(
        "call.completed",
        "transfer.requested",
        "voicemail.left"
    ),
};

/// A `zendesk` connector instance.
pub struct Zendesk {
    tickets: url::Url,
    users: url::Url,
    auth: String,
    templates: TemplateSet,
}

impl Zendesk {
    fn plan(&self, req: &DeliveryRequest<'_>) -> Result<mapping::Plan, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        mapping::plan(t, &*vendor::envelope_ref(req.event)?, req.delivery_id)
    }
}

#[async_trait::async_trait]
impl Connector for Zendesk {
    /// What an attempt sends: after the first attempt the `external_id`
    /// lookup, then for a phone caller `users/create_or_update`, then the
    /// ticket (its `requester_id` comes from the user answer, so it is not
    /// shown here).
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let plan = self.plan(req)?;
        let mut out = Vec::new();
        if req.attempt > 1 {
            out.push(self.lookup_request(&plan.external_id)?);
        }
        out.extend(self.user_request(&plan)?);
        out.push(self.ticket_request(&plan, None, req.delivery_id)?);
        Ok(out)
    }

    fn classify(&self, response: &Response) -> Verdict {
        classify::verdict(response)
    }

    fn judge(&self, response: &Response) -> Outcome {
        classify::judge(response)
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        self.attempt(req, http).await
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(classify::message(response))
    }
}
