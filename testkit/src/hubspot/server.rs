//! The simulator's HTTP side: routing, auth, budgets and failures, then
//! the store's answer in HubSpot's shapes.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

use super::{
    rules::{self, Refusal},
    store::{Contact, Store},
    Failure, Policy, Received, TOKEN,
};

#[derive(Default)]
pub(super) struct State {
    pub(super) store: Store,
    pub(super) failures: VecDeque<Failure>,
    pub(super) daily_left: Option<u64>,
    pub(super) ten_secondly: Option<Window>,
    pub(super) log: Vec<Received>,
}

/// A per-10-seconds request budget.
pub(super) struct Window {
    pub(super) limit: u64,
    pub(super) started: Instant,
    pub(super) used: u64,
}

/// The endpoints the simulator serves.
pub(super) enum Route {
    Contacts,
    Contact(String),
    SearchContacts,
    Upsert,
    Notes,
    SearchNotes,
    Unknown,
}

pub(super) fn route(path: &str) -> Route {
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

pub(super) fn create_body(
    body: &Value,
    custom: &[String],
) -> Result<Vec<(String, String)>, Refusal> {
    if !body.get("associations").is_some_and(Value::is_array) {
        return Err(Refusal::new(
            400,
            "VALIDATION_ERROR",
            "associations is required (send [])",
        ));
    }
    rules::contact_properties(body, custom)
}

pub(super) struct Handler(pub(super) Arc<Mutex<State>>);

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

/// The key of a batch upsert's input (idProperty, id): HubSpot upserts by
/// a unique property only (`email` or a unique custom one).
pub(super) fn upsert_key(input: &Value, unique: &[String]) -> Result<(String, String), Refusal> {
    let id_property = input["idProperty"].as_str().unwrap_or("").to_owned();
    if id_property != "email" && !unique.contains(&id_property) {
        return Err(Refusal::new(400, "VALIDATION_ERROR", format!(
            "{id_property} is not a unique identifier property: idProperty must be email, hs_object_id or a unique-value property"
        )));
    }
    Ok((id_property, input["id"].as_str().unwrap_or("").to_owned()))
}

fn upsert(s: &mut Store, body: &Value, custom: &[String]) -> Result<(u16, Value), Refusal> {
    let input = body.pointer("/inputs/0").cloned().unwrap_or(Value::Null);
    let (id_property, id) = upsert_key(&input, &s.unique)?;
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
