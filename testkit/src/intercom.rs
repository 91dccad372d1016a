//! An Intercom REST API 2.14 simulator: contacts (unique email: a duplicate
//! answers 409 `conflict` naming the existing contact, which Intercom's
//! description does not list), an eventually consistent search, notes,
//! the Bearer token, the pinned `Intercom-Version`, Intercom's `error.list`
//! bodies and 429s with `X-RateLimit-*`. Every request body is checked
//! against the published description ([`spec`]).
//!
//! ```text
//! let sim = IntercomSim::start().await;
//! let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
//! let id = hub.post(&lead).await;
//! hub.settled(&id, Duration::from_secs(5)).await;
//! assert_eq!(sim.contacts().len(), 1);
//! ```

pub mod spec;
mod store;

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{matchers::any, Mock, MockServer, Request, Respond, ResponseTemplate};

pub use store::{Contact, Note};

/// The access token the simulator accepts.
pub const TOKEN: &str = "ic-sim-token";
/// The API version it serves.
pub const VERSION: &str = "2.14";

/// What the next request gets instead of (or besides) its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Answered normally (to aim a failure at a later request).
    Pass,
    /// This status with an `error.list` body; nothing stored.
    Status(u16),
    /// 429 `rate_limit_exceeded`, `X-RateLimit-Remaining: 0` and a reset
    /// this many seconds ahead; nothing stored.
    RateLimit {
        /// Seconds until `X-RateLimit-Reset`.
        reset_in_secs: u64,
    },
    /// The request IS processed; the answer comes after this delay.
    LoseAnswer(Duration),
}

#[derive(Default)]
struct State {
    store: store::Store,
    failures: VecDeque<Failure>,
    paths: Vec<String>,
}

/// A running Intercom simulator.
pub struct IntercomSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl IntercomSim {
    /// Starts a simulator of an empty workspace.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Handler(state.clone()))
            .mount(&server)
            .await;
        IntercomSim { server, state }
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
        json!({"token": TOKEN, "base_url": self.base_url()})
    }

    /// A `[[connectors]]` entry named `support` for [`crate::VendorHub`],
    /// with `extra` TOML lines.
    pub fn connector_toml(&self, extra: &str) -> String {
        format!(
            "[[connectors]]\nname = \"support\"\nkind = \"intercom\"\ntoken = \"{TOKEN}\"\nbase_url = \"{}\"\n{extra}\n",
            self.base_url()
        )
    }

    /// Every contact, oldest first.
    pub fn contacts(&self) -> Vec<Contact> {
        self.lock()
            .store
            .contacts
            .iter()
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// Every note, oldest first.
    pub fn notes(&self) -> Vec<Note> {
        self.lock().store.notes.clone()
    }

    /// A contact staff made; its id.
    pub fn add_contact(&self, email: Option<&str>, phone: Option<&str>) -> String {
        self.lock().store.add(email, phone)
    }

    /// New contacts stay out of search results for `lag`.
    pub fn search_lag(&self, lag: Duration) {
        self.lock().store.search_lag = lag;
    }

    /// Serves `f` to the next request (queued in order).
    pub fn fail_next(&self, f: Failure) {
        self.lock().failures.push_back(f);
    }

    /// `METHOD path` of every request received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.lock().paths.clone()
    }

    /// Checks a prepared request as Intercom would before touching any
    /// data (for the sparse matrix): token, version, route and the body
    /// against the published schema.
    pub fn validate(r: &OutboundRequest) -> Result<(), String> {
        let h = |n: &str| r.headers.get(n).and_then(|v| v.to_str().ok());
        let body: Value = if r.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&r.body).map_err(|e| format!("body is not JSON: {e}"))?
        };
        let req = Incoming {
            method: r.method.as_str(),
            path: r.url.path(),
            auth: h("authorization"),
            version: h("intercom-version"),
            body: &body,
        };
        req.check()
            .map(drop)
            .map_err(|(s, code, m)| format!("{s} {code}: {m}"))
    }
}

