//! A real hub in-process, on a temporary SQLite file, with the built-in kinds
//! plus the connector kind under test: events go in through the ingest API
//! and out through the connector actor to a simulator, as in production.

use std::{net::TcpListener, time::Duration};

use serde_json::Value;
use switchboard_client::HubClient;
use switchboard_core::{
    config::Config,
    connector::{Plugin, Registry},
    event::{fixtures, EventType},
    hub::{Hub, RunningHub},
};
use tempfile::TempDir;

const INGEST: &str = "testkit-ingest";
const ADMIN: &str = "testkit-admin";

/// The sample event of type `t` with `edit` applied and no `id` (so
/// [`VendorHub::post`] gives each post a fresh one).
pub fn sample_event(t: EventType, edit: impl FnOnce(&mut Value)) -> Value {
    let (_, src) = fixtures()
        .into_iter()
        .find(|(k, _)| *k == t)
        .expect("every type has a sample");
    let mut v: Value = serde_json::from_str(src).expect("samples are JSON");
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
    }
    edit(&mut v);
    v
}

/// A running hub and a client of its APIs. Start it inside an actix
/// system (`#[actix_rt::test]`).
pub struct VendorHub {
    /// Base URL of the hub's APIs.
    pub url: String,
    client: HubClient,
    running: Option<RunningHub>,
    _dir: TempDir,
}

/// Where a delivery ended up, read from the admin API.
#[derive(Debug, Clone)]
pub struct Settled {
    /// `succeeded`, `failed` or `disabled`.
    pub status: String,
    /// The delivery with its attempts (`GET /v1/deliveries/{id}`).
    pub detail: Value,
}

impl VendorHub {
    /// Starts a hub with `plugin` registered and `connectors` (TOML
    /// `[[connectors]]` entries) configured. Retries are compressed to
    /// milliseconds (`first_retry = "20ms"`, `retry_for = "20s"`), private
    /// targets are allowed and the circuit breaker is off.
    pub async fn start(plugin: Plugin, connectors: &str) -> Self {
        Self::start_with(plugin, "", connectors).await
    }

    /// Like [`start`](Self::start) with extra `[delivery]` keys (e.g.
    /// `retry_for = "2s"`).
    pub async fn start_with(plugin: Plugin, delivery: &str, connectors: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = format!(
            r#"
[server]
ingest_token = "{INGEST}"
admin_token = "{ADMIN}"

[storage]
url = "sqlite://{}/hub.db"

[delivery]
timeout = "2s"
first_retry = "20ms"
max_backoff = "200ms"
retry_for = "20s"
allow_private_targets = true
breaker_failures = 0
{delivery}

{connectors}
"#,
            dir.path().display()
        );
        let config = Config::from_toml(&text, "testkit").expect("valid test config");
        let mut registry = Registry::builtin();
        registry.register(plugin);
        let hub = Hub::start(&config, &registry).await.expect("hub starts");
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let running = hub.serve(listener, false).expect("serves");
        VendorHub {
            client: HubClient::new(&url)
                .with_ingest_token(INGEST)
                .with_admin_token(ADMIN),
            url,
            running: Some(running),
            _dir: dir,
        }
    }

    /// Posts an event (any JSON; a fresh `id` is set unless it has one) and
    /// returns its id. Panics unless the hub answers 202.
    pub async fn post(&self, event: &Value) -> String {
        let mut event = event.clone();
        if event.get("id").is_none_or(Value::is_null) {
            event["id"] = format!("evt_{}", ulid::Ulid::new()).into();
        }
        let answer = self.client.ingest_json(&event).await.expect("hub answers");
        assert_eq!(
            answer.status, 202,
            "ingest refused the event: {}",
            answer.text
        );
        event["id"].as_str().expect("id is a string").to_owned()
    }

    /// GET an admin path; the JSON answer.
    pub async fn admin_get(&self, path: &str) -> Value {
        self.client
            .admin_get(path)
            .await
            .expect("hub answers")
            .json()
    }

    /// POST an admin path with an empty JSON body; the status code.
    pub async fn admin_post(&self, path: &str) -> u16 {
        self.client
            .admin_post(path, &serde_json::json!({}))
            .await
            .expect("hub answers")
            .status
    }

    /// The deliveries of an event (list form, no attempts).
    pub async fn deliveries(&self, event_id: &str) -> Vec<Value> {
        let page = self
            .admin_get(&format!("/v1/deliveries?event_id={event_id}"))
            .await;
        page["data"].as_array().cloned().unwrap_or_default()
    }

    /// Waits (up to `timeout`) until the event's only delivery has settled
    /// (succeeded, failed or disabled) and returns it with its attempts.
    /// Panics if it is still pending or retrying then.
    pub async fn settled(&self, event_id: &str, timeout: Duration) -> Settled {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let list = self.deliveries(event_id).await;
            assert!(list.len() <= 1, "one connector, one delivery: {list:?}");
            if let Some(d) = list.first() {
                let status = d["status"].as_str().unwrap_or("").to_owned();
                if matches!(status.as_str(), "succeeded" | "failed" | "disabled") {
                    let id = d["id"].as_str().expect("delivery id");
                    let detail = self.admin_get(&format!("/v1/deliveries/{id}")).await;
                    return Settled { status, detail };
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "delivery of {event_id} not settled after {timeout:?}: {list:?}"
            );
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Replays an event's deliveries (`POST /v1/events/{id}/replay`).
    pub async fn replay(&self, event_id: &str) {
        let status = self
            .admin_post(&format!("/v1/events/{event_id}/replay"))
            .await;
        assert!((200..300).contains(&status), "replay answered {status}");
    }

    /// Stops the hub gracefully.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}
