//! The running set of endpoints: storage first, then the subscription table
//! and the endpoint's actor, one change at a time.

use std::{collections::BTreeMap, collections::HashMap, sync::Arc, time::Duration};

use serde::{Deserialize, Deserializer};
use tokio::sync::Mutex;
use utoipa::ToSchema;

use super::{validate_targets, EndpointError, EndpointRecord, EndpointSecret, OPERATOR_DISABLED};
use crate::{
    account::{AccountId, Scope, TargetName},
    actors::{ConnectorLimits, Launcher, RemoveConnector, Subscription},
    config::Secret,
    connector::webhook::{parse_url, ExpiringKey, Targets as WebhookTargets, WebhookConnector},
    event::EventType,
    ids,
    signing::SigningKey,
    storage::StoreError,
    time::now_ms,
};

/// A new endpoint as the client wrote it: the body of `POST /v1/endpoints`,
/// checked when the endpoint is created.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// Target URL (http or https) for every event type without its own entry in `urls`.
    #[serde(default)]
    #[schema(format = Uri)]
    pub url: Option<String>,
    /// A URL per event type.
    #[serde(default)]
    #[schema(schema_with = urls_schema)]
    pub urls: BTreeMap<String, String>,
    /// Event types to receive; omitted or `null` means all.
    #[serde(default)]
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1)]
    pub events: Option<Vec<String>>,
    /// Free text for operators.
    #[serde(default)]
    pub description: String,
    /// `false` creates it disabled. Default `true`.
    #[serde(default = "enabled_by_default")]
    #[schema(default = true, required = false)]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// A partial change, the body of `PATCH /v1/endpoints/{id}`: an absent field
/// stays as it is; `null` clears `url`, or `events` (then all types).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointChange {
    /// New fallback URL (`null` removes it).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uri)]
    pub url: Option<Option<String>>,
    /// New per-type URLs (replacing all of them); `null` leaves them as they are.
    #[serde(default)]
    #[schema(schema_with = urls_change_schema)]
    pub urls: Option<BTreeMap<String, String>>,
    /// New wanted types (`null`: all).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1)]
    pub events: Option<Option<Vec<String>>>,
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// Enable (also after a 410 or a long outage disabled it) or disable.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A field that is present (possibly `null`), as opposed to absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `urls` of a change: as on create, or `null`.
fn urls_change_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{schema::SchemaType, Type};
    let mut schema = urls_schema();
    schema.schema_type = SchemaType::from_iter([Type::Object, Type::Null]);
    schema
}

/// `urls`: an object keyed by event type, generated from [`EventType::ALL`].
fn urls_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{schema::SchemaType, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let url = ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uri)))
        .build();
    EventType::ALL
        .iter()
        .fold(ObjectBuilder::new(), |o, t| {
            o.property(t.as_str(), url.clone())
        })
        .additional_properties(Some(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
        ))
        .build()
}

/// The runtime endpoints of this hub node.
pub struct Endpoints {
    launcher: Launcher,
    // One change at a time, so an API call and a notice from another node
    // cannot interleave; holds the running connectors (by target key) to
    // change in place.
    running: Mutex<HashMap<Arc<str>, Arc<WebhookConnector>>>,
}

impl Endpoints {
    /// No endpoints running yet; call [`reload_all`](Self::reload_all).
    pub fn new(launcher: Launcher) -> Self {
        Endpoints {
            launcher,
            running: Mutex::default(),
        }
    }

    /// Creates an endpoint in `scope`'s account with a fresh secret and
    /// starts delivering that account's events to it.
    pub async fn create(
        &self,
        scope: &Scope,
        new: NewEndpoint,
    ) -> Result<EndpointRecord, EndpointError> {
        let t = validate_targets(
            new.url.as_deref(),
            &new.urls,
            new.events.as_deref(),
            self.launcher.delivery.allow_private_targets,
        )?;
        let now = now_ms();
        let record = EndpointRecord {
            id: ids::endpoint_id(),
            account: scope.account().clone(),
            url: t.url,
            urls: t.urls,
            events: t.events,
            description: new.description,
            secrets: vec![EndpointSecret {
                secret: Secret::new(SigningKey::generate()),
                expires_at: None,
            }],
            created_at: now,
            updated_at: now,
        };
        let mut running = self.running.lock().await;
        let store = &self.launcher.hub.store;
        if !new.enabled {
            store
                .set_disabled(&record.key(), Some(OPERATOR_DISABLED))
                .await?;
        }
        store.save_endpoint(&record).await?;
        self.apply(&mut running, &record, !new.enabled)?;
        tracing::info!(endpoint = %record.id, "endpoint created");
        Ok(record)
    }

