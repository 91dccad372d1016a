//! What every vendor connector shares: base URLs, JSON requests, Basic auth,
//! reading a vendor's error body, and the usual reading of vendor answers.
//! Connector crates fill in only what differs.

use std::{borrow::Cow, time::Duration};

use base64::Engine;
use http::StatusCode;
use serde_json::Value;

use super::{BuildError, ConnectorSpec, MappingError, Outcome, Verdict};
use crate::{
    event::Event,
    outbound::{OutboundClient, OutboundRequest, Response},
};

/// `base_url` if set (absolute http(s), no query), else the vendor's default.
pub fn base_url(
    spec: &ConnectorSpec<'_>,
    configured: Option<&str>,
    default: &str,
) -> Result<url::Url, BuildError> {
    let raw = configured.unwrap_or(default);
    let url = super::webhook::parse_url(raw).map_err(|e| spec.error(format!("`base_url`: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(spec.error(format!(
            "`base_url`: '{raw}' must not have a query or fragment"
        )));
    }
    Ok(url)
}

/// `base` with `path` appended to its own path (a proxy prefix survives).
pub fn endpoint(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url
}

/// The event envelope as JSON, the context every template renders against:
/// the one parsed at ingest (see [`Event::envelope`]), borrowed.
pub fn envelope_ref(event: &Event) -> Result<Cow<'_, Value>, MappingError> {
    event
        .envelope()
        .map_err(|e| MappingError(format!("event body: {e}")))
}

/// [`envelope_ref`], owned (a copy, for a mapping that edits it).
pub fn envelope(event: &Event) -> Result<Value, MappingError> {
    envelope_ref(event).map(Cow::into_owned)
}

/// A JSON POST.
pub fn json_post(url: url::Url, body: &Value) -> OutboundRequest {
    OutboundRequest::post(
        url,
        "application/json",
        serde_json::to_vec(body).expect("JSON values serialize"),
    )
}

/// A request to `path` under `base` with `query` pairs: a JSON body when
/// given, else none (and no `Content-Type`). The caller adds its auth.
pub fn request(
    base: &url::Url,
    method: http::Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> OutboundRequest {
    let mut url = endpoint(base, path);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    let mut r = match body {
        Some(b) => json_post(url, b),
        None => {
            let mut r = OutboundRequest::post(url, "application/json", Vec::new());
            r.headers.remove(http::header::CONTENT_TYPE);
            r
        }
    };
    r.method = method;
    r
}

/// Sends one request of an attempt whose later requests depend on earlier
/// answers: `Ok` with the outcome and the answer when `judge` calls it
/// delivered; otherwise `Err` with the outcome that ends the attempt (the
/// mapping error, the connection failure, or the vendor's answer).
pub async fn send_step(
    http: &OutboundClient,
    request: Result<OutboundRequest, MappingError>,
    judge: impl Fn(&Response) -> Outcome,
) -> Result<(Outcome, Response), Outcome> {
    let r = request.map_err(|e| Outcome::rejected(format!("mapping failed: {e}")))?;
    let resp = http
        .send(&r)
        .await
        .map_err(|e| Outcome::from_send_error(&e))?;
    let outcome = judge(&resp);
    match outcome.verdict {
        Verdict::Delivered => Ok((outcome, resp)),
        _ => Err(outcome),
    }
}

/// An `Authorization: Basic` value.
pub fn basic_auth(user: &str, password: &str) -> String {
    let raw = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// Adds a secret header, failing as a mapping error if the value is not a
/// valid header value (e.g. a token with a newline).
pub fn secret_header(
    req: &mut OutboundRequest,
    name: http::HeaderName,
    value: &str,
) -> Result<(), MappingError> {
    req.secret_header(name.clone(), value)
        .map_err(|_| MappingError(format!("`{name}` value is not a valid header value")))
}

/// The usual reading of a vendor's answer: 2xx delivered; 408, 425 and 429
/// retried after `wait` (else `Retry-After`); 5xx retried; any other 4xx is
/// permanent (bad mapping, bad credentials, invalid data).
pub fn classify(resp: &Response, wait: Option<Duration>) -> Verdict {
    let s = resp.status;
    if s.is_success() {
        return Verdict::Delivered;
    }
    if matches!(
        s,
        StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_EARLY | StatusCode::TOO_MANY_REQUESTS
    ) || s.is_server_error()
    {
        return Verdict::Retry {
            after: wait.or_else(|| resp.retry_after()),
        };
    }
    if s.is_client_error() {
        return Verdict::Reject;
    }
    Verdict::Retry { after: None }
}

/// A header holding a number of seconds or milliseconds, as a wait.
pub fn header_wait(resp: &Response, name: &str, millis: bool) -> Option<Duration> {
    let n: u64 = resp.headers.get(name)?.to_str().ok()?.trim().parse().ok()?;
    Some(if millis {
        Duration::from_millis(n)
    } else {
        Duration::from_secs(n)
    })
}

/// `"<vendor> answered <status>: <message>"`, the message being the string
/// values at `pointers` in a JSON body (joined by `: `), else the start of
/// a text body.
pub fn error_message(vendor: &str, resp: &Response, pointers: &[&str]) -> String {
    let detail = match serde_json::from_slice::<Value>(&resp.body) {
        Ok(json) => pointers
            .iter()
            .filter_map(|p| match json.pointer(p)? {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect::<Vec<_>>()
            .join(": "),
        Err(_) => resp.excerpt().chars().take(300).collect(),
    };
    let detail = detail.trim();
    if detail.is_empty() {
        format!("{vendor} answered {}", resp.status)
    } else {
        format!("{vendor} answered {}: {detail}", resp.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_keeps_a_proxy_prefix() {
        let base: url::Url = "https://proxy.test/hubspot/".parse().unwrap();
        assert_eq!(
            endpoint(&base, "/crm/v3/objects/notes").as_str(),
            "https://proxy.test/hubspot/crm/v3/objects/notes"
        );
        let bare: url::Url = "https://api.hubapi.com".parse().unwrap();
        assert_eq!(
            endpoint(&bare, "crm").as_str(),
            "https://api.hubapi.com/crm"
        );
    }

    #[test]
    fn basic_auth_is_base64() {
        assert_eq!(basic_auth("a", "b"), "Basic YTpi");
    }
}
