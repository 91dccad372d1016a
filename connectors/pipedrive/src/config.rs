//! The `[[connectors]]` keys of a `pipedrive` connector, checked.

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{vendor, BuildError, ConnectorSpec},
    template::known_country,
};

/// The kind's own keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The API token of the Pipedrive user the connector acts as.
    pub api_token: Secret,
    /// `acme` for `https://acme.pipedrive.com`.
    #[serde(default)]
    pub company_domain: Option<String>,
    /// A full base URL instead (proxies, tests).
    #[serde(default)]
    pub base_url: Option<String>,
    /// ISO 3166 alpha-2 country national numbers are read in (`US`), so
    /// `(512) 555-0142` and `+15125550142` are one caller.
    #[serde(default)]
    pub default_country: Option<String>,
}

/// Checked settings.
pub struct Checked {
    /// Where the API is.
    pub base: url::Url,
    /// The token, sent as `x-api-token`.
    pub token: String,
    /// The country national numbers are read in.
    pub country: Option<String>,
}

impl Settings {
    /// Checks every key, naming what is wrong and how to fix it.
    pub fn check(self, spec: &ConnectorSpec<'_>) -> Result<Checked, BuildError> {
        if self.api_token.expose().trim().is_empty() {
            return Err(spec.error(
                "`api_token` is empty: use the token under Personal preferences > API in Pipedrive",
            ));
        }
        let default = match (&self.company_domain, &self.base_url) {
            (Some(_), Some(_)) => {
                return Err(spec.error("set `company_domain` or `base_url`, not both"))
            }
            (None, None) => {
                return Err(spec.error("set `company_domain` (the `acme` of acme.pipedrive.com)"))
            }
            (Some(d), None) => {
                if d.is_empty() || !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(spec.error(format!(
                        "`company_domain` '{d}' must be only the name, e.g. \"acme\" for acme.pipedrive.com"
                    )));
                }
                format!("https://{d}.pipedrive.com")
            }
            (None, Some(_)) => String::new(),
        };
        let base = vendor::base_url(spec, self.base_url.as_deref(), &default)?;
        if let Some(c) = self
            .default_country
            .as_deref()
            .filter(|c| !known_country(c))
        {
            return Err(spec.error(format!(
                "`default_country` '{c}' is not a country code national numbers can be read in \
                 (use an ISO 3166 alpha-2 code such as \"US\" or \"GB\")"
            )));
        }
        Ok(Checked {
            base,
            token: self.api_token.expose().to_owned(),
            country: self.default_country,
        })
    }
}
