//! A HubSpot CRM v3 simulator: contacts (unique email and unique custom
//! properties), search, PATCH, batch upsert (unique `idProperty` only),
//! notes with associations, the Bearer token, and 429s on a budget, with
//! HubSpot's error bodies. Tests assert what the portal ends up with:
//!
//! ```ignore
//! let sim = HubSpotSim::start().await;
//! let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
//! let id = hub.post(&lead).await;
//! hub.settled(&id, Duration::from_secs(5)).await;
//! assert_eq!(sim.contacts().len(), 1);
//! ```

mod rules;
mod store;

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{matchers::any, Mock, MockServer, Request, Respond, ResponseTemplate};

pub use rules::Refusal;
use store::Store;
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

#[derive(Default)]
struct State {
    store: Store,
    failures: VecDeque<Failure>,
    daily_left: Option<u64>,
    ten_secondly: Option<Window>,
    log: Vec<Received>,
}

/// A per-10-seconds request budget.
struct Window {
    limit: u64,
    started: Instant,
    used: u64,
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
            ("POST", Route::Upsert) => upsert_body(&body, &custom).map(drop),
            (m, _) => return Err(format!("HubSpot has no {m} {}", r.url.path())),
        };
        checked.map_err(|e| format!("{} {}: {}", e.status, e.category, e.message))
    }
}

/// The endpoints the simulator serves.
enum Route {
    Contacts,
    Contact(String),
    SearchContacts,
    Upsert,
    Notes,
    SearchNotes,
    Unknown,
}

fn route(path: &str) -> Route {
    let rest = path.trim_end_matches('/');
    match rest {
        "/crm/v3/objects/contacts" => Route::Contacts,
        "/crm/v3/objects/contacts/search" => Route::SearchContacts,
        "/crm/v3/objects/contacts/batch/upsert" => Route::Upsert,
        "/crm/v3/objects/notes" => Route::Notes,
        "/crm/v3/objects/notes/search" => Route::SearchNotes,
        _ => match rest.strip_prefix("/crm/v3/objects/contacts/") {
            Some(id) if !id.contains('/') => Route::Contact(id.to_owned()),
            _ => Route::Unknown,
        },
    }
}

fn create_body(body: &Value, custom: &[String]) -> Result<Vec<(String, String)>, Refusal> {
    if !body.get("associations").is_some_and(Value::is_array) {
        return Err(Refusal::new(
            400,
            "VALIDATION_ERROR",
            "associations is required (send [])",
        ));
    }
    rules::contact_properties(body, custom)
}

struct Handler(Arc<Mutex<State>>);

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (status, body, delay) = state.answer(req);
        state.log.push(Received {
            method: req.method.to_string(),
            path: req.url.path().to_owned(),
            status,
        });
        let t = ResponseTemplate::new(status).set_body_json(body);
        let t = if status == 429 {
            t.insert_header("x-hubspot-ratelimit-interval-milliseconds", "10000")
        } else {
            t
        };
        match delay {
            Some(d) => t.set_delay(d),
            None => t,
        }
    }
}

