//! A Pipedrive simulator: v2 persons (exact-match search, create, PATCH),
//! v1 leads and notes, the `x-api-token` header, Pipedrive's error bodies
//! (`{success: false, error}`), 429s, and 410 for the v1 persons and
//! activities endpoints (out of support). Pipedrive has no idempotency key
//! and no upsert, so a second create is a second record: tests assert what
//! the company ends up with.
//!
//! ```text
//! let sim = PipedriveSim::start().await;
//! let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
//! let id = hub.post(&lead).await;
//! hub.settled(&id, Duration::from_secs(5)).await;
//! assert_eq!(sim.persons().len(), 1);
//! ```

mod rules;
mod store;

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{matchers::any, Mock, MockServer, Request, Respond, ResponseTemplate};

pub use rules::Refusal;
pub use store::{Lead, Note, Person};

/// The API token the simulator accepts.
pub const TOKEN: &str = "pd-sim-token";

/// What the next request gets instead of (or besides) its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Answered normally (to aim a failure at a later request).
    Pass,
    /// This status with Pipedrive's error body; nothing stored.
    Status(u16),
    /// 429 with `Retry-After` (seconds); nothing stored.
    RateLimit {
        /// The `Retry-After` value.
        retry_after_secs: u64,
    },
    /// The request IS processed, and the answer comes after this delay
    /// (longer than the hub's timeout): the sender cannot know.
    LoseAnswer(Duration),
}

/// One request the simulator received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path.
    pub path: String,
    /// The status it was answered with.
    pub status: u16,
}

#[derive(Default)]
struct State {
    store: store::Store,
    failures: VecDeque<Failure>,
    log: Vec<Received>,
}

/// A running Pipedrive simulator.
pub struct PipedriveSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl PipedriveSim {
    /// Starts a simulator of an empty company.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Handler(state.clone()))
            .mount(&server)
            .await;
        PipedriveSim { server, state }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The `base_url` to configure.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// Connector settings (JSON) pointing at this simulator.
    pub fn settings(&self) -> Value {
        json!({"api_token": TOKEN, "base_url": self.base_url()})
    }

    /// A `[[connectors]]` entry named `crm` for [`crate::VendorHub`], with
    /// `extra` TOML lines.
    pub fn connector_toml(&self, extra: &str) -> String {
        format!(
            "[[connectors]]\nname = \"crm\"\nkind = \"pipedrive\"\napi_token = \"{TOKEN}\"\nbase_url = \"{}\"\n{extra}\n",
            self.base_url()
        )
    }

    /// Every person, oldest first.
    pub fn persons(&self) -> Vec<Person> {
        self.lock().store.persons.clone()
    }

    /// Every lead, oldest first.
    pub fn leads(&self) -> Vec<Lead> {
        self.lock().store.leads.clone()
    }

    /// Every note, oldest first.
    pub fn notes(&self) -> Vec<Note> {
        self.lock().store.notes.clone()
    }

    /// A person staff typed in; its id.
    pub fn add_person(&self, name: &str, emails: &[&str], phones: &[&str]) -> u64 {
        self.lock().store.add_person(name, emails, phones)
    }

    /// Serves `f` to the next request (queued in order).
    pub fn fail_next(&self, f: Failure) {
        self.lock().failures.push_back(f);
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Received> {
        self.lock().log.clone()
    }

    /// Checks a prepared request as Pipedrive would before touching any
    /// data (for the sparse matrix): token, endpoint, body rules. Ids from
    /// earlier answers may be placeholders.
    pub fn validate(r: &OutboundRequest) -> Result<(), String> {
        let token = r.headers.get("x-api-token").and_then(|v| v.to_str().ok());
        if token != Some(TOKEN) {
            return Err("401: no valid x-api-token".into());
        }
        let body = json_body(
            r.headers.get("content-type").and_then(|v| v.to_str().ok()),
            &r.body,
        )
        .map_err(|e| e.to_string())?;
        let query: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
        let checked =
            match rules::route(r.method.as_str(), r.url.path()).map_err(|e| e.to_string())? {
                rules::Route::SearchPersons => rules::search(&query).map(drop),
                rules::Route::CreatePerson => rules::person(&body, true).map(drop),
                rules::Route::UpdatePerson(_) => rules::person(&body, false).map(drop),
                rules::Route::CreateLead => rules::lead(&body).map(drop),
                rules::Route::CreateNote => rules::note(&body).map(drop),
                rules::Route::ListLeads | rules::Route::ListNotes => Ok(()),
            };
        checked.map_err(|e| e.to_string())
    }
}

/// A request body as JSON (`Null` when empty); Pipedrive takes JSON only.
fn json_body(content_type: Option<&str>, body: &[u8]) -> Result<Value, Refusal> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    if !content_type.is_some_and(|c| c.starts_with("application/json")) {
        return Err(Refusal::new(415, "Content-Type must be application/json"));
    }
    serde_json::from_slice(body).map_err(|e| Refusal::new(400, format!("body is not JSON: {e}")))
}

struct Handler(Arc<Mutex<State>>);

/// One answer: status, body, and what the failure script adds.
struct Answer {
    status: u16,
    body: Value,
    delay: Option<Duration>,
    retry_after_secs: Option<u64>,
}

impl Answer {
    fn new(status: u16, body: Value) -> Self {
        Answer {
            status,
            body,
            delay: None,
            retry_after_secs: None,
        }
    }
}

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let a = state.answer(req);
        state.log.push(Received {
            method: req.method.to_string(),
            path: req.url.path().to_owned(),
            status: a.status,
        });
        let mut t = ResponseTemplate::new(a.status).set_body_json(a.body);
        if let Some(d) = a.delay {
            t = t.set_delay(d);
        }
        if let Some(secs) = a.retry_after_secs {
            t = t.insert_header("retry-after", secs.to_string().as_str());
        }
        t
    }
}

impl State {
    fn answer(&mut self, req: &Request) -> Answer {
        let token = req.headers.get("x-api-token").and_then(|v| v.to_str().ok());
        if token != Some(TOKEN) {
            return Answer::new(401, Refusal::new(401, "unauthorized access").body());
        }
        let delay = match self.failures.pop_front() {
            Some(Failure::Status(s)) => {
                return Answer::new(s, Refusal::new(s, "simulated failure").body())
            }
            Some(Failure::RateLimit { retry_after_secs }) => {
                let body = Refusal::new(429, "Request over limit").body();
                return Answer {
                    retry_after_secs: Some(retry_after_secs),
                    ..Answer::new(429, body)
                };
            }
            Some(Failure::LoseAnswer(d)) => Some(d),
            Some(Failure::Pass) | None => None,
        };
        let ct = req
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok());
        let query: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        let answer = rules::route(req.method.as_str(), req.url.path())
            .and_then(|route| Ok((route, json_body(ct, &req.body)?)))
            .and_then(|(route, body)| self.store.answer(route, &query, &body));
        let (status, body) = answer.unwrap_or_else(|r| (r.status, r.body()));
        Answer {
            delay,
            ..Answer::new(status, body)
        }
    }
}
