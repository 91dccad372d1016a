//! A Freshdesk API v2 simulator: tickets with their requester found or
//! created by email, phone (a new contact needs a name) or
//! `unique_external_id`, private notes, the ticket and contact lists a
//! connector looks an earlier ticket up with, Basic auth with the API key,
//! Freshdesk's validation bodies and 429s with `Retry-After`. Freshdesk has
//! no idempotency key: a second create is a second ticket.
//!
//! ```text
//! let sim = FreshdeskSim::start().await;
//! let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
//! let id = hub.post(&voicemail).await;
//! hub.settled(&id, Duration::from_secs(5)).await;
//! assert_eq!(sim.tickets().len(), 1);
//! ```

mod store;

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use serde_json::{json, Value};
use switchboard_core::{connector::vendor, outbound::OutboundRequest};
use wiremock::{matchers::any, Mock, MockServer, Request, Respond, ResponseTemplate};

pub use store::{check_note, check_ticket, Contact, Note, Ticket};

/// The API key the simulator accepts.
pub const API_KEY: &str = "fd-sim-key";

/// What the next request gets instead of (or besides) its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Answered normally (to aim a failure at a later request).
    Pass,
    /// This status; nothing stored.
    Status(u16),
    /// 429 with `Retry-After` (seconds); nothing stored.
    RateLimit {
        /// The `Retry-After` value.
        retry_after_secs: u64,
    },
    /// The request IS processed; the answer comes after this delay.
    LoseAnswer(Duration),
}

#[derive(Default)]
struct State {
    store: store::Store,
    failures: VecDeque<Failure>,
    creates: usize,
}

/// A running Freshdesk simulator.
pub struct FreshdeskSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl FreshdeskSim {
    /// Starts a simulator of an empty helpdesk.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Handler(state.clone()))
            .mount(&server)
            .await;
        FreshdeskSim { server, state }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connector settings (JSON) pointing at this simulator.
    pub fn settings(&self) -> Value {
        json!({"api_key": API_KEY, "base_url": self.server.uri()})
    }

    /// A `[[connectors]]` entry named `helpdesk` for [`crate::VendorHub`],
    /// with `extra` TOML lines.
    pub fn connector_toml(&self, extra: &str) -> String {
        format!(
            "[[connectors]]\nname = \"helpdesk\"\nkind = \"freshdesk\"\napi_key = \"{API_KEY}\"\nbase_url = \"{}\"\n{extra}\n",
            self.server.uri()
        )
    }

    /// Every ticket, oldest first.
    pub fn tickets(&self) -> Vec<Ticket> {
        self.lock().store.tickets.clone()
    }

    /// Every note, oldest first.
    pub fn notes(&self) -> Vec<Note> {
        self.lock().store.notes.clone()
    }

    /// Every contact, oldest first.
    pub fn contacts(&self) -> Vec<Contact> {
        self.lock().store.contacts.clone()
    }

    /// How many ticket creates arrived (answered or not).
    pub fn creates(&self) -> usize {
        self.lock().creates
    }

    /// Serves `f` to the next request (queued in order).
    pub fn fail_next(&self, f: Failure) {
        self.lock().failures.push_back(f);
    }

    /// Checks a prepared request as Freshdesk would before touching any
    /// data (for the sparse matrix): auth, route and body rules.
    pub fn validate(r: &OutboundRequest) -> Result<(), String> {
        let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
        if auth != Some(basic().as_str()) {
            return Err("401 invalid_credentials".into());
        }
        let body: Value =
            serde_json::from_slice(&r.body).map_err(|e| format!("body is not JSON: {e}"))?;
        let checked = match (r.method.as_str(), route(r.url.path())) {
            ("POST", Route::Tickets) => check_ticket(&body).map(drop),
            ("POST", Route::Notes(_)) => check_note(&body),
            (m, _) => return Err(format!("the first attempt sends no {m} {}", r.url.path())),
        };
        checked.map_err(|(s, b)| format!("{s} {b}"))
    }
}

fn basic() -> String {
    vendor::basic_auth(API_KEY, "X")
}

enum Route {
    Tickets,
    Notes(u64),
    Conversations(u64),
    Contacts,
    Unknown,
}

fn route(path: &str) -> Route {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["api", "v2", "tickets"] => Route::Tickets,
        ["api", "v2", "contacts"] => Route::Contacts,
        ["api", "v2", "tickets", id, "notes"] => id.parse().map_or(Route::Unknown, Route::Notes),
        ["api", "v2", "tickets", id, "conversations"] => {
            id.parse().map_or(Route::Unknown, Route::Conversations)
        }
        _ => Route::Unknown,
    }
}

struct Handler(Arc<Mutex<State>>);

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(basic().as_str()) {
            return ResponseTemplate::new(401).set_body_json(json!({"code": "invalid_credentials",
                "message": "You have to be logged in to perform this action."}));
        }
        let route = route(req.url.path());
        if req.method.as_str() == "POST" && matches!(route, Route::Tickets) {
            state.creates += 1;
        }
        let delay =
            match state.failures.pop_front() {
                Some(Failure::Status(s)) => return ResponseTemplate::new(s),
                Some(Failure::RateLimit { retry_after_secs }) => return ResponseTemplate::new(429)
                    .insert_header("retry-after", retry_after_secs.to_string().as_str())
                    .insert_header("x-ratelimit-remaining", "0")
                    .set_body_json(
                        json!({"message": "You have exceeded the limit of requests per minute"}),
                    ),
                Some(Failure::LoseAnswer(d)) => Some(d),
                Some(Failure::Pass) | None => None,
            };
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let query = |k: &str| {
            req.url
                .query_pairs()
                .find(|(q, _)| q == k)
                .map(|(_, v)| v.into_owned())
        };
        let s = &mut state.store;
        let answer = match (req.method.as_str(), route) {
            ("POST", Route::Tickets) => s.create_ticket(&body),
            ("POST", Route::Notes(id)) => s.create_note(id, &body),
            ("GET", Route::Conversations(id)) => Ok((200, s.conversations(id))),
            ("GET", Route::Contacts) => Ok((
                200,
                s.contacts_by_phone(&query("phone").unwrap_or_default()),
            )),
            ("GET", Route::Tickets) => {
                let filter = ["email", "requester_id", "unique_external_id"]
                    .into_iter()
                    .find_map(|k| query(k).map(|v| (k, v)));
                Ok((
                    200,
                    filter.map_or(json!([]), |(k, v)| s.tickets_of((k, &v))),
                ))
            }
            _ => Err((404, json!({"code": "invalid_path"}).to_string())),
        };
        let t = match answer {
            Ok((status, v)) => ResponseTemplate::new(status).set_body_json(v),
            Err((status, b)) => ResponseTemplate::new(status).set_body_raw(b, "application/json"),
        };
        match delay {
            Some(d) => t.set_delay(d),
            None => t,
        }
    }
}