impl State {
    fn answer(&mut self, req: &Request) -> (u16, Value, Option<Duration>) {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {TOKEN}")) {
            let r = Refusal::new(
                401,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found.",
            );
            return (401, r.body(), None);
        }
        if let Some(policy) = self.over_budget() {
            return (429, limit_body(policy), None);
        }
        let delay = match self.failures.pop_front() {
            Some(Failure::Status(s)) => {
                return (
                    s,
                    Refusal::new(s, "INTERNAL_ERROR", "simulated failure").body(),
                    None,
                )
            }
            Some(Failure::RateLimit(p)) => return (429, limit_body(p), None),
            Some(Failure::LoseAnswer(d)) => Some(d),
            Some(Failure::Pass) | None => None,
        };
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        match self.route(req.method.as_str(), req.url.path(), &body) {
            Ok((status, v)) => (status, v, delay),
            Err(r) => (r.status, r.body(), delay),
        }
    }

    fn over_budget(&mut self) -> Option<Policy> {
        if let Some(left) = self.daily_left.as_mut() {
            if *left == 0 {
                return Some(Policy::Daily);
            }
            *left -= 1;
        }
        let w = self.ten_secondly.as_mut()?;
        if w.started.elapsed() >= Duration::from_secs(10) {
            (w.started, w.used) = (Instant::now(), 0);
        }
        if w.used >= w.limit {
            return Some(Policy::TenSecondly);
        }
        w.used += 1;
        None
    }

    fn route(&mut self, method: &str, path: &str, body: &Value) -> Result<(u16, Value), Refusal> {
        let custom = self.store.custom.clone();
        let s = &mut self.store;
        match (method, route(path)) {
            ("POST", Route::Contacts) => Ok((
                201,
                contact_json(&s.create_contact(create_body(body, &custom)?)?),
            )),
            ("PATCH", Route::Contact(id)) => {
                let props = rules::contact_properties(body, &custom)?;
                Ok((200, contact_json(&s.update_contact(&id, props)?)))
            }
            ("GET", Route::Contact(id)) => Ok((200, contact_json(s.contact(&id)?))),
            ("POST", Route::SearchContacts) => Ok((200, s.search_contacts(&rules::search(body)?))),
            ("POST", Route::Upsert) => upsert(s, body, &custom),
            ("POST", Route::Notes) => {
                let (props, contacts) = rules::note(body)?;
                let n = s.create_note(props, contacts)?;
                Ok((
                    201,
                    json!({"id": n.id, "properties": n.properties, "archived": false}),
                ))
            }
            ("POST", Route::SearchNotes) => Ok((200, s.search_notes(&rules::search(body)?))),
            _ => Err(Refusal::new(
                404,
                "OBJECT_NOT_FOUND",
                format!("no {method} {path}"),
            )),
        }
    }
}

/// One batch upsert input: (idProperty, id, properties), keyed by a
/// unique property only (`email` or a unique custom one).
fn upsert_body(
    body: &Value,
    unique: &[String],
) -> Result<(String, String, Vec<(String, String)>), Refusal> {
    let input = body.pointer("/inputs/0").cloned().unwrap_or(Value::Null);
    let id_property = input["idProperty"].as_str().unwrap_or("").to_owned();
    if id_property != "email" && !unique.contains(&id_property) {
        return Err(Refusal::new(400, "VALIDATION_ERROR", format!(
            "{id_property} is not a unique identifier property: idProperty must be email, hs_object_id or a unique-value property"
        )));
    }
    let id = input["id"].as_str().unwrap_or("").to_owned();
    Ok((id_property, id, rules::contact_properties(&input, unique)?))
}

fn upsert(s: &mut Store, body: &Value, custom: &[String]) -> Result<(u16, Value), Refusal> {
    let unique = s.unique.clone();
    let (id_property, id, _) = upsert_body(body, &unique)?;
    let input = body.pointer("/inputs/0").cloned().unwrap_or(Value::Null);
    let props = rules::contact_properties(&input, custom)?;
    let (c, new) = s.upsert(&id_property, &id, props)?;
    let mut result = contact_json(&c);
    result["new"] = new.into();
    Ok((200, json!({"status": "COMPLETE", "results": [result]})))
}

fn contact_json(c: &Contact) -> Value {
    json!({"id": c.id, "properties": c.properties, "archived": false})
}

fn limit_body(p: Policy) -> Value {
    let (policy, name) = match p {
        Policy::TenSecondly => ("TEN_SECONDLY_ROLLING", "ten_secondly_rolling"),
        Policy::Daily => ("DAILY", "daily"),
    };
    json!({
        "status": "error",
        "message": format!("You have reached your {name} limit."),
        "errorType": "RATE_LIMIT",
        "correlationId": "8c1a5f0e-sim",
        "policyName": policy,
    })
}
