//! The `intercom` connector: one contact per caller (found by email or
//! number through `POST /contacts/search`, else created as a lead; a 409
//! means it exists and names it), and a note with the lead, call or
//! voicemail on its timeline. Every request pins `Intercom-Version: 2.14`.
//!
//! # Layout
//!
//! - `config`: the `[[connectors]]` keys, checked.
//! - `api`: the requests and reading their answers.
//! - `flow`: one attempt (search, complete or create, note).
//! - `classify`: what Intercom's answers mean, and its rate limits.

mod api;
mod classify;
mod config;
mod flow;

use std::sync::Arc;

use serde_json::Value;
use switchboard_core::{
    connector::{
        caller::{self, Caller},
        marker, vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError,
        Outcome, Plugin, Verdict,
    },
    event::EventType,
    outbound::{OutboundClient, OutboundRequest, Response},
    template::{Mode, TemplateSet},
};

pub use api::VERSION;

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "intercom";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!(
        "lead.captured",
        "call.completed",
        "voicemail.left"
    ),
};

/// What `render` shows where the contact id from an earlier answer goes.
const CONTACT_ID_PLACEHOLDER: &str = "CONTACT_ID";

/// An `intercom` connector instance.
pub struct Intercom {
    api: api::Api,
    templates: TemplateSet,
}

/// The factory registered as `intercom`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let settings: config::Settings = spec.settings()?;
    let checked = settings.check(spec)?;
    Ok(Arc::new(Intercom {
        api: api::Api::new(checked.base, checked.auth),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

/// What one event becomes: the caller and the note's text.
struct Plan {
    caller: Caller,
    note: Option<String>,
}

impl Intercom {
    /// Renders the template: `{"contact": {"name", "email", "phone"}, "note": "text"}`.
    fn plan(&self, req: &DeliveryRequest<'_>) -> Result<Plan, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let out = t.render_json(&*vendor::envelope_ref(req.event)?)?;
        let fail = |m: String| MappingError::from(t.error(m));
        let contact = out.get("contact").unwrap_or(&Value::Null);
        Ok(Plan {
            caller: Caller::read(contact, None).map_err(|m| fail(format!("`contact`: {m}")))?,
            note: caller::text(&out, "note").map_err(fail)?,
        })
    }
}

#[async_trait::async_trait]
impl Connector for Intercom {
    /// What a new caller's first attempt sends: the search, the create and
    /// the note (on `CONTACT_ID`, the id the create answers).
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let plan = self.plan(req)?;
        let mut out = Vec::new();
        if plan.caller.has_key() {
            out.push(self.api.search(&plan.caller)?);
        }
        out.push(self.api.create(&plan.caller)?);
        if let Some(text) = &plan.note {
            let body = marker::html_with_marker(text, &req.event.id);
            out.push(self.api.create_note(CONTACT_ID_PLACEHOLDER, &body)?);
        }
        Ok(out)
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        let plan = match self.plan(req) {
            Ok(p) => p,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        let attempt = flow::Attempt {
            ic: self,
            http,
            event_id: &req.event.id,
            number: req.attempt,
        };
        attempt.run(&plan.caller, plan.note.as_deref()).await
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
