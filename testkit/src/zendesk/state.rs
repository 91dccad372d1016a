//! What the simulated Zendesk account holds (users, tickets, idempotency
//! keys) and how it answers each request.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::{json, Map, Value};
use wiremock::{Request, Respond, ResponseTemplate};

use super::{rules, IDEMPOTENCY_WINDOW};

/// A scripted answer to the next ticket create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fail {
    /// 429 with a text/plain body and `Retry-After` (seconds); nothing stored.
    RateLimit {
        /// The `Retry-After` value.
        retry_after_secs: u64,
    },
    /// This status with an empty body; nothing stored.
    Status(u16),
    /// The ticket IS stored, and the answer comes only after `delay`
    /// (longer than the hub's attempt timeout): the sender cannot know.
    TimeoutAfterStore {
        /// How long the answer is held back.
        delay: Duration,
    },
    /// 400 `IdempotentRequestError`, as when the key came earlier with
    /// another body; `stored`: that earlier request made a ticket (this one).
    IdempotentRequestError {
        /// Whether a ticket exists for this request.
        stored: bool,
    },
}

/// A Zendesk user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// User id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Email, if known.
    pub email: Option<String>,
    /// Phone (E.164), if known.
    pub phone: Option<String>,
    /// Whether this is the agent owning the API token.
    pub agent: bool,
}

/// A ticket as Zendesk stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Ticket id.
    pub id: u64,
    /// Subject.
    pub subject: String,
    /// The first comment's body.
    pub comment: String,
    /// Whether that comment is public.
    pub public: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Priority, if set.
    pub priority: Option<String>,
    /// External id, if set.
    pub external_id: Option<String>,
    /// The requester's user id (the agent's when none was given).
    pub requester_id: u64,
}

impl Ticket {
    fn json(&self) -> Value {
        json!({
            "id": self.id, "subject": self.subject, "description": self.comment,
            "tags": self.tags, "priority": self.priority, "external_id": self.external_id,
            "requester_id": self.requester_id, "status": "new",
        })
    }
}

struct Key {
    body: Value,
    ticket_id: u64,
    at: Duration,
}

/// The account.
pub(super) struct State {
    pub(super) clock: Duration,
    pub(super) users: Vec<User>,
    pub(super) tickets: Vec<Ticket>,
    pub(super) fails: VecDeque<Fail>,
    pub(super) creates: usize,
    pub(super) lookups: usize,
    keys: HashMap<String, Key>,
    next_id: u64,
}

impl State {
    pub(super) fn new(agent: &str) -> Self {
        let mut s = State {
            clock: Duration::ZERO,
            users: Vec::new(),
            tickets: Vec::new(),
            fails: VecDeque::new(),
            creates: 0,
            lookups: 0,
            keys: HashMap::new(),
            next_id: 1,
        };
        let id = s.id();
        s.users.push(User {
            id,
            name: "API agent".into(),
            email: Some(agent.into()),
            phone: None,
            agent: true,
        });
        s
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// `users/create_or_update`: the user with this email (else phone), updated, or a new one.
    fn upsert_user(&mut self, u: &Map<String, Value>) -> (u16, User) {
        let get = |k: &str| u.get(k).and_then(Value::as_str).map(str::to_owned);
        let (email, phone) = (get("email").map(|e| e.to_lowercase()), get("phone"));
        let found = self.users.iter_mut().find(|x| match &email {
            Some(e) => x.email.as_ref() == Some(e),
            None => x.phone.is_some() && x.phone == phone,
        });
        if let Some(user) = found {
            user.phone = phone.or(user.phone.take());
            return (200, user.clone());
        }
        let user = User {
            id: self.id(),
            name: get("name").unwrap_or_default(),
            email,
            phone,
            agent: false,
        };
        self.users.push(user.clone());
        (201, user)
    }

    fn requester_id(&mut self, t: &Map<String, Value>) -> Result<u64, rules::Invalid> {
        if let Some(r) = t.get("requester").and_then(Value::as_object) {
            return Ok(self.upsert_user(r).1.id);
        }
        match t.get("requester_id").and_then(Value::as_u64) {
            Some(id) if self.users.iter().any(|u| u.id == id) => Ok(id),
            Some(id) => Err(rules::Invalid {
                field: "requester",
                description: format!("Requester: user {id} does not exist"),
            }),
            None => Ok(self.users[0].id),
        }
    }

    fn store(&mut self, body: &Value) -> Result<Ticket, rules::Invalid> {
        let t = rules::ticket(body)?.clone();
        let requester_id = self.requester_id(&t)?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let ticket = Ticket {
            id: self.id(),
            subject: text(t.get("subject")).unwrap_or_default(),
            comment: text(t.get("comment").and_then(|c| c.get("body"))).unwrap_or_default(),
            public: t["comment"].get("public").and_then(Value::as_bool) != Some(false),
            tags: t
                .get("tags")
                .and_then(Value::as_array)
                .map_or(Vec::new(), |l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                }),
            priority: text(t.get("priority")),
            external_id: text(t.get("external_id")),
            requester_id,
        };
        self.tickets.push(ticket.clone());
        Ok(ticket)
    }

