//! A Housecall Pro simulator: customers (searched with `q` over names,
//! emails and numbers, as the real search matches loosely), addresses,
//! leads and jobs (a job needs a customer and one of its addresses), the
//! `Token` auth of a MAX-plan API key, 429s with `Retry-After`. Housecall
//! Pro publishes no licensed description, so the rules follow the vendor
//! notes. No idempotency key: a second create is a second record.
//!
//! ```text
//! let sim = HousecallProSim::start().await;
//! let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
//! let id = hub.post(&booking).await;
//! hub.settled(&id, Duration::from_secs(5)).await;
//! assert_eq!(sim.jobs().len(), 1);
//! ```

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use serde_json::{json, Map, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{matchers::any, Mock, MockServer, Request, Respond, ResponseTemplate};

/// The API key the simulator accepts.
pub const API_KEY: &str = "hcp-sim-key";

/// A customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Id (`cus_…`).
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Email, if any.
    pub email: Option<String>,
    /// Mobile number, if any.
    pub mobile_number: Option<String>,
    /// Its addresses: (id, street).
    pub addresses: Vec<(String, String)>,
}

/// A lead or a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    /// Id.
    pub id: String,
    /// The customer.
    pub customer_id: String,
    /// The job's address id (leads: none).
    pub address_id: Option<String>,
    /// The lead's `note` or the job's `notes`.
    pub note: String,
    /// The job's `schedule.scheduled_start`.
    pub scheduled_start: Option<String>,
}

/// What the next request gets instead of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Answered normally.
    Pass,
    /// 429 with `Retry-After` (seconds); nothing stored.
    RateLimit(u64),
    /// The request IS processed; the answer comes after this delay.
    LoseAnswer(Duration),
}

#[derive(Default)]
struct State {
    customers: Vec<Customer>,
    leads: Vec<Work>,
    jobs: Vec<Work>,
    failures: VecDeque<Failure>,
    next: u64,
}

/// A running Housecall Pro simulator.
pub struct HousecallProSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl HousecallProSim {
    /// Starts a simulator of an empty MAX-plan account.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Handler(state.clone()))
            .mount(&server)
            .await;
        HousecallProSim { server, state }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connector settings (JSON) pointing at this simulator.
    pub fn settings(&self) -> Value {
        json!({"api_key": API_KEY, "base_url": self.server.uri()})
    }

    /// A `[[connectors]]` entry named `jobs` for [`crate::VendorHub`].
    pub fn connector_toml(&self, extra: &str) -> String {
        format!(
            "[[connectors]]\nname = \"jobs\"\nkind = \"housecallpro\"\napi_key = \"{API_KEY}\"\nbase_url = \"{}\"\n{extra}\n",
            self.server.uri()
        )
    }

    /// Every customer.
    pub fn customers(&self) -> Vec<Customer> {
        self.lock().customers.clone()
    }

    /// Every lead.
    pub fn leads(&self) -> Vec<Work> {
        self.lock().leads.clone()
    }

    /// Every job.
    pub fn jobs(&self) -> Vec<Work> {
        self.lock().jobs.clone()
    }

    /// Serves `f` to the next request (queued in order).
    pub fn fail_next(&self, f: Failure) {
        self.lock().failures.push_back(f);
    }

    /// Checks a prepared request as Housecall Pro would before touching
    /// data (for the sparse matrix); ids from earlier answers may be
    /// placeholders.
    pub fn validate(r: &OutboundRequest) -> Result<(), String> {
        let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Token {API_KEY}")) {
            return Err("401: not `Token <api key>`".into());
        }
        let body: Value = if r.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&r.body).map_err(|e| format!("body is not JSON: {e}"))?
        };
        check(r.method.as_str(), r.url.path(), &body).map_err(|(s, m)| format!("{s} {m}"))
    }
}

/// What Housecall Pro refuses before storing anything.
fn check(method: &str, path: &str, body: &Value) -> Result<(), (u16, String)> {
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty())
    };
    let bad = |m: &str| Err((400, m.to_owned()));
    match (method, path.trim_end_matches('/')) {
        ("GET", "/customers" | "/leads" | "/jobs") => Ok(()),
        ("POST", "/customers") => {
            if ![
                "first_name",
                "last_name",
                "email",
                "mobile_number",
                "home_number",
                "work_number",
            ]
            .iter()
            .any(|k| text(k))
            {
                return bad("a customer needs a name, an email or a number");
            }
            Ok(())
        }
        ("POST", p) if p.starts_with("/customers/") && p.ends_with("/addresses") => {
            if text("street") {
                Ok(())
            } else {
                bad("street is required")
            }
        }
        ("POST", "/leads") => {
            if text("customer_id") {
                Ok(())
            } else {
                bad("customer_id is required")
            }
        }
        ("POST", "/jobs") => {
            let start = body
                .pointer("/schedule/scheduled_start")
                .and_then(Value::as_str);
            if !text("customer_id") || !text("address_id") {
                return bad("customer_id and address_id are required");
            }
            if start.is_none_or(|s| chrono_like(s).is_none()) {
                return bad("schedule.scheduled_start must be an ISO 8601 time");
            }
            Ok(())
        }
        (m, p) => Err((404, format!("no {m} {p}"))),
    }
}

