//! The connector's settings and the factory that checks them.

use std::sync::Arc;

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{vendor, BuildError, Connector, ConnectorSpec},
    event::EventType,
    template::{known_country, to_e164, Mode, TemplateSet},
};

use crate::Twilio;

const DEFAULT_BASE: &str = "https://api.twilio.com";

/// `[[connectors]]` keys of kind `twilio`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// `AC` + 32 hex digits; also the Basic auth user.
    account_sid: String,
    /// The Basic auth password.
    auth_token: Secret,
    /// Sender number (E.164) or alphanumeric sender id.
    #[serde(default)]
    from: Option<String>,
    /// Messaging Service `MG...`, instead of `from`.
    #[serde(default)]
    messaging_service_sid: Option<String>,
    /// A fixed recipient replacing every template's `To`.
    #[serde(default)]
    to: Option<String>,
    /// ISO 3166 alpha-2 country national numbers (no `+`/`00`) are read in.
    #[serde(default)]
    default_country: Option<String>,
    /// The API's base URL (tests, proxies).
    #[serde(default)]
    base_url: Option<String>,
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
    let sender = sender(spec, s.from, s.messaging_service_sid)?;
    let country = match s.default_country {
        Some(c) if known_country(&c) => Some(c.trim().to_ascii_uppercase()),
        Some(c) => {
            return Err(spec.error(format!(
                "`default_country` '{c}' is not a country code this connector knows: \
                 use ISO 3166 alpha-2 such as \"US\", \"CA\", \"GB\", \"IE\", \"AU\", \"NZ\", \
                 \"DE\", \"FR\", \"ES\", \"IT\", \"NL\", \"MX\", \"BR\" or \"IN\""
            )))
        }
        None => None,
    };
    let to = match s.to {
        Some(to) => Some(to_e164(&to, country.as_deref()).map_err(|e| {
            spec.error(format!(
                "`to`: {e}; write it like +15551234567 (or set `default_country`)"
            ))
        })?),
        None => None,
    };
    let templates = TemplateSet::load(spec, Mode::Json)?;
    let events = served_events(spec, &templates, to.is_some())?;
    let base = vendor::base_url(spec, s.base_url.as_deref(), DEFAULT_BASE)?;
    Ok(Arc::new(Twilio {
        url: vendor::endpoint(
            &base,
            &format!("/2010-04-01/Accounts/{}/Messages.json", s.account_sid),
        ),
        auth: vendor::basic_auth(&s.account_sid, s.auth_token.expose()),
        sender,
        to,
        country,
        templates,
        events,
    }))
}

/// `From` or `MessagingServiceSid`: exactly one, well formed.
fn sender(
    spec: &ConnectorSpec<'_>,
    from: Option<String>,
    service: Option<String>,
) -> Result<(&'static str, String), BuildError> {
    match (from, service) {
        (Some(from), None) if is_e164(&from) || from.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(("From", from))
        }
        (Some(from), None) => Err(spec.error(format!(
            "`from` '{from}' must be an E.164 number or a sender id"
        ))),
        (None, Some(mg)) if is_sid(&mg, "MG") => Ok(("MessagingServiceSid", mg)),
        (None, Some(_)) => {
            Err(spec.error("`messaging_service_sid` must be MG followed by 32 hex digits"))
        }
        _ => Err(spec.error("set exactly one of `from` and `messaging_service_sid`")),
    }
}

/// The event types served. The shipped staff alert has no `To`: without
/// `to` it has no recipient, so it is left out (or refused if asked for).
fn served_events(
    spec: &ConnectorSpec<'_>,
    templates: &TemplateSet,
    has_to: bool,
) -> Result<Vec<EventType>, BuildError> {
    let mut events = templates.events();
    let builtin_alert = templates
        .get(EventType::TransferRequested)
        .is_some_and(|t| t.name().ends_with("(built in)"));
    if !has_to && builtin_alert {
        if spec.config.events.is_some() {
            return Err(
                spec.error("transfer.requested sends a staff alert: set `to` to the staff number")
            );
        }
        events.retain(|t| *t != EventType::TransferRequested);
    }
    Ok(events)
}
