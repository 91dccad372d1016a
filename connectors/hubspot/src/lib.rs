//! The `hubspot` connector: contact upsert (by email, else phone) through
//! `POST /crm/v3/objects/contacts/batch/upsert`, so a repeated caller
//! updates one contact; on call.completed, a note associated with that
//! contact (the id comes from the upsert answer, hence a custom `deliver`).
//!
//! The template renders `{"contact": {idProperty, id, properties}}` plus,
//! optionally, `"note": {hs_timestamp, hs_note_body, ...}`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_core::{
    config::Secret,
    connector::{
        vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError, Outcome,
        Plugin, Verdict,
    },
    event::EventType,
    outbound::{OutboundClient, OutboundRequest, Response},
    template::{Mode, Template, TemplateSet},
};

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "hubspot";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!("lead.captured", "call.completed"),
};
const DEFAULT_BASE: &str = "https://api.hubapi.com";
/// HubSpot's association type "note to contact".
const NOTE_TO_CONTACT: u32 = 202;
/// What `render` shows where the upsert answer's contact id will go.
const CONTACT_ID_PLACEHOLDER: &str = "<contact id from the upsert answer>";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Private-app access token.
    token: Secret,
    #[serde(default)]
    base_url: Option<String>,
    /// Unique-value contact property phone-only callers are upserted by.
    #[serde(default)]
    phone_property: Option<String>,
}

/// A `hubspot` connector instance.
pub struct HubSpot {
    upsert_url: url::Url,
    notes_url: url::Url,
    auth: String,
    phone_property: String,
    templates: TemplateSet,
}

/// What one event becomes: an upsert input and maybe a note.
struct Plan {
    contact: Value,
    note: Option<Value>,
}

/// The factory registered as `hubspot`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    if s.token.expose().trim().is_empty() {
        return Err(spec.error("`token` is empty: use a private-app access token"));
    }
    let base = vendor::base_url(spec, s.base_url.as_deref(), DEFAULT_BASE)?;
    Ok(Arc::new(HubSpot {
        upsert_url: vendor::endpoint(&base, "/crm/v3/objects/contacts/batch/upsert"),
        notes_url: vendor::endpoint(&base, "/crm/v3/objects/notes"),
        auth: format!("Bearer {}", s.token.expose()),
        phone_property: s.phone_property.unwrap_or_else(|| "phone".into()),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

#[async_trait::async_trait]
impl Connector for HubSpot {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let plan = self.plan(req)?;
        let mut out = vec![self.upsert(&plan)?];
        if let Some(note) = &plan.note {
            out.push(self.note(note, CONTACT_ID_PLACEHOLDER)?);
        }
        Ok(out)
    }

    /// Upsert, then (for a note) read the contact id and create the note.
    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        let plan = match self.plan(req) {
            Ok(p) => p,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        let send = |r: Result<OutboundRequest, MappingError>| async move {
            let r = r.map_err(|e| Outcome::rejected(format!("mapping failed: {e}")))?;
            match http.send(&r).await {
                Ok(resp) => Ok((self.judge(&resp), resp)),
                Err(e) => Err(Outcome::from_send_error(&e)),
            }
        };
        let (outcome, resp) = match send(self.upsert(&plan)).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        let Some(note) = plan.note.as_ref() else {
            return outcome;
        };
        if outcome.verdict != Verdict::Delivered {
            return outcome;
        }
        let id = serde_json::from_slice::<Value>(&resp.body)
            .ok()
            .and_then(|v| {
                v.pointer("/results/0/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
        let Some(id) = id else {
            return Outcome::from_response(Verdict::Reject, &resp)
                .with_error("HubSpot's upsert answer has no results[0].id to attach the note to");
        };
        match send(self.note(note, &id)).await {
            Ok((outcome, _)) => outcome,
            Err(o) => o,
        }
    }

    /// 2xx delivered (but a 207 batch answer means the input failed); 429
    /// after `Retry-After` or the rate-limit window; 5xx retried; other 4xx
    /// (bad token, invalid property) permanent.
    fn classify(&self, response: &Response) -> Verdict {
        if response.status == http::StatusCode::MULTI_STATUS {
            return Verdict::Reject;
        }
        let wait = response.retry_after().or_else(|| {
            vendor::header_wait(response, "x-hubspot-ratelimit-interval-milliseconds", true)
        });
        vendor::classify(response, wait)
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(vendor::error_message(
            "HubSpot",
            response,
            &["/category", "/message", "/errors/0/message"],
        ))
    }
}

impl HubSpot {
    fn plan(&self, req: &DeliveryRequest<'_>) -> Result<Plan, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let mut out = t.render_json(&vendor::envelope(req.event)?)?;
        let mut contact = out
            .get_mut("contact")
            .map(Value::take)
            .ok_or_else(|| fail(t, "output must have a `contact` object"))?;
        check_contact(t, &mut contact, &self.phone_property)?;
        let note = out.get_mut("note").map(Value::take);
        if let Some(note) = &note {
            check_note(t, note)?;
        }
        Ok(Plan { contact, note })
    }

    fn upsert(&self, plan: &Plan) -> Result<OutboundRequest, MappingError> {
        let mut r = vendor::json_post(self.upsert_url.clone(), &json!({"inputs": [plan.contact]}));
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        Ok(r)
    }

    fn note(&self, properties: &Value, contact_id: &str) -> Result<OutboundRequest, MappingError> {
        let body = json!({
            "properties": properties,
            "associations": [{
                "to": {"id": contact_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}]
            }]
        });
        let mut r = vendor::json_post(self.notes_url.clone(), &body);
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        Ok(r)
    }
}

fn fail(t: &Template, message: impl Into<String>) -> MappingError {
    t.error(message).into()
}

/// HubSpot wants `idProperty`, a non-empty `id` and string property values;
/// a phone-only contact is keyed by the configured unique phone property.
fn check_contact(
    t: &Template,
    contact: &mut Value,
    phone_property: &str,
) -> Result<(), MappingError> {
    let id = contact
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if id.is_empty() {
        return Err(fail(
            t,
            "`contact.id` must be a non-empty string (an email or phone)",
        ));
    }
    let id_property = match contact.get("idProperty").and_then(Value::as_str) {
        Some("phone") => phone_property.to_owned(),
        Some(p) if !p.is_empty() => p.to_owned(),
        _ => return Err(fail(t, "`contact.idProperty` is required (email or phone)")),
    };
    let props = contact
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| fail(t, "`contact.properties` must be an object"))?;
    if let Some((k, _)) = props.iter().find(|(_, v)| !v.is_string()) {
        return Err(fail(
            t,
            format!("`contact.properties.{k}` must be a string (HubSpot takes only strings)"),
        ));
    }
    // Empty strings would erase what HubSpot already knows about a caller.
    props.retain(|_, v| v.as_str() != Some(""));
    props.insert(id_property.clone(), Value::String(id));
    contact["idProperty"] = Value::String(id_property);
    Ok(())
}

fn check_note(t: &Template, note: &Value) -> Result<(), MappingError> {
    for field in ["hs_timestamp", "hs_note_body"] {
        if note
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(fail(t, format!("`note.{field}` is required")));
        }
    }
    Ok(())
}