    fn create(&mut self, key: Option<String>, body: Value) -> ResponseTemplate {
        self.creates += 1;
        let fail = self.fails.pop_front();
        match fail {
            Some(Fail::RateLimit { retry_after_secs }) => {
                return ResponseTemplate::new(429)
                    .insert_header("retry-after", retry_after_secs.to_string().as_str())
                    .insert_header("x-rate-limit", "700")
                    .insert_header("x-rate-limit-remaining", "0")
                    .set_body_raw(
                        "Rate limit for ticket creation exceeded. Please wait and try again.",
                        "text/plain",
                    )
            }
            Some(Fail::Status(s)) => return ResponseTemplate::new(s),
            Some(Fail::IdempotentRequestError { stored }) => {
                if stored {
                    let _ = self.store(&body);
                }
                return idempotent_error();
            }
            _ => {}
        }
        if let Some(k) = key.as_ref().and_then(|k| self.keys.get(k)) {
            if self.clock.saturating_sub(k.at) < IDEMPOTENCY_WINDOW {
                if k.body != body {
                    return idempotent_error();
                }
                let t = self
                    .tickets
                    .iter()
                    .find(|t| t.id == k.ticket_id)
                    .expect("kept");
                return created(t, "hit");
            }
        }
        let ticket = match self.store(&body) {
            Ok(t) => t,
            Err(e) => return ResponseTemplate::new(422).set_body_json(e.body()),
        };
        if let Some(k) = key {
            let at = self.clock;
            self.keys.insert(
                k,
                Key {
                    body,
                    ticket_id: ticket.id,
                    at,
                },
            );
        }
        let answer = created(&ticket, "miss");
        match fail {
            Some(Fail::TimeoutAfterStore { delay }) => answer.set_delay(delay),
            _ => answer,
        }
    }

    fn list(&mut self, external_id: &str) -> ResponseTemplate {
        self.lookups += 1;
        let found: Vec<Value> = self
            .tickets
            .iter()
            .filter(|t| t.external_id.as_deref() == Some(external_id))
            .map(Ticket::json)
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "tickets": found, "count": found.len(), "next_page": null, "previous_page": null
        }))
    }
}

fn created(t: &Ticket, lookup: &str) -> ResponseTemplate {
    ResponseTemplate::new(201)
        .insert_header("x-idempotency-lookup", lookup)
        .set_body_json(json!({"ticket": t.json(), "audit": {"id": t.id * 10}}))
}

fn idempotent_error() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({
        "error": "IdempotentRequestError",
        "description": "Request parameters do not match the original request for this Idempotency-Key"
    }))
}

/// The wiremock responder: one handler for every route, over shared state.
pub(super) struct Handler {
    pub(super) state: Arc<Mutex<State>>,
    pub(super) auth: String,
}

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let sent = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if sent != Some(self.auth.as_str()) {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"error": "Couldn't authenticate you"}));
        }
        let mut state = self.state.lock().expect("simulator state");
        let body = serde_json::from_slice::<Value>(&req.body);
        match (req.method.as_str(), req.url.path(), body) {
            ("POST", "/api/v2/tickets", Ok(body)) => {
                let key = req
                    .headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                state.create(key, body)
            }
            ("GET", "/api/v2/tickets", _) => {
                let id = req.url.query_pairs().find(|(k, _)| k == "external_id");
                match id {
                    Some((_, id)) => state.list(&id),
                    None => ResponseTemplate::new(200).set_body_json(json!({"tickets": []})),
                }
            }
            ("POST", "/api/v2/users/create_or_update", Ok(body)) => match rules::user(&body) {
                Ok(u) => {
                    let (status, user) = state.upsert_user(u);
                    ResponseTemplate::new(status).set_body_json(json!({"user": {
                        "id": user.id, "name": user.name, "email": user.email, "phone": user.phone
                    }}))
                }
                Err(e) => ResponseTemplate::new(422).set_body_json(e.body()),
            },
            ("POST", _, Err(e)) => ResponseTemplate::new(400)
                .set_body_json(json!({"error": "InvalidJSON", "description": e.to_string()})),
            _ => ResponseTemplate::new(404)
                .set_body_json(json!({"error": "InvalidEndpoint", "description": "Not found"})),
        }
    }
}
