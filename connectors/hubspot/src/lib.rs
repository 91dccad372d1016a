//! The `hubspot` connector: one contact per caller, whatever the event.
//!
//! Each event's template names the caller's keys (email, phone) and what to
//! write; the connector searches HubSpot for the contact (by email, then by
//! phone in E.164 and as given), updates what it lacks or creates it, and
//! adds a note (summary, transcript) to its timeline. HubSpot's batch
//! upsert is not used: it keys by one unique property only, and the built-in
//! `phone` is not unique, so an email-keyed lead and a phone-keyed call
//! would become two contacts.

mod api;
mod config;
mod flow;
mod limits;
mod mapping;
mod note;
mod phone;
mod writes;

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

use crate::{api::Api, mapping::Plan};

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "hubspot";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!(
        "lead.captured",
        "call.completed",
        "voicemail.left",
        "booking.created"
    ),
};
const DEFAULT_BASE: &str = "https://api.hubapi.com";
/// What `render` shows where an earlier answer's contact id will go.
const CONTACT_ID_PLACEHOLDER: &str = "<contact id from the search or create answer>";

/// A `hubspot` connector instance.
pub struct HubSpot {
    api: Api,
    portal_timezone: Option<chrono_tz::Tz>,
    templates: TemplateSet,
}

/// The factory registered as `hubspot`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let settings: config::Settings = spec.settings()?;
    let checked = settings.check(spec)?;
    let base = vendor::base_url(spec, settings.base_url.as_deref(), DEFAULT_BASE)?;
    Ok(Arc::new(HubSpot {
        api: Api::new(base, checked.auth, checked.phone_property),
        portal_timezone: checked.portal_timezone,
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

#[async_trait::async_trait]
impl Connector for HubSpot {
    /// What a new caller's event sends: the search, the create, the note
    /// (with a placeholder for the contact id). A known caller's event sends
    /// a PATCH of what the contact lacks instead of the create.
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let plan = self.plan(req)?;
        let Some(contact) = &plan.contact else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if contact.has_key() {
            out.push(self.api.search_contacts(contact)?);
        }
        let props = writes::on_create(contact, &[], self.api.phone_property.as_deref());
        out.push(self.api.create_contact(&props)?);
        if let Some(n) = &plan.note {
            let props = flow::note_properties(n, &req.event.id);
            out.push(self.api.create_note(&props, CONTACT_ID_PLACEHOLDER)?);
        }
        Ok(out)
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        let plan = match self.plan(req) {
            Ok(p) => p,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        let attempt = flow::Attempt {
            hs: self,
            http,
            event_id: &req.event.id,
            number: req.attempt,
        };
        attempt.run(plan).await
    }

    /// 2xx delivered; 429 after the limit's window (see [`limits`]); 5xx
    /// and timeouts retried; other 4xx (bad token, invalid property) permanent.
    fn classify(&self, response: &Response) -> Verdict {
        verdict(response, self.limit(response).as_ref())
    }

    /// The verdict and HubSpot's message; a 429 also pauses every delivery
    /// of the connector until the limit's window or quota is over.
    fn judge(&self, response: &Response) -> Outcome {
        let limit = self.limit(response);
        let mut outcome = Outcome::from_response(verdict(response, limit.as_ref()), response);
        if outcome.verdict != Verdict::Delivered {
            outcome = outcome.with_error(self.message(response));
        }
        match limit {
            Some(l) => outcome.paused(l.wait, format!("HubSpot {} limit", l.policy)),
            None => outcome,
        }
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(self.message(response))
    }
}

impl HubSpot {
    fn plan(&self, req: &DeliveryRequest<'_>) -> Result<Plan, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let out = t.render_json(&*vendor::envelope_ref(req.event)?)?;
        mapping::read(t, out)
    }

    fn limit(&self, response: &Response) -> Option<limits::Limit> {
        limits::read(response, chrono::Utc::now(), self.portal_timezone)
    }

    fn message(&self, response: &Response) -> String {
        vendor::error_message(
            "HubSpot",
            response,
            &["/category", "/message", "/errors/0/message"],
        )
    }
}

/// A limit's wait, else the usual reading of a vendor answer.
fn verdict(response: &Response, limit: Option<&limits::Limit>) -> Verdict {
    match limit {
        Some(l) => Verdict::Retry {
            after: Some(l.wait),
        },
        None => vendor::classify(response, None),
    }
}
