//! The one HTTP client connectors send with: per-attempt timeout, no redirects,
//! the SSRF guard, bounded response reads, optional proxy and source address.

mod guard;
mod request;
mod sent;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use http::{HeaderMap, StatusCode};

pub use guard::{is_private, TargetRefused};
pub use request::OutboundRequest;
pub use sent::{SentRequest, MASK, SENT_BODY_BYTES};

use crate::config::DeliveryConfig;

/// Bytes of an answer kept in the attempt log.
pub const EXCERPT_BYTES: usize = 4096;
/// Bytes of an answer read at most; the rest is dropped with the connection.
pub const MAX_READ_BYTES: usize = 64 * 1024;

/// Why an attempt got no HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The SSRF guard refused the target.
    #[error(transparent)]
    Refused(#[from] TargetRefused),
    /// No answer within the timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// Could not connect, or the connection broke.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The client could not be built from the configuration.
    #[error("outbound client: {0}")]
    Build(String),
}

/// A [`SendError`] with the request that got no answer, so the attempt log
/// shows what was sent when the target timed out or refused the connection.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct SendFailure {
    /// Why there was no answer.
    pub error: SendError,
    /// The masked request ([`OutboundClient::send`]); `None` from
    /// [`OutboundClient::send_unrecorded`].
    pub request: Option<Arc<SentRequest>>,
}

impl From<SendError> for SendFailure {
    fn from(error: SendError) -> Self {
        SendFailure {
            error,
            request: None,
        }
    }
}

/// An answer from a target, read up to [`MAX_READ_BYTES`].
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, truncated to [`MAX_READ_BYTES`].
    pub body: Bytes,
    /// How long the attempt took.
    pub elapsed: Duration,
    /// The request this answers, masked ([`OutboundClient::send`]); `None`
    /// from [`OutboundClient::send_unrecorded`].
    pub request: Option<Arc<SentRequest>>,
}

impl Response {
    /// The first [`EXCERPT_BYTES`] of the body as text, for the attempt log.
    pub fn excerpt(&self) -> String {
        let end = self.body.len().min(EXCERPT_BYTES);
        String::from_utf8_lossy(&self.body[..end]).into_owned()
    }

    /// `Retry-After` in seconds (or an HTTP date), if present and sensible.
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self
            .headers
            .get(http::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        let wait = at.timestamp_millis() - crate::time::now_ms();
        Some(Duration::from_millis(wait.max(0) as u64))
    }
}

/// A configured client; cheap to clone (connection pool shared).
#[derive(Clone)]
pub struct OutboundClient {
    client: reqwest::Client,
    timeout: Duration,
    allow_private: bool,
    // Through a proxy the client resolves only the proxy's name, so targets
    // are resolved and checked here before each request instead.
    proxied: bool,
}

impl OutboundClient {
    /// Builds a client from `[delivery]`, with this connector's timeout.
    pub fn new(config: &DeliveryConfig, timeout: Duration) -> Result<Self, SendError> {
        let mut b = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .tcp_nodelay(true);
        // The operator chose the proxy, so its own (often private) address is
        // allowed; targets are checked in `send`.
        if !config.allow_private_targets && config.proxy.is_none() {
            b = b.dns_resolver(guard::GuardedResolver(guard::SystemLookup));
        }
        if let Some(proxy) = &config.proxy {
            b = b.proxy(
                reqwest::Proxy::all(proxy)
                    .map_err(|e| SendError::Build(format!("delivery.proxy: {e}")))?,
            );
        }
        if let Some(addr) = config.local_address {
            b = b.local_address(addr);
        }
        let client = b.build().map_err(|e| SendError::Build(e.to_string()))?;
        Ok(OutboundClient {
            client,
            timeout,
            allow_private: config.allow_private_targets,
            proxied: config.proxy.is_some(),
        })
    }

    /// The attempt timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request and reads at most [`MAX_READ_BYTES`] of the answer.
    /// The answer (or the failure) carries a masked [`SentRequest`] of what
    /// was sent, for the attempt log.
    pub async fn send(&self, req: &OutboundRequest) -> Result<Response, SendFailure> {
        let sent = Arc::new(SentRequest::of(req));
        match self.send_unrecorded(req).await {
            Ok(mut resp) => {
                resp.request = Some(sent);
                Ok(resp)
            }
            Err(error) => Err(SendFailure {
                error,
                request: Some(sent),
            }),
        }
    }

    /// [`send`](Self::send) without the snapshot: for requests whose log
    /// keeps no copy (signed webhooks, whose body is the stored event, and
    /// function calls), so they pay nothing for it.
    pub async fn send_unrecorded(&self, req: &OutboundRequest) -> Result<Response, SendError> {
        if !self.allow_private {
            guard::check_literal(&req.url)?;
            if self.proxied {
                guard::check_resolved(&req.url).await.map_err(|e| match e {
                    guard::CheckError::Refused(r) => SendError::Refused(r),
                    guard::CheckError::Lookup(m) => SendError::Connect(m),
                })?;
            }
        }
        let started = Instant::now();
        let mut builder = self.client.request(req.method.clone(), req.url.clone());
        // Before the request's own headers, so a template that sets
        // `traceparent` itself keeps its value.
        if let Some(traceparent) = crate::traces::outbound::current() {
            builder = builder.header(crate::traces::TRACEPARENT, traceparent);
        }
        builder = builder.headers(req.headers.clone()).body(req.body.clone());
        let resp = builder.send().await.map_err(|e| self.classify(e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = read_bounded(resp).await.map_err(|e| self.classify(e))?;
        Ok(Response {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
            request: None,
        })
    }

    fn classify(&self, e: reqwest::Error) -> SendError {
        if e.is_timeout() {
            return SendError::Timeout(self.timeout);
        }
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        while let Some(s) = source {
            if let Some(refused) = s.downcast_ref::<TargetRefused>() {
                return SendError::Refused(refused.clone());
            }
            source = s.source();
        }
        SendError::Connect(error_chain(&e))
    }
}

async fn read_bounded(resp: reqwest::Response) -> Result<Bytes, reqwest::Error> {
    let mut stream = resp.bytes_stream();
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let room = MAX_READ_BYTES - buf.len();
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if buf.len() >= MAX_READ_BYTES {
            break;
        }
    }
    Ok(buf.freeze())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
