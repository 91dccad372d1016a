//! The `pipedrive` connector: one person per caller (found by email, then
//! by number, through the v2 persons search; created when none), a lead on
//! `lead.captured`, a note for the lead, call or voicemail.
//!
//! # Layout
//!
//! - `config`: the `[[connectors]]` keys, checked.
//! - `mapping`: the rendered template read into a plan, without the network.
//! - `api`: the requests and reading their answers.
//! - `flow`: one attempt (search, create or complete, lead, note).
//! - `classify`: what Pipedrive's answers mean, and its rate limits.

mod api;
mod classify;
mod config;
mod flow;
mod mapping;

use std::sync::Arc;

use switchboard_core::{
    connector::{
        marker, vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError,
        Outcome, Plugin, Verdict,
    },
    event::EventType,
    outbound::{OutboundClient, OutboundRequest, Response},
    template::{Mode, TemplateSet},
};

pub use switchboard_core::connector::caller::UNKNOWN_CALLER;

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "pipedrive";

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

/// What `render` shows where an earlier answer's id will go.
const PERSON_ID_PLACEHOLDER: u64 = 0;
const LEAD_ID_PLACEHOLDER: &str = "<lead id from the lead answer>";

/// A `pipedrive` connector instance.
pub struct Pipedrive {
    api: api::Api,
    country: Option<String>,
    templates: TemplateSet,
}

/// The factory registered as `pipedrive`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let settings: config::Settings = spec.settings()?;
    let checked = settings.check(spec)?;
    Ok(Arc::new(Pipedrive {
        api: api::Api::new(checked.base, checked.token),
        country: checked.country,
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

impl Pipedrive {
    fn plan(&self, req: &DeliveryRequest<'_>) -> Result<mapping::Plan, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let out = t.render_json(&*vendor::envelope_ref(req.event)?)?;
        mapping::read(t, &out, self.country.as_deref())
    }
}

#[async_trait::async_trait]
impl Connector for Pipedrive {
    /// What a new caller's first attempt sends: the searches, the person
    /// create, the lead and the note (person id 0 and a lead placeholder
    /// stand for ids from earlier answers).
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let plan = self.plan(req)?;
        let p = &plan.person;
        let mut out = Vec::new();
        if let Some(e) = &p.email {
            out.push(self.api.search_persons(e, api::Field::Email)?);
        }
        for form in p.phone.iter().flat_map(|ph| ph.forms()) {
            out.push(self.api.search_persons(form, api::Field::Phone)?);
        }
        out.push(self.api.create_person(p)?);
        if let Some(l) = &plan.lead {
            out.push(self.api.create_lead(l, PERSON_ID_PLACEHOLDER)?);
        }
        if let Some(text) = &plan.note {
            let lead = plan.lead.as_ref().map(|_| LEAD_ID_PLACEHOLDER);
            let content = marker::html_with_marker(text, &req.event.id);
            out.push(
                self.api
                    .create_note(&content, PERSON_ID_PLACEHOLDER, lead)?,
            );
        }
        Ok(out)
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        let plan = match self.plan(req) {
            Ok(p) => p,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        let attempt = flow::Attempt {
            pd: self,
            http,
            event_id: &req.event.id,
            number: req.attempt,
        };
        attempt.run(plan).await
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