    /// One endpoint of `scope`'s account with its disabled reason, if disabled.
    pub async fn get(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(EndpointRecord, Option<String>), EndpointError> {
        let store = &self.launcher.hub.store;
        let record = store
            .endpoint(scope, id)
            .await?
            .ok_or_else(|| EndpointError::NotFound(id.to_owned()))?;
        let reason = store.disabled_reason(&record.key()).await?;
        Ok((record, reason))
    }

    /// Applies a partial change (checked against the merged result).
    pub async fn update(
        &self,
        scope: &Scope,
        id: &str,
        change: EndpointChange,
    ) -> Result<EndpointRecord, EndpointError> {
        let mut running = self.running.lock().await;
        let store = &self.launcher.hub.store;
        let mut record = store
            .endpoint(scope, id)
            .await?
            .ok_or_else(|| EndpointError::NotFound(id.to_owned()))?;
        let key = record.key();
        let url = change.url.unwrap_or_else(|| record.url.clone());
        let urls = change.urls.unwrap_or_else(|| {
            record
                .urls
                .iter()
                .map(|(t, u)| (t.to_string(), u.clone()))
                .collect()
        });
        let events = change.events.unwrap_or_else(|| {
            record
                .events
                .as_ref()
                .map(|l| l.iter().map(|t| t.to_string()).collect())
        });
        let t = validate_targets(
            url.as_deref(),
            &urls,
            events.as_deref(),
            self.launcher.delivery.allow_private_targets,
        )?;
        (record.url, record.urls, record.events) = (t.url, t.urls, t.events);
        if let Some(d) = change.description {
            record.description = d;
        }
        record.updated_at = now_ms();
        match change.enabled {
            Some(false) => store.set_disabled(&key, Some(OPERATOR_DISABLED)).await?,
            Some(true) => store.set_disabled(&key, None).await?,
            None => {}
        }
        store.save_endpoint(&record).await?;
        let disabled = match change.enabled {
            Some(enabled) => !enabled,
            None => self.launcher.hub.table.is_disabled(&key),
        };
        self.apply(&mut running, &record, disabled)?;
        if change.enabled == Some(true) {
            // Closes its breaker and sends the deliveries it held.
            if let Some(actor) = self.launcher.hub.table.actor(&key) {
                actor.do_send(crate::actors::Reenabled);
            }
        }
        Ok(record)
    }

    /// Makes a new secret current; the old ones sign too until `overlap` has
    /// passed. Returns the endpoint and the new secret.
    pub async fn rotate(
        &self,
        scope: &Scope,
        id: &str,
        overlap: Duration,
    ) -> Result<(EndpointRecord, Secret), EndpointError> {
        let mut running = self.running.lock().await;
        let store = &self.launcher.hub.store;
        let mut record = store
            .endpoint(scope, id)
            .await?
            .ok_or_else(|| EndpointError::NotFound(id.to_owned()))?;
        let secret = Secret::new(SigningKey::generate());
        let overlap_ms = i64::try_from(overlap.as_millis()).unwrap_or(i64::MAX / 2);
        record.rotate(secret.clone(), now_ms().saturating_add(overlap_ms));
        store.save_endpoint(&record).await?;
        let disabled = self.launcher.hub.table.is_disabled(&record.key());
        self.apply(&mut running, &record, disabled)?;
        tracing::info!(endpoint = %id, ?overlap, "endpoint secret rotated");
        Ok((record, secret))
    }

    /// Stops delivering to an endpoint and deletes it: its actor finishes
    /// in-flight attempts and stops, then its active deliveries become
    /// `disabled` (never attempted).
    pub async fn delete(&self, scope: &Scope, id: &str) -> Result<(), EndpointError> {
        let mut running = self.running.lock().await;
        let store = &self.launcher.hub.store;
        let record = store
            .endpoint(scope, id)
            .await?
            .ok_or_else(|| EndpointError::NotFound(id.to_owned()))?;
        let key = record.key();
        self.stop(&mut running, &key).await;
        if let Err(e) = store.delete_endpoint(scope, id).await {
            // Still stored: keep delivering to it, as the failed call promises.
            let disabled = store.disabled_reason(&key).await?.is_some();
            self.apply(&mut running, &record, disabled)?;
            return Err(e.into());
        }
        tracing::info!(endpoint = %id, "endpoint deleted");
        Ok(())
    }

    /// Brings this node in line with storage for one endpoint, by target
    /// key (another node changed it). An empty key reloads all.
    pub async fn reload(&self, key: &str) -> Result<(), EndpointError> {
        if key.is_empty() {
            return self.reload_all().await;
        }
        let target = TargetName::of(key);
        let Ok(account) = AccountId::parse(target.account) else {
            tracing::warn!(
                key,
                "an endpoint notice names no valid account; reloading all"
            );
            return self.reload_all().await;
        };
        let mut running = self.running.lock().await;
        let store = &self.launcher.hub.store;
        match store.endpoint(&Scope::of(account), target.name).await? {
            Some(record) => {
                let disabled = store.disabled_reason(key).await?.is_some();
                self.apply(&mut running, &record, disabled)
            }
            None => {
                self.stop(&mut running, key).await;
                Ok(())
            }
        }
    }

    /// Runs every stored endpoint; called once as the hub starts.
    pub async fn start_all(&self) -> Result<(), EndpointError> {
        self.sync_all(true).await
    }

    /// Runs every stored endpoint not yet running (after lost notices) and
    /// stops those no longer stored.
    pub async fn reload_all(&self) -> Result<(), EndpointError> {
        self.sync_all(false).await
    }

    async fn sync_all(&self, at_hub_start: bool) -> Result<(), EndpointError> {
        let mut running = self.running.lock().await;
        let store = &self.launcher.hub.store;
        let disabled: HashMap<String, String> = (store.disabled().await?.into_iter())
            .map(|d| (d.name, d.reason))
            .collect();
        let records = store.endpoints().await?;
        let gone: Vec<Arc<str>> = running
            .keys()
            .filter(|key| !records.iter().any(|r| r.key() == **key))
            .cloned()
            .collect();
        for key in gone {
            self.stop(&mut running, &key).await;
        }
        for record in &records {
            let off = disabled.contains_key(&*record.key());
            self.start_or_update(&mut running, record, off, at_hub_start)?;
        }
        Ok(())
    }

    /// Subscribes the endpoint and starts its actor, or changes the running
    /// connector in place.
    fn apply(
        &self,
        running: &mut HashMap<Arc<str>, Arc<WebhookConnector>>,
        record: &EndpointRecord,
        disabled: bool,
    ) -> Result<(), EndpointError> {
        self.start_or_update(running, record, disabled, false)
    }

    fn start_or_update(
        &self,
        running: &mut HashMap<Arc<str>, Arc<WebhookConnector>>,
        record: &EndpointRecord,
        disabled: bool,
        at_hub_start: bool,
    ) -> Result<(), EndpointError> {
        let (targets, keys) = connector_parts(record)?;
        let key = record.key();
        let subscription = Subscription {
            name: key.clone(),
            account: record.account.clone(),
            events: record.events.clone(),
            filter: None,
        };
        self.launcher.hub.table.subscribe(subscription, disabled);
        match running.get(&key) {
            Some(connector) => connector.update(targets, keys),
            None => {
                let connector = Arc::new(WebhookConnector::with_expiring_keys(targets, keys));
                self.launcher.start(
                    key.clone(),
                    connector.clone(),
                    ConnectorLimits::default(),
                    at_hub_start,
                )?;
                running.insert(key, connector);
            }
        }
        Ok(())
    }

    /// Unsubscribes the endpoint and retires its actor (waits for in-flight attempts).
    async fn stop(&self, running: &mut HashMap<Arc<str>, Arc<WebhookConnector>>, key: &str) {
        running.remove(key);
        let _ = self
            .launcher
            .router
            .send(RemoveConnector(key.to_owned()))
            .await;
    }
}

fn connector_parts(
    record: &EndpointRecord,
) -> Result<(WebhookTargets, Vec<ExpiringKey>), StoreError> {
    let parse = |raw: &str| {
        parse_url(raw).map_err(|e| StoreError::Corrupt(format!("endpoint {}: {e}", record.id)))
    };
    let targets = WebhookTargets {
        default: record.url.as_deref().map(parse).transpose()?,
        by_type: record
            .urls
            .iter()
            .map(|(t, u)| Ok((*t, parse(u)?)))
            .collect::<Result<_, StoreError>>()?,
    };
    Ok((targets, record.keys()?))
}
