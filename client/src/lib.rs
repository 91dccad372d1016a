//! [`HubClient`]: one client of a running hub's HTTP APIs, shared by the
//! `switchboard` CLI (`send`, `replay`, `demo`), the end-to-end tests and the
//! benchmark tool, so each speaks to the hub the same way.
//!
//! Ingest calls carry the ingest token and admin calls the admin token
//! (`Authorization: Bearer`). An answer is returned whatever its status: a
//! hub that answers 4xx has still answered, and callers decide what a status
//! means. Only [`HubClient::replay`] and [`HubClient::count_deliveries`],
//! which interpret the answer, turn a refusal into an error.

use std::time::Duration;

use reqwest::{header::CONTENT_TYPE, Method, RequestBuilder};
use serde::Serialize;
use serde_json::Value;

/// Why a call to the hub did not give an answer the caller can use.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No HTTP answer: the hub is down, the URL is wrong, or the call timed out.
    #[error("cannot reach {url}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// What reqwest saw.
        source: reqwest::Error,
    },
    /// The hub answered with an error status (the message is the hub's).
    #[error("hub answered {status}: {message}")]
    Refused {
        /// HTTP status code.
        status: u16,
        /// `error.message` of the hub's JSON error body.
        message: String,
    },
}

/// One answer of the hub: its status and body, as received.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body as text (the hub answers JSON; kept verbatim for printing).
    pub text: String,
}

impl Answer {
    /// The body as JSON; `null` when it is empty or not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Ok(self)` on 2xx, else [`ClientError::Refused`] with the hub's message.
    pub fn success(self) -> Result<Self, ClientError> {
        if self.is_success() {
            return Ok(self);
        }
        let message = self.json()["error"]["message"]
            .as_str()
            .unwrap_or("(no message)")
            .to_owned();
        Err(ClientError::Refused {
            status: self.status,
            message,
        })
    }
}

/// What `POST /v1/replay` replays: deliveries created in a time window,
/// optionally of one connector and one status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplayWindow {
    /// Created at or after this time (RFC 3339).
    pub since: String,
    /// Created before this time (RFC 3339).
    pub until: Option<String>,
    /// Only this connector.
    pub connector: Option<String>,
    /// Only deliveries in this state.
    pub status: Option<String>,
}

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// The ingest token the client was built with.
    Ingest,
    /// The admin token the client was built with.
    Admin,
    /// This bearer token instead.
    Bearer(&'a str),
    /// No `Authorization` header.
    Anonymous,
}

/// A client of one hub. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: String,
    ingest_token: String,
    admin_token: String,
    account: Option<String>,
    timeout: Option<Duration>,
}

/// Page size when counting deliveries through the admin API.
const PAGE: &str = "500";

impl HubClient {
    /// A client of the hub at `base` (`http://127.0.0.1:8787`), with no
    /// tokens and no time limit per call.
    pub fn new(base: &str) -> Self {
        HubClient {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
            ingest_token: String::new(),
            admin_token: String::new(),
            account: None,
            timeout: None,
        }
    }

    /// Sets the token ingest calls carry.
    pub fn with_ingest_token(mut self, token: &str) -> Self {
        self.ingest_token = token.to_owned();
        self
    }

    /// Sets the token admin calls carry.
    pub fn with_admin_token(mut self, token: &str) -> Self {
        self.admin_token = token.to_owned();
        self
    }

    /// Makes every admin call act on `account` (`?account=`); without it
    /// they act on `default`.
    pub fn with_account(mut self, account: &str) -> Self {
        self.account = Some(account.to_owned());
        self
    }

    /// Bounds every call (connect to last body byte) by `limit`.
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// The hub's base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request to `path` (which may carry a query string) with `auth`,
    /// for calls the methods below do not cover.
    pub fn request(&self, method: Method, path: &str, auth: Auth<'_>) -> RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(limit) = self.timeout {
            req = req.timeout(limit);
        }
        match auth {
            Auth::Ingest => req.bearer_auth(&self.ingest_token),
            Auth::Admin => match &self.account {
                Some(account) => req
                    .bearer_auth(&self.admin_token)
                    .query(&[("account", account)]),
                None => req.bearer_auth(&self.admin_token),
            },
            Auth::Bearer(token) => req.bearer_auth(token),
            Auth::Anonymous => req,
        }
    }

    /// Sends a request built with [`request`](Self::request); the answer whatever its status.
    pub async fn send(&self, req: RequestBuilder) -> Result<Answer, ClientError> {
        let (client, req) = req.build_split();
        let req = req.map_err(|source| ClientError::Unreachable {
            url: self.base.clone(),
            source,
        })?;
        let url = req.url().to_string();
        let unreachable = |source| ClientError::Unreachable {
            url: url.clone(),
            source,
        };
        let resp = client.execute(req).await.map_err(unreachable)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(unreachable)?;
        Ok(Answer { status, text })
    }

    /// `POST /v1/events` with a JSON body as given (bytes or text), with the ingest token.
    pub async fn ingest(&self, body: impl Into<reqwest::Body>) -> Result<Answer, ClientError> {
        self.ingest_as(body, "application/json", Auth::Ingest).await
    }

    /// `POST /v1/events` with `event` serialized.
    pub async fn ingest_json(&self, event: &Value) -> Result<Answer, ClientError> {
        self.ingest(serde_json::to_vec(event).expect("a JSON value serializes"))
            .await
    }

    /// `POST /v1/events` with any body, content type and authentication
    /// (what a misbehaving sender does).
    pub async fn ingest_as(
        &self,
        body: impl Into<reqwest::Body>,
        content_type: &str,
        auth: Auth<'_>,
    ) -> Result<Answer, ClientError> {
        let req = self
            .request(Method::POST, "/v1/events", auth)
            .header(CONTENT_TYPE, content_type)
            .body(body);
        self.send(req).await
    }

    /// An admin call with an optional JSON body.
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ClientError> {
        let mut req = self.request(method, path, Auth::Admin);
        if let Some(body) = body {
            req = req.json(body);
        }
        self.send(req).await
    }

    /// `GET` an admin path (which may carry a query string).
    pub async fn admin_get(&self, path: &str) -> Result<Answer, ClientError> {
        self.admin(Method::GET, path, None).await
    }

    /// `POST` JSON to an admin path.
    pub async fn admin_post(&self, path: &str, body: &Value) -> Result<Answer, ClientError> {
        self.admin(Method::POST, path, Some(body)).await
    }

    /// `POST /v1/replay`: queues the window's deliveries again; how many.
    pub async fn replay(&self, window: &ReplayWindow) -> Result<u64, ClientError> {
        let req = self
            .request(Method::POST, "/v1/replay", Auth::Admin)
            .json(window);
        let answer = self.send(req).await?.success()?;
        Ok(answer.json()["replayed"].as_u64().unwrap_or(0))
    }

    /// Deliveries matching `query` (`GET /v1/deliveries` parameters such as
    /// `status`, `since`, `connector`), counted page by page.
    pub async fn count_deliveries(&self, query: &[(&str, &str)]) -> Result<u64, ClientError> {
        let mut count = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut q = query.to_vec();
            q.push(("limit", PAGE));
            if let Some(c) = &cursor {
                q.push(("cursor", c));
            }
            let req = self
                .request(Method::GET, "/v1/deliveries", Auth::Admin)
                .query(&q);
            let page = self.send(req).await?.success()?.json();
            count += page["data"].as_array().map_or(0, |d| d.len() as u64);
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return Ok(count),
            }
        }
    }
}
