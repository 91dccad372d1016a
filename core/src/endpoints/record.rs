//! A runtime endpoint as stored: where it sends, what it wants, how it signs.

use std::{collections::BTreeMap, sync::Arc};

use serde::{Deserialize, Serialize};

use crate::{
    account::AccountId,
    config::Secret,
    event::EventType,
    signing::SigningKey,
    storage::{Sealer, StoreError},
    time::{now_ms, Millis},
};

/// A runtime endpoint (REST hook): a `webhook` connector made through the API.
#[derive(Debug, Clone)]
pub struct EndpointRecord {
    /// `ep_<ULID>`; also the connector name deliveries are recorded under.
    pub id: String,
    /// The account it belongs to (the one it was created in); only that
    /// account's events reach it.
    pub account: AccountId,
    /// Target URL for every event type without its own entry in `urls`.
    pub url: Option<String>,
    /// Per-event-type target URLs.
    pub urls: BTreeMap<EventType, String>,
    /// Event types wanted; `None` means all.
    pub events: Option<Vec<EventType>>,
    /// Free text for operators ("Zapier: new leads to Sheets").
    pub description: String,
    /// Signing secrets, newest first; older ones expire after a rotation.
    pub secrets: Vec<EndpointSecret>,
    /// Creation time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

/// One signing secret of an endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointSecret {
    /// `whsec_<base64>`.
    #[serde(with = "secret_text")]
    pub secret: Secret,
    /// When it stops signing; `None` for the current secret.
    pub expires_at: Option<Millis>,
}

mod secret_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::config::Secret;

    pub fn serialize<S: Serializer>(s: &Secret, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl EndpointRecord {
    /// Its key in the connector table and in storage (see
    /// [`AccountId::target_key`]).
    pub fn key(&self) -> Arc<str> {
        self.account.target_key(&self.id)
    }

    /// The secrets still signing at `now`, newest first.
    pub fn active_secrets(&self, now: Millis) -> impl Iterator<Item = &EndpointSecret> {
        self.secrets
            .iter()
            .filter(move |s| s.expires_at.is_none_or(|t| t > now))
    }

    /// Signing keys with their expiry, newest first (stored secrets are
    /// checked at creation, so a bad one here is corrupt data).
    pub fn keys(&self) -> Result<Vec<(SigningKey, Option<Millis>)>, StoreError> {
        self.active_secrets(now_ms())
            .map(|s| {
                SigningKey::parse(s.secret.expose())
                    .map(|k| (k, s.expires_at))
                    .map_err(|e| StoreError::Corrupt(format!("endpoint {}: {e}", self.id)))
            })
            .collect()
    }

    /// Makes `new` the current secret; the current one keeps signing until
    /// `overlap_ends` (dropped at once if that is now or earlier), and
    /// secrets already expired are forgotten.
    pub fn rotate(&mut self, new: Secret, overlap_ends: Millis) {
        let now = now_ms();
        for s in &mut self.secrets {
            let until = s.expires_at.unwrap_or(overlap_ends).min(overlap_ends);
            s.expires_at = Some(until);
        }
        self.secrets
            .retain(|s| s.expires_at.is_none_or(|t| t > now));
        self.secrets.insert(
            0,
            EndpointSecret {
                secret: new,
                expires_at: None,
            },
        );
        self.updated_at = now;
    }

    /// The stored columns, with the secrets sealed if `sealer` has a key.
    pub fn to_row(&self, sealer: &Sealer) -> EndpointRow {
        let secrets = serde_json::to_string(&self.secrets).expect("plain structs");
        EndpointRow {
            id: self.id.clone(),
            account: self.account.to_string(),
            url: self.url.clone(),
            urls: serde_json::to_string(&self.urls).expect("map of strings"),
            events: self
                .events
                .as_ref()
                .map(|e| serde_json::to_string(e).expect("list of strings")),
            description: self.description.clone(),
            secrets: sealer.seal(&secrets, &self.id),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// An endpoint as both storage back-ends keep it: JSON text in three columns.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EndpointRow {
    /// Id.
    pub id: String,
    /// Account id.
    pub account: String,
    /// Fallback URL.
    pub url: Option<String>,
    /// JSON object of event type to URL.
    pub urls: String,
    /// JSON list of event types, or NULL for all.
    pub events: Option<String>,
    /// Description.
    pub description: String,
    /// JSON list of [`EndpointSecret`], or that list sealed
    /// ([`SEALED_PREFIX`](crate::storage::SEALED_PREFIX)).
    pub secrets: String,
    /// Creation time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

impl EndpointRow {
    /// Parses the JSON columns back, opening sealed secrets with `sealer`.
    pub fn into_record(self, sealer: &Sealer) -> Result<EndpointRecord, StoreError> {
        let corrupt = |what: &str, e: serde_json::Error| {
            StoreError::Corrupt(format!("endpoint {} `{what}`: {e}", self.id))
        };
        Ok(EndpointRecord {
            account: AccountId::parse(&self.account)
                .map_err(|e| StoreError::Corrupt(format!("endpoint {}: {e}", self.id)))?,
            urls: serde_json::from_str(&self.urls).map_err(|e| corrupt("urls", e))?,
            events: self
                .events
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| corrupt("events", e))?,
            secrets: serde_json::from_str(&sealer.open(
                &self.secrets,
                &self.id,
                &format!("endpoint {}", self.id),
            )?)
            .map_err(|e| corrupt("secrets", e))?,
            id: self.id,
            url: self.url,
            description: self.description,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> EndpointRecord {
        EndpointRecord {
            id: "ep_1".into(),
            account: AccountId::default(),
            url: Some("https://example.com/hook".into()),
            urls: [(EventType::LeadCaptured, "https://example.com/leads".into())].into(),
            events: Some(vec![EventType::LeadCaptured, EventType::CallCompleted]),
            description: "test".into(),
            secrets: vec![EndpointSecret {
                secret: Secret::new(SigningKey::generate()),
                expires_at: None,
            }],
            created_at: 1,
            updated_at: 1,
        }
    }

    #[test]
    fn row_round_trips() {
        let r = record();
        let back = r
            .to_row(&Sealer::default())
            .into_record(&Sealer::default())
            .unwrap();
        assert_eq!(back.urls, r.urls);
        assert_eq!(back.events, r.events);
        assert_eq!(back.secrets[0].secret, r.secrets[0].secret);
    }

    #[test]
    fn rotation_keeps_the_old_secret_until_the_overlap_ends() {
        let mut r = record();
        let old = r.secrets[0].secret.clone();
        let new = Secret::new(SigningKey::generate());
        let ends = now_ms() + 60_000;
        r.rotate(new.clone(), ends);
        let active: Vec<_> = r.active_secrets(now_ms()).map(|s| &s.secret).collect();
        assert_eq!(active, vec![&new, &old]);
        assert_eq!(r.keys().unwrap().len(), 2);
        assert!(r.active_secrets(ends).map(|s| &s.secret).eq([&new]));
        // A second rotation with no overlap drops every older secret at once.
        let newest = Secret::new(SigningKey::generate());
        r.rotate(newest.clone(), now_ms());
        assert!(r.active_secrets(now_ms()).map(|s| &s.secret).eq([&newest]));
        assert_eq!(r.secrets.len(), 1);
    }
}
