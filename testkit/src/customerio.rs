//! A Customer.io Track API v1 simulator with the vendor's semantics, from
//! its public documentation (its OpenAPI file carries no licence, so the
//! checks are written out here):
//!
//! - Basic `site_id:api_key` (401 `{"meta":{"error":"Unauthorized request"}}`);
//! - `PUT /api/v1/customers/{identifier}` creates or updates a person: an
//!   identifier with `@` is an email (the workspace identifies by email or
//!   id), anything else an id; attributes are merged;
//! - `POST /api/v1/customers/{identifier}/events` and the anonymous
//!   `POST /api/v1/events` record an event (`name` required); an `id` must
//!   be a ULID and an `id` seen before is accepted and NOT recorded again;
//! - `limit` requests per `window`, then 429.
//!
//! Tests read the business outcome: [`CustomerIoSim::people`] and
//! [`CustomerIoSim::events`].

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Map, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{
    matchers::{method, path, path_regex},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

/// The workspace's Site ID.
pub const SITE_ID: &str = "site0123";
/// Its Track API key.
pub const API_KEY: &str = "cio-track-key";

/// A person in the workspace.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// The id it was identified by (none when identified by email only).
    pub id: Option<String>,
    /// Its `email` attribute (or identifier).
    pub email: Option<String>,
    /// Every attribute.
    pub attributes: Map<String, Value>,
}

/// A recorded event.
#[derive(Debug, Clone)]
pub struct Tracked {
    /// The person's identifier, or `anonymous:<anonymous_id>`.
    pub person: String,
    /// `name`.
    pub name: String,
    /// The whole body.
    pub body: Value,
}

#[derive(Debug, Default)]
struct State {
    people: Vec<Person>,
    events: Vec<Tracked>,
    seen_ids: Vec<String>,
    received: usize,
    refused: Vec<String>,
    throttled: usize,
    forced: VecDeque<u16>,
    recent: VecDeque<Instant>,
}

/// The simulator: a loopback server answering like `track.customer.io`.
pub struct CustomerIoSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl CustomerIoSim {
    /// Starts one allowing 100 requests a second.
    pub async fn start() -> Self {
        Self::with_rate_limit(100, Duration::from_secs(1)).await
    }

    /// Starts one allowing `limit` requests per `window`.
    pub async fn with_rate_limit(limit: usize, window: Duration) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let track = |route: Route| Track {
            state: state.clone(),
            route,
            limit,
            window,
        };
        Mock::given(method("PUT"))
            .and(path_regex(r"^/api/v1/customers/[^/]+$"))
            .respond_with(track(Route::Identify))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path_regex(r"^/api/v1/customers/[^/]+/events$"))
            .respond_with(track(Route::PersonEvent))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/v1/events"))
            .respond_with(track(Route::AnonymousEvent))
            .mount(&server)
            .await;
        CustomerIoSim { server, state }
    }

    /// The connector's `base_url`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// Every person, in order of creation.
    pub fn people(&self) -> Vec<Person> {
        self.lock().people.clone()
    }

    /// Every event recorded (duplicates by `id` are not).
    pub fn events(&self) -> Vec<Tracked> {
        self.lock().events.clone()
    }

    /// Requests received.
    pub fn received(&self) -> usize {
        self.lock().received
    }

    /// Why each refused request was refused.
    pub fn refused(&self) -> Vec<String> {
        self.lock().refused.clone()
    }

    /// Requests answered 429.
    pub fn throttled(&self) -> usize {
        self.lock().throttled
    }

    /// Answers the next request with `status` before processing it.
    pub fn fail_next(&self, status: u16) {
        self.lock().forced.push_back(status);
    }

    /// Accepts the next request (it takes effect) but answers `status`, as
    /// when an answer is lost on the way back.
    pub fn lose_next_answer(&self, status: u16) {
        self.lock().forced.push_back(LOST | status);
    }

    /// The vendor's check of a prepared request, for the sparse matrix.
    pub fn validate(req: &OutboundRequest) -> Result<(), String> {
        let p = req.url.path();
        let route = match (req.method.as_str(), p) {
            ("PUT", _) if p.starts_with("/api/v1/customers/") && p.matches('/').count() == 4 => {
                Route::Identify
            }
            ("POST", _) if p.starts_with("/api/v1/customers/") && p.ends_with("/events") => {
                Route::PersonEvent
            }
            ("POST", "/api/v1/events") => Route::AnonymousEvent,
            _ => return Err(format!("not a Track API call: {} {}", req.method, req.url)),
        };
        check(route, &req.body).map(drop)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("simulator state")
    }
}

/// Marks a forced status as "processed, answer lost".
const LOST: u16 = 0x8000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    Identify,
    PersonEvent,
    AnonymousEvent,
}

struct Track {
    state: Arc<Mutex<State>>,
    route: Route,
    limit: usize,
    window: Duration,
}

fn meta_error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"meta": {"error": message}}))
}

