//! The `freshdesk` connector: one ticket per delivery for a call, a
//! transfer request or a voicemail, from the caller (email, else phone and
//! name), `source` phone, priority from urgency, the transcript as a
//! private note.
//!
//! # Layout
//!
//! - `config`: the `[[connectors]]` keys, checked.
//! - `mapping`: the rendered template read into a ticket, without the network.
//! - `api`: the requests and reading their answers.
//! - `flow`: one attempt (look for an earlier ticket, create, note).
//! - `classify`: what Freshdesk's answers mean.

mod api;
mod classify;
mod config;
mod flow;
mod mapping;

use std::sync::Arc;

use switchboard_core::{
    connector::{
        vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError, Outcome,
        Plugin, Verdict,
    },
    event::EventType,
    outbound::{OutboundClient, OutboundRequest, Response},
    template::{Mode, TemplateSet},
};

pub use mapping::{SOURCE_PHONE, UNKNOWN_CALLER_ID};

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "freshdesk";

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

/// What `render` shows where the ticket id from the create answer goes.
const TICKET_ID_PLACEHOLDER: u64 = 0;

/// A `freshdesk` connector instance.
pub struct Freshdesk {
    api: api::Api,
    templates: TemplateSet,
}

/// The factory registered as `freshdesk`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let settings: config::Settings = spec.settings()?;
    let checked = settings.check(spec)?;
    Ok(Arc::new(Freshdesk {
        api: api::Api::new(checked.base, checked.auth),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

impl Freshdesk {
    fn plan(&self, req: &DeliveryRequest<'_>) -> Result<mapping::Plan, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let out = t.render_json(&*vendor::envelope_ref(req.event)?)?;
        mapping::read(t, &out, &req.event.id)
    }
}

#[async_trait::async_trait]
impl Connector for Freshdesk {
    /// What a first attempt sends: the ticket, then the private note (on
    /// ticket 0, standing for the id the create answers).
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let plan = self.plan(req)?;
        let mut out = vec![self.api.create_ticket(&plan.ticket)?];
        if let Some(html) = &plan.note {
            out.push(self.api.create_note(TICKET_ID_PLACEHOLDER, html)?);
        }
        Ok(out)
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        let plan = match self.plan(req) {
            Ok(p) => p,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        let attempt = flow::Attempt {
            fd: self,
            http,
            event_id: &req.event.id,
            number: req.attempt,
        };
        attempt.run(&plan).await
    }

    fn classify(&self, response: &Response) -> Verdict {
        classify::verdict(response)
    }

    fn judge(&self, response: &Response) -> Outcome {
        classify::judge(response)
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(classify::message(response))
    }
}
