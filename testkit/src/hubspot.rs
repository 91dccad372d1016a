//! A HubSpot CRM v3 simulator: contacts (unique email and unique custom
//! properties), search, PATCH, batch upsert (unique `idProperty` only),
//! notes with associations, the Bearer token, and 429s on a budget, with
//! HubSpot's error bodies. Tests assert what the portal ends up with:
//!
//! ```text
//! let sim = HubSpotSim::start().await;
//! let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
//! let id = hub.post(&lead).await;
//! hub.settled(&id, Duration::from_secs(5)).await;
//! assert_eq!(sim.contacts().len(), 1);
//! ```

mod rules;
mod server;
mod store;

use std::{
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{matchers::any, Mock, MockServer};

pub use rules::Refusal;
use server::{create_body, route, upsert_key, Handler, Route, State, Window};
pub use store::{Contact, Note};

/// The token the simulator accepts.
pub const TOKEN: &str = "pat-na1-sim";

/// Which rate limit a 429 reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The rolling 10-second window.
    TenSecondly,
    /// The daily quota.
    Daily,
}

/// A failure served to the next request instead of (or besides) its answer.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    /// No failure: this request is answered normally (to aim a later one).
    Pass,
    /// An error answer with this status (HubSpot's error body).
    Status(u16),
    /// A 429 of this policy.
    RateLimit(Policy),
    /// The request is processed, but the answer comes after this delay
    /// (longer than the connector's timeout: an ambiguous failure).
    LoseAnswer(Duration),
}

/// One request the simulator received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`, `PATCH`, ...
    pub method: String,
    /// The path.
    pub path: String,
    /// The status it was answered with.
    pub status: u16,
}

/// The running simulator.
pub struct HubSpotSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl HubSpotSim {
    /// Starts a simulator of an empty portal.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Handler(state.clone()))
            .mount(&server)
            .await;
        HubSpotSim { server, state }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The `base_url` to configure.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// Connector settings (JSON) for this simulator plus `extra` keys.
    pub fn settings(&self, extra: Value) -> Value {
        let mut s = json!({"token": TOKEN, "base_url": self.base_url()});
        if let (Some(s), Some(e)) = (s.as_object_mut(), extra.as_object()) {
            s.extend(e.clone());
        }
        s
    }

    /// A `[[connectors]]` entry named `hubspot` for [`crate::VendorHub`],
    /// with `extra` TOML lines.
    pub fn connector_toml(&self, extra: &str) -> String {
        format!(
            "[[connectors]]\nname = \"hubspot\"\nkind = \"hubspot\"\ntoken = \"{TOKEN}\"\nbase_url = \"{}\"\n{extra}\n",
            self.base_url()
        )
    }

    /// Adds a unique-value custom contact property (e.g. `oncall_phone`).
    pub fn add_unique_property(&self, name: &str) {
        self.lock().store.add_unique(name);
    }

    /// Every contact, oldest first.
    pub fn contacts(&self) -> Vec<Contact> {
        self.lock().store.contacts.clone()
    }

    /// The contact with this email (case-insensitive).
    pub fn contact_by_email(&self, email: &str) -> Option<Contact> {
        self.contacts().into_iter().find(|c| {
            c.get("email")
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// A contact staff created by hand; its id.
    pub fn add_contact(&self, props: &[(&str, &str)]) -> String {
        let props = props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.lock()
            .store
            .create_contact(props)
            .expect("a valid contact")
            .id
    }

    /// A staff edit of one property.
    pub fn edit(&self, contact_id: &str, property: &str, value: &str) {
        let props = vec![(property.to_owned(), value.to_owned())];
        self.lock()
            .store
            .update_contact(contact_id, props)
            .expect("a valid edit");
    }

    /// Every note.
    pub fn notes(&self) -> Vec<Note> {
        self.lock().store.notes.clone()
    }

    /// The notes associated with a contact.
    pub fn notes_of(&self, contact_id: &str) -> Vec<Note> {
        let id = contact_id.to_owned();
        self.notes()
            .into_iter()
            .filter(|n| n.contacts.contains(&id))
            .collect()
    }

    /// Serves `f` to the next request.
    pub fn fail_next(&self, f: Failure) {
        self.lock().failures.push_back(f);
    }

    /// After `n` more requests, every request gets a `DAILY` 429.
    pub fn daily_budget(&self, n: u64) {
        self.lock().daily_left = Some(n);
    }

    /// At most `n` requests per rolling 10 seconds, then `TEN_SECONDLY_ROLLING` 429s.
    pub fn ten_secondly_budget(&self, n: u64) {
        self.lock().ten_secondly = Some(Window {
            limit: n,
            started: Instant::now(),
            used: 0,
        });
    }

    /// New contacts and notes stay out of search results for `lag`, as
    /// HubSpot's search index trails writes.
    pub fn search_lag(&self, lag: Duration) {
        self.lock().store.search_lag = lag;
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Received> {
        self.lock().log.clone()
    }

    /// Checks a prepared request as HubSpot would before touching any data
    /// (for the sparse matrix): auth, endpoint and body rules. Ids from
    /// earlier answers may be placeholders.
    pub fn validate(r: &OutboundRequest) -> Result<(), String> {
        let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
        if !auth.is_some_and(|a| a.starts_with("Bearer ") && a.len() > 7) {
            return Err("no Bearer token".into());
        }
        let body: Value = if r.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&r.body).map_err(|e| format!("body is not JSON: {e}"))?
        };
        let custom = ["oncall_phone".to_owned()];
        let checked = match (r.method.as_str(), route(r.url.path())) {
            ("POST", Route::Contacts) => create_body(&body, &custom).map(drop),
            ("PATCH", Route::Contact(_)) => rules::contact_properties(&body, &custom).map(drop),
            ("GET", Route::Contact(_)) => Ok(()),
            ("POST", Route::SearchContacts | Route::SearchNotes) => rules::search(&body).map(drop),
            ("POST", Route::Notes) => rules::note(&body).map(drop),
            ("POST", Route::Upsert) => {
                let input = body.pointer("/inputs/0").cloned().unwrap_or(Value::Null);
                upsert_key(&input, &custom)
                    .and_then(|_| rules::contact_properties(&input, &custom))
                    .map(drop)
            }
            (m, _) => return Err(format!("HubSpot has no {m} {}", r.url.path())),
        };
        checked.map_err(|e| format!("{} {}: {}", e.status, e.category, e.message))
    }
}