impl Respond for Track {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().expect("simulator state");
        s.received += 1;
        let forced = s.forced.pop_front();
        if let Some(status) = forced.filter(|f| f & LOST == 0) {
            return ResponseTemplate::new(status);
        }
        let expected = format!("Basic {}", STANDARD.encode(format!("{SITE_ID}:{API_KEY}")));
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(expected.as_str()) {
            s.refused.push("unauthorized".into());
            return meta_error(401, "Unauthorized request");
        }
        let now = Instant::now();
        while s.recent.front().is_some_and(|t| now - *t >= self.window) {
            s.recent.pop_front();
        }
        if s.recent.len() >= self.limit {
            s.throttled += 1;
            return meta_error(429, "Too many requests");
        }
        s.recent.push_back(now);
        let body = match check(self.route, &request.body) {
            Ok(b) => b,
            Err(e) => {
                s.refused.push(e.clone());
                return meta_error(400, &e);
            }
        };
        let identifier = percent_decode(request.url.path().split('/').nth(4).unwrap_or_default());
        match self.route {
            Route::Identify => s.identify(&identifier, body),
            Route::PersonEvent => s.record(identifier, body),
            Route::AnonymousEvent => {
                let anon = body["anonymous_id"].as_str().unwrap_or_default();
                s.record(format!("anonymous:{anon}"), body)
            }
        }
        match forced {
            Some(lost) => ResponseTemplate::new(lost & !LOST),
            None => ResponseTemplate::new(200).set_body_json(json!({})),
        }
    }
}

impl State {
    fn identify(&mut self, identifier: &str, attributes: Value) {
        let by_email = identifier.contains('@');
        let found = self.people.iter_mut().find(|p| {
            if by_email {
                p.email.as_deref() == Some(identifier)
            } else {
                p.id.as_deref() == Some(identifier)
            }
        });
        let person = match found {
            Some(p) => p,
            None => {
                self.people.push(Person {
                    id: (!by_email).then(|| identifier.to_owned()),
                    email: by_email.then(|| identifier.to_owned()),
                    attributes: Map::new(),
                });
                self.people.last_mut().expect("just pushed")
            }
        };
        for (k, v) in attributes.as_object().into_iter().flatten() {
            person.attributes.insert(k.clone(), v.clone());
        }
        if let Some(e) = person.attributes.get("email").and_then(Value::as_str) {
            person.email = Some(e.to_owned());
        }
    }

    fn record(&mut self, person: String, body: Value) {
        if let Some(id) = body["id"].as_str() {
            if self.seen_ids.iter().any(|s| s == id) {
                return;
            }
            self.seen_ids.push(id.to_owned());
        }
        let name = body["name"].as_str().unwrap_or_default().to_owned();
        self.events.push(Tracked { person, name, body });
    }
}

/// The Track API's checks of a body.
fn check(route: Route, body: &[u8]) -> Result<Value, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    if !v.is_object() {
        return Err("body must be a JSON object".into());
    }
    if route == Route::Identify {
        return Ok(v);
    }
    if v["name"].as_str().is_none_or(|n| n.trim().is_empty()) {
        return Err("name is required".into());
    }
    if let Some(id) = v.get("id") {
        if !id.as_str().is_some_and(is_ulid) {
            return Err(format!("id {id} is not a valid ULID"));
        }
    }
    if v.get("timestamp").is_some_and(|t| !t.is_i64()) {
        return Err("timestamp must be a Unix time in seconds".into());
    }
    if v.get("data").is_some_and(|d| !d.is_object()) {
        return Err("data must be an object".into());
    }
    Ok(v)
}

fn is_ulid(s: &str) -> bool {
    s.len() == 26
        && s.chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c)))
        && s.as_bytes()[0] <= b'7'
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_identifiers_and_event_ids_are_read_as_the_vendor_does() {
        assert_eq!(percent_decode("%2B15551234567"), "+15551234567");
        assert!(is_ulid("01J9Z3M0W2Y4A6C8E0G2J4K6M8"));
        assert!(!is_ulid("evt_1"));
    }

    #[tokio::test]
    async fn an_event_id_seen_before_is_not_recorded_twice() {
        let sim = CustomerIoSim::start().await;
        let client = reqwest::Client::new();
        let event = json!({"name": "lead_captured", "id": "01J9Z3M0W2Y4A6C8E0G2J4K6M8"});
        for _ in 0..2 {
            let r = client
                .post(format!(
                    "{}/api/v1/customers/%2B1555/events",
                    sim.base_url()
                ))
                .basic_auth(SITE_ID, Some(API_KEY))
                .json(&event)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        let bad = client
            .post(format!("{}/api/v1/events", sim.base_url()))
            .basic_auth(SITE_ID, Some("wrong"))
            .json(&event)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 401);
        assert_eq!(sim.events().len(), 1);
        assert_eq!(sim.events()[0].person, "+1555");
    }
}