/// The parts of a request Intercom looks at.
struct Incoming<'a> {
    method: &'a str,
    path: &'a str,
    auth: Option<&'a str>,
    version: Option<&'a str>,
    body: &'a Value,
}

/// The routes the simulator serves.
enum Route<'a> {
    Create,
    Search,
    Update(&'a str),
    CreateNote(&'a str),
    ListNotes(&'a str),
}

impl<'a> Incoming<'a> {
    /// Auth, version, route and body schema: the route if Intercom would
    /// go on to process the request.
    fn check(&self) -> Result<Route<'a>, store::Refusal> {
        if self.auth != Some(&format!("Bearer {TOKEN}")) {
            return Err((401, "unauthorized", "Access Token Invalid".into()));
        }
        if self.version != Some(VERSION) {
            return Err((
                400,
                "intercom_version_invalid",
                format!("Requested version {:?} is not {VERSION}", self.version),
            ));
        }
        let parts: Vec<&str> = self.path.trim_matches('/').split('/').collect();
        let (route, op) = match (self.method, parts.as_slice()) {
            ("POST", ["contacts"]) => (Route::Create, Some(spec::Body::CreateContact)),
            ("POST", ["contacts", "search"]) => (Route::Search, Some(spec::Body::Search)),
            ("PUT", ["contacts", id]) => (Route::Update(id), Some(spec::Body::UpdateContact)),
            ("POST", ["contacts", id, "notes"]) => {
                (Route::CreateNote(id), Some(spec::Body::CreateNote))
            }
            ("GET", ["contacts", id, "notes"]) => (Route::ListNotes(id), None),
            (m, _) => return Err((404, "not_found", format!("no route {m} {}", self.path))),
        };
        if let Some(op) = op {
            spec::check(op, self.body).map_err(|e| (400, "parameter_invalid", e))?;
        }
        Ok(route)
    }
}

struct Handler(Arc<Mutex<State>>);

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        state
            .paths
            .push(format!("{} {}", req.method, req.url.path()));
        let h = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok());
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let incoming = Incoming {
            method: req.method.as_str(),
            path: req.url.path(),
            auth: h("authorization"),
            version: h("intercom-version"),
            body: &body,
        };
        let route = match incoming.check() {
            Ok(r) => r,
            Err(e) => return error(e),
        };
        let delay = match state.failures.pop_front() {
            Some(Failure::Status(s)) => {
                return error((s, "server_error", "simulated failure".into()))
            }
            Some(Failure::RateLimit { reset_in_secs }) => return rate_limited(reset_in_secs),
            Some(Failure::LoseAnswer(d)) => Some(d),
            Some(Failure::Pass) | None => None,
        };
        let s = &mut state.store;
        let answer = match route {
            Route::Create => s.create(&body),
            Route::Search => s.search(&body["query"]),
            Route::Update(id) => s.update(id, &body),
            Route::CreateNote(id) => s.create_note(id, &body),
            Route::ListNotes(id) => s.list_notes(id),
        };
        let t = match answer {
            Ok(v) => ResponseTemplate::new(200).set_body_json(v),
            Err(e) => error(e),
        };
        match delay {
            Some(d) => t.set_delay(d),
            None => t,
        }
    }
}

fn error((status, code, message): store::Refusal) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "type": "error.list", "request_id": "b3b1a1d5-0000-4000-8000-000000000000",
        "errors": [{"code": code, "message": message}]
    }))
}

fn rate_limited(reset_in_secs: u64) -> ResponseTemplate {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    error((
        429,
        "rate_limit_exceeded",
        "Exceeded rate limit of 167 in 10_seconds".into(),
    ))
    .insert_header("x-ratelimit-limit", "167")
    .insert_header("x-ratelimit-remaining", "0")
    .insert_header(
        "x-ratelimit-reset",
        (now + reset_in_secs).to_string().as_str(),
    )
}
