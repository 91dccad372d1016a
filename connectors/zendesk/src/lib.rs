//! The `zendesk` connector: one Support ticket per event, created with the
//! delivery id as `Idempotency-Key`, so a retry after a lost answer finds
//! the ticket it already made instead of opening a second one.

use std::sync::Arc;

use http::HeaderValue;
use serde::Deserialize;
use serde_json::Value;
use switchboard_core::{
    config::Secret,
    connector::{
        vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError, Plugin,
        Verdict,
    },
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::{Mode, Template, TemplateSet},
};

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
const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    subdomain: Option<String>,
    #[serde(default)]
    base_url: Option<String>,
    /// The agent the API token belongs to.
    email: String,
    api_token: Secret,
}

/// A `zendesk` connector instance.
pub struct Zendesk {
    url: url::Url,
    auth: String,
    templates: TemplateSet,
}

/// The factory registered as `zendesk`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let default = match (&s.subdomain, &s.base_url) {
        (Some(_), Some(_)) => return Err(spec.error("set `subdomain` or `base_url`, not both")),
        (None, None) => return Err(spec.error("set `subdomain` (the `acme` of acme.zendesk.com)")),
        (Some(sub), None) => {
            if sub.is_empty() || !sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(spec.error(format!(
                    "`subdomain` '{sub}' must be only the name, e.g. \"acme\" for acme.zendesk.com"
                )));
            }
            format!("https://{sub}.zendesk.com")
        }
        (None, Some(_)) => String::new(),
    };
    let base = vendor::base_url(spec, s.base_url.as_deref(), &default)?;
    if !s.email.contains('@') {
        return Err(spec.error("`email` must be the address of the agent owning `api_token`"));
    }
    Ok(Arc::new(Zendesk {
        url: vendor::endpoint(&base, "/api/v2/tickets"),
        auth: vendor::basic_auth(&format!("{}/token", s.email), s.api_token.expose()),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

#[async_trait::async_trait]
impl Connector for Zendesk {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let body = t.render_json(&vendor::envelope(req.event)?)?;
        check(t, &body)?;
        let mut r = vendor::json_post(self.url.clone(), &body);
        vendor::secret_header(&mut r, http::header::AUTHORIZATION, &self.auth)?;
        r.headers.insert(
            "idempotency-key",
            HeaderValue::from_str(req.delivery_id)
                .map_err(|_| MappingError("delivery id is not a header value".into()))?,
        );
        Ok(vec![r])
    }

    /// 201 delivered; 429 after `Retry-After`; 409 (the same idempotency
    /// key still in flight) retried; 5xx retried; other 4xx permanent.
    fn classify(&self, response: &Response) -> Verdict {
        if response.status == http::StatusCode::CONFLICT {
            return Verdict::Retry {
                after: response.retry_after(),
            };
        }
        vendor::classify(response, None)
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        // 429 bodies are text/plain; error_message falls back to the text.
        Some(vendor::error_message(
            "Zendesk",
            response,
            &["/error", "/description", "/details"],
        ))
    }
}

/// The ticket fields Zendesk needs, checked before sending.
fn check(t: &Template, body: &Value) -> Result<(), MappingError> {
    let fail = |m: &str| MappingError::from(t.error(m));
    let ticket = body
        .get("ticket")
        .and_then(Value::as_object)
        .ok_or_else(|| fail("output must be {\"ticket\": {...}}"))?;
    let comment = ticket
        .get("comment")
        .and_then(|c| c.get("body"))
        .and_then(Value::as_str);
    if comment.is_none_or(|c| c.trim().is_empty()) {
        return Err(fail("`ticket.comment.body` is required"));
    }
    if let Some(p) = ticket.get("priority") {
        if !p.as_str().is_some_and(|p| PRIORITIES.contains(&p)) {
            return Err(fail(
                "`ticket.priority` must be urgent, high, normal or low",
            ));
        }
    }
    if let Some(tags) = ticket.get("tags") {
        let ok = tags.as_array().is_some_and(|l| {
            l.iter().all(|t| {
                t.as_str()
                    .is_some_and(|s| !s.is_empty() && !s.contains(' '))
            })
        });
        if !ok {
            return Err(fail(
                "`ticket.tags` must be a list of non-empty words without spaces",
            ));
        }
    }
    if let Some(r) = ticket.get("requester") {
        if r.get("email")
            .and_then(Value::as_str)
            .is_none_or(|e| !e.contains('@'))
        {
            return Err(fail("`ticket.requester` needs an `email`"));
        }
    }
    Ok(())
}
