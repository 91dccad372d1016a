//! The `housecallpro` connector: the caller's customer found (by email,
//! then number) or created, a lead on `lead.captured`, a job on
//! `booking.created`. The API needs Housecall Pro's MAX plan.
//!
//! # Layout
//!
//! - `config`: the `[[connectors]]` keys, checked.
//! - `mapping`: the rendered template read into a plan, without the network.
//! - `api`: the requests and reading their answers.
//! - `flow`: one attempt (search, create, lead or job).

mod api;
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

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "housecallpro";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!("lead.captured", "booking.created"),
};

/// What `render` shows where the customer id from an earlier answer goes.
const CUSTOMER_ID_PLACEHOLDER: &str = "CUSTOMER_ID";
/// ... and the address id a job needs.
const ADDRESS_ID_PLACEHOLDER: &str = "ADDRESS_ID";

/// A `housecallpro` connector instance.
pub struct HousecallPro {
    api: api::Api,
    templates: TemplateSet,
}

/// The factory registered as `housecallpro`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let settings: config::Settings = spec.settings()?;
    let checked = settings.check(spec)?;
    Ok(Arc::new(HousecallPro {
        api: api::Api::new(checked.base, checked.auth),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

/// `Housecall Pro answered <status>: <message>`.
fn message(resp: &Response) -> String {
    vendor::error_message(
        "Housecall Pro",
        resp,
        &["/message", "/error", "/errors/0/message"],
    )
}

impl HousecallPro {
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
impl Connector for HousecallPro {
    /// What a new caller's first attempt sends: the searches, the customer
    /// create, then the lead or job (ids from earlier answers shown as
    /// `CUSTOMER_ID` / `ADDRESS_ID`).
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let plan = self.plan(req)?;
        let c = &plan.customer;
        let mut out = Vec::new();
        for term in c
            .email
            .iter()
            .map(String::as_str)
            .chain(c.phone.iter().flat_map(|p| p.forms()))
        {
            out.push(self.api.search(term)?);
        }
        out.push(self.api.create_customer(c, plan.address.as_deref())?);
        let plan = if plan.work == api::Work::Job && plan.address.is_none() {
            plan.as_lead()
        } else {
            plan
        };
        let mut fields = plan.fields.clone();
        if plan.work == api::Work::Job {
            fields.insert("address_id".into(), ADDRESS_ID_PLACEHOLDER.into());
        }
        out.push(
            self.api
                .create_work(plan.work, fields, CUSTOMER_ID_PLACEHOLDER)?,
        );
        Ok(out)
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        let plan = match self.plan(req) {
            Ok(p) => p,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        let attempt = flow::Attempt {
            hcp: self,
            http,
            event_id: &req.event.id,
            number: req.attempt,
        };
        attempt.run(plan).await
    }

    /// 2xx delivered; 408, 425, 429 (after `Retry-After`, pausing the
    /// connector) and 5xx retried; other 4xx permanent.
    fn classify(&self, response: &Response) -> Verdict {
        vendor::classify(response, None)
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(message(response))
    }
}
