//! The connector's own config keys and their checks.

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{BuildError, ConnectorSpec},
};

/// `[[connectors]]` keys of kind `hubspot` (besides the shared ones).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Private-app access token.
    pub token: Secret,
    /// Default `https://api.hubapi.com`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// A custom unique-value contact property that holds the caller's number
    /// (searched and written besides `phone`).
    #[serde(default)]
    pub phone_property: Option<String>,
    /// The portal's time zone (IANA name), so a `DAILY` quota answer waits
    /// exactly until the portal's midnight.
    #[serde(default)]
    pub portal_timezone: Option<String>,
}

/// Checked settings.
pub struct Checked {
    /// `Bearer <token>`.
    pub auth: String,
    /// The custom phone property, if any (never the built-in `phone`).
    pub phone_property: Option<String>,
    /// The portal's time zone, if given.
    pub portal_timezone: Option<chrono_tz::Tz>,
}

/// Built-in contact properties that HubSpot does not treat as unique.
const BUILT_IN_PHONES: [&str; 2] = ["phone", "mobilephone"];

impl Settings {
    /// Checks every key, naming what is wrong and how to fix it.
    pub fn check(&self, spec: &ConnectorSpec<'_>) -> Result<Checked, BuildError> {
        if self.token.expose().trim().is_empty() {
            return Err(spec.error("`token` is empty: use a private-app access token"));
        }
        let phone_property = match self.phone_property.as_deref().map(str::trim) {
            None | Some("") => None,
            // The old default: the built-in property is always searched and
            // written, so naming it is the same as leaving the key out.
            Some(p) if BUILT_IN_PHONES.contains(&p) => None,
            Some(p) if is_property_name(p) => Some(p.to_owned()),
            Some(p) => {
                return Err(spec.error(format!(
                    "`phone_property` '{p}' is not a HubSpot property internal name \
                     (lowercase letters, digits and underscores, e.g. `oncall_phone`)"
                )))
            }
        };
        let portal_timezone = match self.portal_timezone.as_deref() {
            None => None,
            Some(name) => Some(name.parse().map_err(|_| {
                spec.error(format!(
                    "`portal_timezone` '{name}' is not an IANA time zone name \
                     (e.g. `America/Chicago`; HubSpot shows it under Settings > Account defaults)"
                ))
            })?),
        };
        Ok(Checked {
            auth: format!("Bearer {}", self.token.expose()),
            phone_property,
            portal_timezone,
        })
    }
}

fn is_property_name(p: &str) -> bool {
    p.starts_with(|c: char| c.is_ascii_lowercase())
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
