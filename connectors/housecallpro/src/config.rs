//! The `[[connectors]]` keys of a `housecallpro` connector, checked.

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{vendor, BuildError, ConnectorSpec},
};

/// The kind's own keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// An API key (MAX plan; made by an Admin under App Store > API Key Management).
    pub api_key: Secret,
    /// Default `https://api.housecallpro.com` (proxies, tests).
    #[serde(default)]
    pub base_url: Option<String>,
}

/// Checked settings.
pub struct Checked {
    /// Where the API is.
    pub base: url::Url,
    /// `Token <api key>`.
    pub auth: String,
}

impl Settings {
    /// Checks every key, naming what is wrong and how to fix it.
    pub fn check(self, spec: &ConnectorSpec<'_>) -> Result<Checked, BuildError> {
        if self.api_key.expose().trim().is_empty() {
            return Err(spec.error(
                "`api_key` is empty: an Admin of a MAX-plan account makes one under App Store > API Key Management",
            ));
        }
        Ok(Checked {
            base: vendor::base_url(
                spec,
                self.base_url.as_deref(),
                "https://api.housecallpro.com",
            )?,
            auth: format!("Token {}", self.api_key.expose()),
        })
    }
}
