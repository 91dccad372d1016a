//! An in-process hub on a temporary SQLite file.

use std::net::TcpListener;

use serde_json::Value;
use switchboard::registry::registry;
use switchboard_core::{
    config::Config,
    connector::Registry,
    hub::{Hub, RunningHub},
    storage::Store,
};
use tempfile::TempDir;

pub const INGEST: &str = "test-ingest-token";
pub const ADMIN: &str = "test-admin-token";

/// A running hub plus an HTTP client for it.
pub struct TestHub {
    pub url: String,
    pub store: std::sync::Arc<dyn Store>,
    pub client: reqwest::Client,
    running: Option<RunningHub>,
    pub dir: TempDir,
    config: Config,
    registry: Registry,
}

impl TestHub {
    /// `[delivery]` for fast tests: retries in milliseconds, private targets allowed.
    pub fn config(dir: &TempDir, extra: &str) -> String {
        format!(
            r#"
[server]
ingest_token = "{INGEST}"
admin_token = "{ADMIN}"
max_body_bytes = 65536

[storage]
url = "sqlite://{}/hub.db"
lease = "30s"

[delivery]
timeout = "2s"
first_retry = "50ms"
retry_for = "1h"
allow_private_targets = true
# Tests of retries and replays fail targets on purpose; the breaker's own
# tests turn it on.
breaker_failures = 0
{extra}
"#,
            dir.path().display()
        )
    }

    /// Starts a hub with the shipped registry and the given connectors TOML.
    pub async fn start(connectors: &str) -> Self {
        Self::start_with(connectors, &registry()).await
    }

    /// Starts a hub whose default test config has `from` replaced by `to`
    /// (e.g. a shorter `retry_for`).
    pub async fn start_tweaked(extra: &str, from: &str, to: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let text = Self::config(&dir, extra);
        assert!(text.contains(from), "'{from}' is not in the test config");
        let config = Config::from_toml(&text.replace(from, to), "test").unwrap();
        Self::start_config(dir, config, &registry()).await
    }

    /// Starts a hub with a custom registry.
    pub async fn start_with(extra: &str, registry: &Registry) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_toml(&Self::config(&dir, extra), "test").unwrap();
        Self::start_config(dir, config, registry).await
    }

    /// Starts a hub from a full config.
    pub async fn start_config(dir: TempDir, config: Config, registry: &Registry) -> Self {
        let hub = Hub::start(&config, registry).await.unwrap();
        let store = hub.store();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let running = hub.serve(listener, false).unwrap();
        TestHub {
            url,
            store,
            client: reqwest::Client::new(),
            running: Some(running),
            dir,
            config,
            registry: registry.clone(),
        }
    }

    /// Stops the hub gracefully and starts it again on the same storage.
    pub async fn restart(mut self) -> Self {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let (dir, config, registry) = (self.dir, self.config, self.registry);
        Self::start_config(dir, config, &registry).await
    }

    /// Posts an event body with the ingest token; returns status and JSON.
    pub async fn post_event(&self, body: &Value) -> (u16, Value) {
        self.post_raw(
            serde_json::to_vec(body).unwrap(),
            "application/json",
            Some(INGEST),
        )
        .await
    }

    /// Posts raw bytes to `/v1/events`.
    pub async fn post_raw(
        &self,
        body: Vec<u8>,
        content_type: &str,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}/v1/events", self.url))
            .header("Content-Type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// GET with the admin token.
    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(format!("{}{path}", self.url))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// POST JSON with the admin token.
    pub async fn admin_post(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .client
            .post(format!("{}{path}", self.url))
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Any method with the admin token and an optional JSON body.
    pub async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(ADMIN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Deliveries of an event, via the admin API.
    pub async fn deliveries_of(&self, event_id: &str) -> Vec<Value> {
        let (_, page) = self
            .admin_get(&format!("/v1/deliveries?event_id={event_id}"))
            .await;
        page["data"].as_array().cloned().unwrap_or_default()
    }

    /// Waits (up to 5 s) until the event's first delivery is in `status`.
    pub async fn first_delivery_becomes(&self, event_id: &str, status: &str) -> bool {
        crate::support::wait_until(std::time::Duration::from_secs(5), async || {
            self.deliveries_of(event_id)
                .await
                .first()
                .is_some_and(|d| d["status"] == status)
        })
        .await
    }

    /// Stops the hub gracefully.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}
