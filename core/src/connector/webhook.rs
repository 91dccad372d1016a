//! The generic `webhook` kind: the signed event envelope, POSTed to a URL.
//!
//! Config keys: `url` (or `urls`, a table of event type to URL, with `url` as
//! the fallback), `secret` (`whsec_...`), optional `headers`. Runtime
//! endpoints use the same connector, changed in place when the endpoint is
//! edited or its secret rotated.

use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock},
};

use http::{HeaderName, HeaderValue, StatusCode};
use serde::Deserialize;

use super::{classify_status, Connector, ConnectorSpec, DeliveryRequest, MappingError, Verdict};
use crate::{
    config::Secret,
    event::EventType,
    outbound::{OutboundRequest, Response},
    signing::{sign, SigningKey},
    time::{now_ms, Millis},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Target URL for every event type without its own entry in `urls`.
    #[serde(default)]
    url: Option<String>,
    /// Per-event-type target URLs.
    #[serde(default)]
    urls: BTreeMap<EventType, String>,
    /// Signing secret, `whsec_<base64>`.
    secret: Option<Secret>,
    /// Extra static headers.
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

/// Where a webhook goes: one URL, or one per event type.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Fallback URL.
    pub default: Option<url::Url>,
    /// Per-type URLs.
    pub by_type: BTreeMap<EventType, url::Url>,
}

impl Targets {
    /// The URL for an event type, if any.
    pub fn for_type(&self, t: EventType) -> Option<&url::Url> {
        self.by_type.get(&t).or(self.default.as_ref())
    }
}

/// Parses a webhook target URL: absolute http(s) only.
pub fn parse_url(raw: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("'{raw}' is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "'{raw}' must be an absolute http:// or https:// URL"
        ));
    }
    Ok(url)
}

/// A signing key and when it stops signing (`None`: it does not).
pub type ExpiringKey = (SigningKey, Option<Millis>);

/// A signed-webhook connector. Runtime endpoints reuse it with their own keys.
pub struct WebhookConnector {
    // Swapped whole by `update`; an attempt in progress keeps the one it read.
    current: RwLock<Arc<Current>>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

struct Current {
    targets: Targets,
    keys: Vec<ExpiringKey>,
}

impl WebhookConnector {
    /// A webhook to `targets`, signed with `keys` (newest first).
    pub fn new(targets: Targets, keys: Vec<SigningKey>) -> Self {
        Self::with_expiring_keys(targets, keys.into_iter().map(|k| (k, None)).collect())
    }

    /// A webhook whose older keys stop signing at their expiry (a rotation's overlap).
    pub fn with_expiring_keys(targets: Targets, keys: Vec<ExpiringKey>) -> Self {
        WebhookConnector {
            current: RwLock::new(Arc::new(Current { targets, keys })),
            headers: vec![],
        }
    }

    /// Changes targets and keys; the next attempt uses them.
    pub fn update(&self, targets: Targets, keys: Vec<ExpiringKey>) {
        *self.current.write().expect("lock") = Arc::new(Current { targets, keys });
    }
}

/// The `webhook` kind (no default templates).
pub const PLUGIN: super::Plugin = super::Plugin {
    kind: "webhook",
    build,
    templates: &[],
};

/// [`super::Factory`] of the `webhook` kind.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, super::BuildError> {
    let s: Settings = spec.settings()?;
    let secret = s.secret.ok_or_else(|| {
        spec.error("`secret` is required: generate one with `switchboard verify --new-secret` and reference it as \"${MY_WEBHOOK_SECRET}\"")
    })?;
    let key =
        SigningKey::parse(secret.expose()).map_err(|e| spec.error(format!("`secret`: {e}")))?;
    let default = s
        .url
        .as_deref()
        .map(parse_url)
        .transpose()
        .map_err(|e| spec.error(format!("`url`: {e}")))?;
    let mut by_type = BTreeMap::new();
    for (t, raw) in &s.urls {
        by_type.insert(
            *t,
            parse_url(raw).map_err(|e| spec.error(format!("`urls.\"{t}\"`: {e}")))?,
        );
    }
    let targets = Targets { default, by_type };
    for t in EventType::ALL.into_iter().filter(|t| spec.config.wants(*t)) {
        if targets.for_type(t).is_none() {
            return Err(spec.error(format!(
                "no URL for {t}: set `url`, or `urls.\"{t}\"`, or leave {t} out of `events`"
            )));
        }
    }
    let mut headers = Vec::new();
    for (k, v) in s.headers {
        let name = HeaderName::try_from(k.as_str())
            .map_err(|e| spec.error(format!("header '{k}': {e}")))?;
        let value = HeaderValue::try_from(v.as_str())
            .map_err(|e| spec.error(format!("header '{k}': {e}")))?;
        headers.push((name, value));
    }
    Ok(Arc::new(WebhookConnector {
        current: RwLock::new(Arc::new(Current {
            targets,
            keys: vec![(key, None)],
        })),
        headers,
    }))
}

#[async_trait::async_trait]
impl Connector for WebhookConnector {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let ev = req.event;
        let current = self.current.read().expect("lock").clone();
        let url = current
            .targets
            .for_type(ev.kind)
            .ok_or_else(|| MappingError(format!("no URL configured for {}", ev.kind)))?;
        let body = ev.body.as_bytes();
        let now = now_ms();
        let timestamp = now.div_euclid(1000);
        let keys: Vec<SigningKey> = current
            .keys
            .iter()
            .filter(|(_, until)| until.is_none_or(|t| t > now))
            .map(|(k, _)| k.clone())
            .collect();
        let sigs = sign(&keys, &ev.id, timestamp, body);
        let mut r = OutboundRequest::post(
            url.clone(),
            "application/json",
            bytes::Bytes::copy_from_slice(body),
        );
        for (name, value) in &self.headers {
            r.headers.insert(name.clone(), value.clone());
        }
        let h = &mut r.headers;
        let value = |s: &str| {
            HeaderValue::from_str(s).map_err(|e| MappingError(format!("header value: {e}")))
        };
        h.insert("x-oncallclerk-signature", value(&sigs.plain)?);
        h.insert(
            "x-oncallclerk-event",
            HeaderValue::from_static(ev.kind.as_str()),
        );
        h.insert("x-oncallclerk-delivery", value(req.delivery_id)?);
        h.insert("webhook-id", value(&ev.id)?);
        h.insert("webhook-timestamp", value(&timestamp.to_string())?);
        h.insert("webhook-signature", value(&sigs.standard)?);
        Ok(vec![r])
    }

    fn keeps_sent_requests(&self) -> bool {
        false
    }

    fn classify(&self, response: &Response) -> Verdict {
        if response.status == StatusCode::GONE {
            return Verdict::Disable;
        }
        classify_status(response)
    }
}
