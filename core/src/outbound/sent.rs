//! The request an attempt sent, as its log keeps it: secrets masked and the
//! body cut to its first 4 KiB, so an operator sees what a vendor actually got.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::OutboundRequest;

/// Bytes of a request body kept in the attempt log.
pub const SENT_BODY_BYTES: usize = 4096;

/// What replaces a secret in a kept request.
pub const MASK: &str = "****";

/// The request an attempt sent, secrets masked: `attempts[].request` of
/// `GET /v1/deliveries/{id}`, kept for every connector kind but `webhook`.
// Taken on every send of such a connector, so it copies at most
// SENT_BODY_BYTES (plus the length of the longest body secret) of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SentRequest {
    /// HTTP method.
    pub method: String,
    /// Target URL (a password in it, and any body secret, masked).
    pub url: String,
    /// Headers the connector set (not those the HTTP client adds, such as
    /// `host`), by lowercase name; repeated headers joined with `, `. Secret
    /// values (`authorization`, API keys) read `****`.
    pub headers: BTreeMap<String, String>,
    /// The first 4 KiB of the body as text, secrets masked, cut on a
    /// character boundary.
    pub body: String,
    /// True when `body` is only the start of what was sent.
    pub body_truncated: bool,
}

impl SentRequest {
    /// The masked snapshot of `req`.
    pub fn of(req: &OutboundRequest) -> Self {
        let secrets: Vec<&str> = req
            .body_secrets
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        let mut url = req.url.clone();
        if url.password().is_some() {
            // Only fails for URLs that cannot have a password, which this has.
            let _ = url.set_password(Some(MASK));
        }
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &req.headers {
            let shown = if value.is_sensitive() {
                MASK.to_owned()
            } else {
                mask(&String::from_utf8_lossy(value.as_bytes()), &secrets)
            };
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&shown);
                })
                .or_insert(shown);
        }
        let (body, body_truncated) = body_excerpt(&req.body, &secrets);
        SentRequest {
            method: req.method.as_str().to_owned(),
            url: mask(url.as_str(), &secrets),
            headers,
            body,
            body_truncated,
        }
    }
}

/// The first [`SENT_BODY_BYTES`] of `body` with `secrets` masked, and whether
/// it was cut. Only a window of the body is copied: long enough that a secret
/// starting inside the kept part lies wholly in it and is masked whole.
fn body_excerpt(body: &[u8], secrets: &[&str]) -> (String, bool) {
    let longest = secrets.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut end = body.len().min(SENT_BODY_BYTES + longest);
    // A cut inside a UTF-8 sequence would show as a replacement character.
    while end < body.len() && end > 0 && is_continuation(body[end]) {
        end -= 1;
    }
    let mut text = mask(&String::from_utf8_lossy(&body[..end]), secrets);
    let mut cut = end < body.len();
    if text.len() > SENT_BODY_BYTES {
        let mut at = SENT_BODY_BYTES;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        cut = true;
    }
    (text, cut)
}

fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

fn mask(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if out.contains(secret) {
            out = out.replace(secret, MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use http::{header, HeaderValue, Method};

    use super::*;

    fn request(body: impl Into<bytes::Bytes>) -> OutboundRequest {
        let url = url::Url::parse("https://api.example.com/v1/tickets?x=1").unwrap();
        OutboundRequest::post(url, "application/json", body)
    }

    #[test]
    fn masks_secret_headers_and_body_secrets() {
        let mut r = request(r#"{"routing_key":"rk-SECRET-1","summary":"leak"}"#);
        r.method = Method::PUT;
        r.secret_header(header::AUTHORIZATION, "Bearer tok-SECRET-2")
            .unwrap();
        r.secret_header(header::HeaderName::from_static("x-api-key"), "k-3")
            .unwrap();
        r.headers
            .insert("x-echo", HeaderValue::from_static("has rk-SECRET-1 inside"));
        r.body_secrets.push("rk-SECRET-1".into());
        let s = SentRequest::of(&r);
        assert_eq!(s.method, "PUT");
        assert_eq!(s.url, "https://api.example.com/v1/tickets?x=1");
        assert_eq!(s.headers["authorization"], MASK);
        assert_eq!(s.headers["x-api-key"], MASK);
        assert_eq!(s.headers["x-echo"], "has **** inside");
        assert_eq!(s.headers["content-type"], "application/json");
        assert_eq!(s.body, r#"{"routing_key":"****","summary":"leak"}"#);
        assert!(!s.body_truncated);
        let json = serde_json::to_string(&s).unwrap();
        for secret in ["SECRET", "k-3"] {
            assert!(!json.contains(secret), "{json}");
        }
    }

    #[test]
    fn masks_a_password_in_the_url() {
        let url = url::Url::parse("https://user:hunter2@api.example.com/hook").unwrap();
        let s = SentRequest::of(&OutboundRequest::post(url, "text/plain", "x"));
        assert_eq!(s.url, "https://user:****@api.example.com/hook");
    }

    #[test]
    fn repeated_headers_are_joined() {
        let mut r = request("");
        r.headers.append("x-tag", HeaderValue::from_static("a"));
        r.headers.append("x-tag", HeaderValue::from_static("b"));
        assert_eq!(SentRequest::of(&r).headers["x-tag"], "a, b");
    }

    #[test]
    fn cuts_long_multibyte_bodies_on_a_char_boundary() {
        // 3-byte characters: 4096 is not a multiple of 3, so a byte cut would
        // split one.
        let body = "€".repeat(2000);
        let s = SentRequest::of(&request(body.clone()));
        assert!(s.body_truncated);
        assert_eq!(s.body.len(), 4095);
        assert!(body.starts_with(&s.body));
        assert!(!s.body.contains('\u{FFFD}'));
        // Exactly the limit is whole.
        let s = SentRequest::of(&request("a".repeat(SENT_BODY_BYTES)));
        assert!(!s.body_truncated);
        assert_eq!(s.body.len(), SENT_BODY_BYTES);
    }

    #[test]
    fn a_secret_across_the_cut_is_masked_not_half_shown() {
        let secret = "sk_live_ABCDEFGHIJKLMNOP";
        let mut body = "x".repeat(SENT_BODY_BYTES - 10);
        body.push_str(secret);
        body.push_str(&"y".repeat(100));
        let mut r = request(body);
        r.body_secrets.push(secret.into());
        let s = SentRequest::of(&r);
        assert!(s.body_truncated);
        assert!(s.body.contains(MASK));
        assert!(!s.body.contains("sk_live"));
        assert!(s.body.len() <= SENT_BODY_BYTES);
        // A body that fits once its secret is masked is not cut.
        let mut body = "x".repeat(SENT_BODY_BYTES - 10);
        body.push_str(secret);
        let mut r = request(body);
        r.body_secrets.push(secret.into());
        let s = SentRequest::of(&r);
        assert!(!s.body_truncated);
        assert!(s.body.ends_with(MASK));
    }
}
