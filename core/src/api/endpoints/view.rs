//! How the API shows an endpoint: the secret in full only once, masked
//! everywhere else, with the endpoint's health when read back.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{
    api::{ApiError, AppState},
    endpoints::EndpointRecord,
    health::HealthView,
    operations::DisableCause,
    time::rfc3339,
};

/// An endpoint as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointView {
    /// `ep_<ULID>`; deliveries to it carry it as their `connector`.
    pub id: String,
    /// Fallback URL.
    pub url: Option<String>,
    /// Per-type URLs.
    pub urls: BTreeMap<String, String>,
    /// Event types received; `null` means all.
    pub events: Option<Vec<String>>,
    /// Free text.
    pub description: String,
    /// Whether events are delivered to it.
    pub enabled: bool,
    /// `active` or `disabled`.
    pub state: String,
    /// Why it is disabled (operator, `410 Gone`, failing too long).
    pub disabled_reason: Option<String>,
    /// `gone`, `no_success` (probed, re-enabled on a 2xx) or `operator`;
    /// `null` while enabled.
    pub disabled_cause: Option<String>,
    /// Deliveries held as `disabled`, sent oldest first once it is re-enabled.
    pub held: u64,
    /// The signing secret: in full only in the answer to create; masked elsewhere.
    pub secret: String,
    /// When the previous secret stops signing, during a rotation's overlap.
    pub previous_secret_expires_at: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Failure streak, last success and failure, success rate, breaker
    /// (not in the answer to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthView>,
}

impl EndpointView {
    pub(super) fn new(r: &EndpointRecord, disabled_reason: Option<String>, reveal: bool) -> Self {
        let now = crate::time::now_ms();
        let current = r.secrets.first().map(|s| s.secret.expose()).unwrap_or("");
        EndpointView {
            id: r.id.clone(),
            url: r.url.clone(),
            urls: r
                .urls
                .iter()
                .map(|(t, u)| (t.to_string(), u.clone()))
                .collect(),
            events: r
                .events
                .as_ref()
                .map(|l| l.iter().map(|t| t.to_string()).collect()),
            description: r.description.clone(),
            enabled: disabled_reason.is_none(),
            state: if disabled_reason.is_some() {
                "disabled"
            } else {
                "active"
            }
            .into(),
            disabled_cause: disabled_reason
                .as_deref()
                .map(|r| DisableCause::of(r).code().to_owned()),
            disabled_reason,
            held: 0,
            secret: if reveal {
                current.to_owned()
            } else {
                mask(current)
            },
            previous_secret_expires_at: r
                .active_secrets(now)
                .skip(1)
                .filter_map(|s| s.expires_at)
                .max()
                .map(rfc3339),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            health: None,
        }
    }

    /// Adds the health of the endpoint, whose target key is `key`, and the
    /// count of deliveries it holds while disabled.
    pub(super) async fn with_health(
        mut self,
        state: &AppState,
        key: &str,
    ) -> Result<Self, ApiError> {
        let stored = state.store.health_of(key).await?;
        let held = state.store.held(&[key.to_string()]).await?;
        self.held = held.get(key).copied().unwrap_or(0);
        self.health = Some(state.health.view(key, stored.as_ref()));
        Ok(self)
    }
}

/// `whsec_` and the last four characters: enough to tell secrets apart.
fn mask(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("whsec_****{tail}")
}

/// A page of endpoints, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointList {
    /// The endpoints.
    pub data: Vec<EndpointView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Answer of `rotate-secret`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotatedSecret {
    /// The endpoint.
    pub id: String,
    /// The new secret, shown this once.
    pub secret: String,
    /// Until when the previous secret keeps signing too (RFC 3339); `null`
    /// if it stopped at once.
    pub previous_secret_expires_at: Option<String>,
}
