//! The `[[connectors]]` keys of a `freshdesk` connector, checked.

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{vendor, BuildError, ConnectorSpec},
};

/// The kind's own keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `acme` (or `acme.freshdesk.com`) for `https://acme.freshdesk.com`.
    #[serde(default)]
    pub domain: Option<String>,
    /// The API key of the agent the connector acts as.
    pub api_key: Secret,
    /// A full base URL instead (proxies, tests).
    #[serde(default)]
    pub base_url: Option<String>,
}

/// Checked settings.
pub struct Checked {
    /// Where the API is.
    pub base: url::Url,
    /// `Basic base64(api_key:X)`.
    pub auth: String,
}

impl Settings {
    /// Checks every key, naming what is wrong and how to fix it.
    pub fn check(self, spec: &ConnectorSpec<'_>) -> Result<Checked, BuildError> {
        if self.api_key.expose().trim().is_empty() {
            return Err(spec
                .error("`api_key` is empty: use the API key under Profile settings in Freshdesk"));
        }
        let default = match (&self.domain, &self.base_url) {
            (Some(_), Some(_)) => return Err(spec.error("set `domain` or `base_url`, not both")),
            (None, None) => {
                return Err(spec.error("set `domain` (the `acme` of acme.freshdesk.com)"))
            }
            (Some(d), None) => {
                let name = d.trim().trim_end_matches(".freshdesk.com");
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(spec.error(format!(
                        "`domain` '{d}' must be the helpdesk's name, e.g. \"acme\" for acme.freshdesk.com"
                    )));
                }
                format!("https://{name}.freshdesk.com")
            }
            (None, Some(_)) => String::new(),
        };
        Ok(Checked {
            base: vendor::base_url(spec, self.base_url.as_deref(), &default)?,
            // Freshdesk takes the key as the user name and any password.
            auth: vendor::basic_auth(self.api_key.expose(), "X"),
        })
    }
}
