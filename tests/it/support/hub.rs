//! An in-process hub on a temporary SQLite file.

use std::net::TcpListener;

use serde_json::Value;
use switchboard::registry::registry;
use switchboard_client::{Answer, Auth, ClientError, HubClient};
use switchboard_core::{
    config::Config,
    connector::Registry,
    hub::{Hub, RunningHub},
    storage::Store,
};
use tempfile::TempDir;

use super::TestConfig;

pub const INGEST: &str = "test-ingest-token";
pub const ADMIN: &str = "test-admin-token";

/// A running hub plus clients for it.
pub struct TestHub {
    pub url: String,
    pub store: std::sync::Arc<dyn Store>,
    /// Plain HTTP, for requests the hub client does not shape (odd headers, redirects).
    pub client: reqwest::Client,
    /// The hub's APIs with the test tokens.
    pub api: HubClient,
    running: Option<RunningHub>,
    pub dir: TempDir,
    config: Config,
    registry: Registry,
}

impl TestHub {
    /// Starts a hub with the shipped registry.
    pub async fn start(config: TestConfig) -> Self {
        Self::start_with(config, &registry()).await
    }

    /// Starts a hub with a custom registry.
    pub async fn start_with(config: TestConfig, registry: &Registry) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = config.in_dir(dir.path()).build();
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
            store,
            client: reqwest::Client::new(),
            api: HubClient::new(&url)
                .with_ingest_token(INGEST)
                .with_admin_token(ADMIN),
            url,
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
        answered(self.api.ingest_json(body).await)
    }

    /// Posts raw bytes to `/v1/events`.
    pub async fn post_raw(
        &self,
        body: Vec<u8>,
        content_type: &str,
        token: Option<&str>,
    ) -> (u16, Value) {
        let auth = token.map_or(Auth::Anonymous, Auth::Bearer);
        answered(self.api.ingest_as(body, content_type, auth).await)
    }

    /// GET with the admin token.
    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        answered(self.api.admin_get(path).await)
    }

    /// POST JSON with the admin token.
    pub async fn admin_post(&self, path: &str, body: Value) -> (u16, Value) {
        answered(self.api.admin_post(path, &body).await)
    }

    /// Any method with the admin token and an optional JSON body.
    pub async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        answered(self.api.admin(method, path, body.as_ref()).await)
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

/// Status and JSON body (`null` if none) of an answer the hub must give.
fn answered(answer: Result<Answer, ClientError>) -> (u16, Value) {
    let answer = answer.expect("the test hub answers");
    (answer.status, answer.json())
}