/// An RFC 3339 time's date part, if it looks like one.
fn chrono_like(s: &str) -> Option<&str> {
    let (date, time) = s.split_once('T')?;
    (date.len() == 10 && time.len() >= 8).then_some(date)
}

struct Handler(Arc<Mutex<State>>);

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Token {API_KEY}")) {
            return ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"}));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let path = req.url.path().trim_end_matches('/').to_owned();
        if let Err((status, m)) = check(req.method.as_str(), &path, &body) {
            return ResponseTemplate::new(status).set_body_json(json!({"message": m}));
        }
        let delay = match s.failures.pop_front() {
            Some(Failure::RateLimit(secs)) => {
                return ResponseTemplate::new(429)
                    .insert_header("retry-after", secs.to_string().as_str())
                    .set_body_json(json!({"message": "Too many requests"}))
            }
            Some(Failure::LoseAnswer(d)) => Some(d),
            Some(Failure::Pass) | None => None,
        };
        let q = |k: &str| {
            req.url
                .query_pairs()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let (status, answer) = s.answer(req.method.as_str(), &path, &body, q);
        let t = ResponseTemplate::new(status).set_body_json(answer);
        match delay {
            Some(d) => t.set_delay(d),
            None => t,
        }
    }
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}_{:08x}", self.next)
    }

    fn answer(
        &mut self,
        method: &str,
        path: &str,
        body: &Value,
        q: impl Fn(&str) -> String,
    ) -> (u16, Value) {
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        match (method, path) {
            ("GET", "/customers") => {
                let term = q("q").to_lowercase();
                let digits: String = term.chars().filter(char::is_ascii_digit).collect();
                let hits: Vec<Value> = self
                    .customers
                    .iter()
                    .filter(|c| {
                        c.first_name.to_lowercase().contains(&term)
                            || c.email.as_deref().is_some_and(|e| e.contains(&term))
                            || (digits.len() >= 7
                                && c.mobile_number
                                    .as_deref()
                                    .is_some_and(|m| m.contains(&digits)))
                    })
                    .map(customer_json)
                    .collect();
                (
                    200,
                    json!({"customers": hits, "page": 1, "total_items": hits.len()}),
                )
            }
            ("POST", "/customers") => {
                let id = self.id("cus");
                let mut c = Customer {
                    id,
                    first_name: text("first_name").unwrap_or_default(),
                    email: text("email"),
                    mobile_number: text("mobile_number"),
                    addresses: Vec::new(),
                };
                for a in body
                    .get("addresses")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let street = a
                        .get("street")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let aid = self.id("adr");
                    c.addresses.push((aid, street));
                }
                let answer = customer_json(&c);
                self.customers.push(c);
                (201, answer)
            }
            ("POST", p) if p.starts_with("/customers/") => {
                let cid = p
                    .trim_start_matches("/customers/")
                    .trim_end_matches("/addresses")
                    .to_owned();
                let aid = self.id("adr");
                match self.customers.iter_mut().find(|c| c.id == cid) {
                    Some(c) => {
                        c.addresses
                            .push((aid.clone(), text("street").unwrap_or_default()));
                        (201, json!({"id": aid, "street": text("street")}))
                    }
                    None => (404, json!({"message": "Customer not found"})),
                }
            }
            ("POST", "/leads" | "/jobs") => self.create_work(path == "/jobs", body),
            ("GET", "/leads" | "/jobs") => {
                let (list, key, field) = if path == "/jobs" {
                    (&self.jobs, "jobs", "notes")
                } else {
                    (&self.leads, "leads", "note")
                };
                let cid = q("customer_id");
                let items: Vec<Value> = list
                    .iter()
                    .filter(|w| w.customer_id == cid)
                    .map(|w| json!({"id": w.id, "customer_id": w.customer_id, field: w.note}))
                    .collect();
                (200, json!({key: items}))
            }
            _ => (404, json!({"message": "Not found"})),
        }
    }

    fn create_work(&mut self, job: bool, body: &Value) -> (u16, Value) {
        let get = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        let customer_id = get("customer_id").unwrap_or_default();
        let Some(c) = self.customers.iter().find(|c| c.id == customer_id) else {
            return (404, json!({"message": "Customer not found"}));
        };
        let address_id = get("address_id");
        if job
            && !c
                .addresses
                .iter()
                .any(|(a, _)| Some(a) == address_id.as_ref())
        {
            return (
                422,
                json!({"message": "address_id is not an address of this customer"}),
            );
        }
        let id = self.id(if job { "job" } else { "lea" });
        let w = Work {
            id: id.clone(),
            customer_id,
            address_id,
            note: get(if job { "notes" } else { "note" }).unwrap_or_default(),
            scheduled_start: body
                .pointer("/schedule/scheduled_start")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        if job {
            self.jobs.push(w)
        } else {
            self.leads.push(w)
        }
        (201, json!({"id": id}))
    }
}

fn customer_json(c: &Customer) -> Value {
    let addresses: Vec<Value> = c
        .addresses
        .iter()
        .map(|(id, street)| json!({"id": id, "street": street}))
        .collect();
    let mut m = Map::new();
    m.insert("id".into(), c.id.clone().into());
    m.insert("first_name".into(), c.first_name.clone().into());
    m.insert("email".into(), c.email.clone().into());
    m.insert("mobile_number".into(), c.mobile_number.clone().into());
    m.insert("addresses".into(), addresses.into());
    Value::Object(m)
}
