//! The `[[connectors]]` keys of an `intercom` connector, checked.

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{vendor, BuildError, ConnectorSpec},
};

/// The kind's own keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Access token of a private Intercom app.
    pub token: Secret,
    /// `us` (default), `eu` or `au`: where the workspace's data is hosted.
    #[serde(default)]
    pub region: Option<String>,
    /// A full base URL instead (proxies, tests).
    #[serde(default)]
    pub base_url: Option<String>,
}

/// Checked settings.
pub struct Checked {
    /// Where the API is.
    pub base: url::Url,
    /// `Bearer <token>`.
    pub auth: String,
}

/// The API host of each region.
const HOSTS: [(&str, &str); 3] = [
    ("us", "https://api.intercom.io"),
    ("eu", "https://api.eu.intercom.io"),
    ("au", "https://api.au.intercom.io"),
];

impl Settings {
    /// Checks every key, naming what is wrong and how to fix it.
    pub fn check(self, spec: &ConnectorSpec<'_>) -> Result<Checked, BuildError> {
        if self.token.expose().trim().is_empty() {
            return Err(spec.error(
                "`token` is empty: use the access token of a private app (Developer Hub > your app > Authentication)",
            ));
        }
        let region = self.region.as_deref().unwrap_or("us").to_ascii_lowercase();
        let Some((_, host)) = HOSTS.iter().find(|(r, _)| *r == region) else {
            return Err(spec.error(format!(
                "`region` '{region}' is not one of \"us\", \"eu\", \"au\" (where the workspace's data is hosted)"
            )));
        };
        if self.region.is_some() && self.base_url.is_some() {
            return Err(spec.error("set `region` or `base_url`, not both"));
        }
        Ok(Checked {
            base: vendor::base_url(spec, self.base_url.as_deref(), host)?,
            auth: format!("Bearer {}", self.token.expose()),
        })
    }
}
