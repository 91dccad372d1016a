//! The `[[connectors]]` keys of a `zendesk` connector and the factory.

use std::sync::Arc;

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{vendor, BuildError, Connector, ConnectorSpec},
    template::{Mode, TemplateSet},
};

use crate::Zendesk;

/// The kind's own keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// `acme` for `https://acme.zendesk.com`.
    #[serde(default)]
    subdomain: Option<String>,
    /// A full base URL instead (proxies, tests).
    #[serde(default)]
    base_url: Option<String>,
    /// The agent the API token belongs to.
    email: String,
    /// The API token.
    api_token: Secret,
}

/// The factory registered as `zendesk`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let default = default_base(spec, &s)?;
    let base = vendor::base_url(spec, s.base_url.as_deref(), &default)?;
    if !s.email.contains('@') {
        return Err(spec.error("`email` must be the address of the agent owning `api_token`"));
    }
    Ok(Arc::new(Zendesk {
        tickets: vendor::endpoint(&base, "/api/v2/tickets"),
        users: vendor::endpoint(&base, "/api/v2/users/create_or_update"),
        auth: vendor::basic_auth(&format!("{}/token", s.email), s.api_token.expose()),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

/// `https://{subdomain}.zendesk.com`, or "" when `base_url` is set.
fn default_base(spec: &ConnectorSpec<'_>, s: &Settings) -> Result<String, BuildError> {
    match (&s.subdomain, &s.base_url) {
        (Some(_), Some(_)) => Err(spec.error("set `subdomain` or `base_url`, not both")),
        (None, None) => Err(spec.error("set `subdomain` (the `acme` of acme.zendesk.com)")),
        (Some(sub), None) => {
            if sub.is_empty() || !sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(spec.error(format!(
                    "`subdomain` '{sub}' must be only the name, e.g. \"acme\" for acme.zendesk.com"
                )));
            }
            Ok(format!("https://{sub}.zendesk.com"))
        }
        (None, Some(_)) => Ok(String::new()),
    }
}
