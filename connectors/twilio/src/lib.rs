//! The `twilio` connector: SMS through the Programmable Messaging API
//! (form-encoded `POST .../Messages.json`, Basic `AccountSid:AuthToken`).
//!
//! The template renders a JSON object of Twilio parameters (`To`, `Body`,
//! optionally `MediaUrl`...); the connector adds `From` or
//! `MessagingServiceSid`, and `to` from the config replaces the template's
//! `To` (the caller's number by default). Twilio has no idempotency key on
//! Messages, so a retry after a lost answer can send a second SMS.

use std::sync::Arc;

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
const DEFAULT_BASE: &str = "https://api.twilio.com";
/// Twilio's limit on `Body`, in characters.
pub const MAX_BODY: usize = 1600;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    account_sid: String,
    auth_token: Secret,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    messaging_service_sid: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    base_url: Option<String>,
}

/// A `twilio` connector instance.
pub struct Twilio {
    url: url::Url,
    auth: String,
    sender: (&'static str, String),
    to: Option<String>,
    templates: TemplateSet,
    events: Vec<EventType>,
}

fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s[2..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether `s` is an E.164 number (`+` and 8 to 15 digits).
pub fn is_e164(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

/// The factory registered as `twilio`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    if !is_sid(&s.account_sid, "AC") {
        return Err(spec.error("`account_sid` must be AC followed by 32 hex digits"));
    }
    let sender = match (s.from, s.messaging_service_sid) {
        (Some(from), None) if is_e164(&from) || from.chars().all(|c| c.is_ascii_alphanumeric()) => {
            ("From", from)
        }
        (Some(from), None) => {
            return Err(spec.error(format!(
                "`from` '{from}' must be an E.164 number or a sender id"
            )))
        }
        (None, Some(mg)) if is_sid(&mg, "MG") => ("MessagingServiceSid", mg),
        (None, Some(_)) => {
            return Err(spec.error("`messaging_service_sid` must be MG followed by 32 hex digits"))
        }
        _ => return Err(spec.error("set exactly one of `from` and `messaging_service_sid`")),
    };
    if let Some(to) = &s.to {
        if !is_e164(to) {
            return Err(spec.error(format!(
                "`to` '{to}' must be an E.164 number like +15551234567"
            )));
        }
    }
    let templates = TemplateSet::load(spec, Mode::Json)?;
    // The shipped staff alert has no `To`: without `to` it has no recipient.
    let mut events = templates.events();
    let builtin_alert = templates
        .get(EventType::TransferRequested)
        .is_some_and(|t| t.name().ends_with("(built in)"));
    if s.to.is_none() && builtin_alert {
        if spec.config.events.is_some() {
            return Err(
                spec.error("transfer.requested sends a staff alert: set `to` to the staff number")
            );
        }
        events.retain(|t| *t != EventType::TransferRequested);
    }
    let base = vendor::base_url(spec, s.base_url.as_deref(), DEFAULT_BASE)?;
    Ok(Arc::new(Twilio {
        url: vendor::endpoint(
            &base,
            &format!("/2010-04-01/Accounts/{}/Messages.json", s.account_sid),
        ),
        auth: vendor::basic_auth(&s.account_sid, s.auth_token.expose()),
        sender,
        to: s.to,
        templates,
        events,
    }))
}

#[async_trait::async_trait]
impl Connector for Twilio {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let params = self.params(t, t.render_json(&vendor::envelope(req.event)?)?)?;
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

    /// 201 delivered; 400 (21211 invalid `To`, 21610 unsubscribed...), 401
    /// and 404 permanent; 429 (20429) after `Retry-After`; 5xx retried.
    fn classify(&self, response: &Response) -> Verdict {
        vendor::classify(response, None)
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.events.clone())
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(vendor::error_message(
            "Twilio",
            response,
            &["/code", "/message", "/more_info"],
        ))
    }
}

impl Twilio {
    /// The form fields, in a stable order: `To`, sender, then the template's.
    fn params(&self, t: &Template, rendered: Value) -> Result<Vec<(String, String)>, MappingError> {
        let fail = |m: String| MappingError::from(t.error(m));
        let Value::Object(map) = rendered else {
            return Err(fail(
                "output must be a JSON object of Twilio parameters".into(),
            ));
        };
        let mut rest = Vec::new();
        let mut template_to = None;
        for (k, v) in map {
            let v = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => return Err(fail(format!("`{k}` must be a string, not {other}"))),
            };
            match k.as_str() {
                "To" => template_to = Some(v),
                "From" | "MessagingServiceSid" => {
                    return Err(fail(format!(
                        "leave `{k}` out: the connector sets it from its config"
                    )))
                }
                _ => rest.push((k, v)),
            }
        }
        let to = self.to.clone().or(template_to).ok_or_else(|| {
            fail("no recipient: the template has no `To` and the connector no `to`".into())
        })?;
        if !is_e164(&to) {
            return Err(fail(format!("`To` '{to}' is not an E.164 number")));
        }
        match rest.iter().find(|(k, _)| k == "Body") {
            Some((_, body)) if body.trim().is_empty() => {
                return Err(fail("`Body` is empty".into()))
            }
            Some((_, body)) if body.chars().count() > MAX_BODY => {
                return Err(fail(format!("`Body` is longer than {MAX_BODY} characters")))
            }
            None if !rest
                .iter()
                .any(|(k, _)| k == "MediaUrl" || k == "ContentSid") =>
            {
                return Err(fail(
                    "one of `Body`, `MediaUrl` or `ContentSid` is required".into(),
                ))
            }
            _ => {}
        }
        let mut params = vec![
            ("To".to_owned(), to),
            (self.sender.0.to_owned(), self.sender.1.clone()),
        ];
        params.extend(rest);
        Ok(params)
    }
}
