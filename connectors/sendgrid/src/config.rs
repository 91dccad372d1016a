//! The connector's settings and the factory that checks them.

use std::sync::Arc;

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{vendor, BuildError, Connector, ConnectorSpec},
    event::EventType,
    template::{Mode, TemplateSet},
};

use crate::{
    mail::{Address, Recipients},
    SendGrid,
};

const US_BASE: &str = "https://api.sendgrid.com";
/// EU regional subusers send through their own host.
const EU_BASE: &str = "https://api.eu.sendgrid.com";

/// The built-in templates that write to staff (no `to` of their own): they
/// need the connector's `to`.
const STAFF_EVENTS: [EventType; 4] = [
    EventType::LeadCaptured,
    EventType::CallCompleted,
    EventType::TransferRequested,
    EventType::VoicemailLeft,
];

/// `[[connectors]]` keys of kind `sendgrid`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// A SendGrid API key (`SG.`...) with the Mail Send permission.
    api_key: Secret,
    /// The verified sender: `bookings@example.com` or `Name <bookings@example.com>`.
    from: String,
    /// Staff address(es) for call summaries.
    #[serde(default)]
    to: Option<Recipients>,
    /// `us` (default) or `eu` (EU regional subusers).
    #[serde(default)]
    region: Option<String>,
    /// The API's base URL (tests, proxies); overrides `region`.
    #[serde(default)]
    base_url: Option<String>,
}

/// The factory registered as `sendgrid`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    if !s.api_key.expose().starts_with("SG.") {
        return Err(spec.error(
            "`api_key` must be a SendGrid API key (it starts with `SG.`; create one under Settings > API Keys with Mail Send access)",
        ));
    }
    let from = Address::parse(&s.from).map_err(|e| spec.error(format!("`from`: {e}")))?;
    let to = match s.to {
        Some(list) => Some(
            list.addresses()
                .map_err(|e| spec.error(format!("`to`: {e}")))?,
        ),
        None => None,
    };
    let default_base = match s.region.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("us") | Some("global") => US_BASE,
        Some("eu") => EU_BASE,
        Some(other) => {
            return Err(spec.error(format!(
                "`region` '{other}' must be \"us\" or \"eu\" (EU regional subusers)"
            )))
        }
    };
    let base = vendor::base_url(spec, s.base_url.as_deref(), default_base)?;
    let templates = TemplateSet::load(spec, Mode::Json)?;
    let events = served_events(spec, &templates, to.is_some())?;
    Ok(Arc::new(SendGrid {
        url: vendor::endpoint(&base, "/v3/mail/send"),
        auth: format!("Bearer {}", s.api_key.expose()),
        from,
        to,
        templates,
        events,
    }))
}

/// The event types served. The built-in staff summaries have no recipient
/// without `to`, so they are left out then (or refused if `events` asks).
fn served_events(
    spec: &ConnectorSpec<'_>,
    templates: &TemplateSet,
    has_to: bool,
) -> Result<Vec<EventType>, BuildError> {
    let mut events = templates.events();
    if has_to {
        return Ok(events);
    }
    let needs_to = |t: &EventType| {
        STAFF_EVENTS.contains(t)
            && templates
                .get(*t)
                .is_some_and(|tpl| tpl.name().ends_with("(built in)"))
    };
    if let (Some(t), Some(_)) = (events.iter().find(|t| needs_to(t)), &spec.config.events) {
        return Err(spec.error(format!(
            "{t} sends a summary to staff: set `to` to their address (or remove {t} from `events`)"
        )));
    }
    events.retain(|t| !needs_to(t));
    Ok(events)
}
