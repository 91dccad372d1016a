//! `[operations]`: where the hub sends its own operational events
//! (`switchboard.*`) for every account.

use serde::Deserialize;

use super::Secret;

/// `[operations]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperationsConfig {
    /// The operator's receiver of every account's operational events
    /// (`switchboard.endpoint.failing`, `.disabled`, `.recovered`,
    /// `switchboard.delivery.exhausted`, `switchboard.connector.auth_failed`),
    /// sent as signed webhooks through the same durable path as every other
    /// delivery. Unset: only targets naming those types in `events` get them.
    pub url: Option<String>,
    /// The `whsec_...` secret those requests are signed with (required with `url`).
    pub secret: Option<Secret>,
}

impl OperationsConfig {
    /// A `url` needs its `secret`, and the secret a `url`.
    pub(crate) fn validate(&self) -> Result<(), super::ConfigError> {
        match (&self.url, &self.secret) {
            (Some(_), None) => Err(super::ConfigError::invalid(
                "operations.secret",
                "is required with operations.url: generate one with `switchboard verify --new-secret`",
            )),
            (None, Some(_)) => Err(super::ConfigError::invalid(
                "operations.url",
                "is required with operations.secret",
            )),
            _ => Ok(()),
        }
    }
}
