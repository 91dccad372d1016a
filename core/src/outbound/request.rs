//! A request ready to send, built by a connector from an event.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};

/// One HTTP request a connector wants sent. Header values holding secrets are
/// marked sensitive, so `switchboard render` masks them.
#[derive(Debug, Clone)]
pub struct OutboundRequest {
    /// HTTP method.
    pub method: Method,
    /// Target URL.
    pub url: url::Url,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
    /// Secrets the body carries (e.g. PagerDuty's routing key), masked when shown.
    pub body_secrets: Vec<String>,
}

impl OutboundRequest {
    /// A POST with a body.
    pub fn post(url: url::Url, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        OutboundRequest {
            method: Method::POST,
            url,
            headers,
            body: body.into(),
            body_secrets: Vec::new(),
        }
    }

    /// Adds a header whose value is a secret (masked when shown).
    pub fn secret_header(
        &mut self,
        name: http::HeaderName,
        value: &str,
    ) -> Result<(), http::header::InvalidHeaderValue> {
        let mut v = HeaderValue::from_str(value)?;
        v.set_sensitive(true);
        self.headers.insert(name, v);
        Ok(())
    }
}

/// Prints the request as HTTP/1.1 text with sensitive header values masked.
impl fmt::Display for OutboundRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            if value.is_sensitive() {
                writeln!(f, "{name}: ****")?;
            } else {
                writeln!(f, "{name}: {}", value.to_str().unwrap_or("<binary>"))?;
            }
        }
        writeln!(f)?;
        let mut body = String::from_utf8_lossy(&self.body).into_owned();
        for secret in self.body_secrets.iter().filter(|s| !s.is_empty()) {
            body = body.replace(secret.as_str(), "****");
        }
        write!(f, "{body}")
    }
}
