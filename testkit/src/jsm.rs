//! A Jira Service Management Operations simulator (the integration API,
//! `POST /jsm/ops/integration/v2/alerts`, and its undocumented close by
//! alias) with the vendor's semantics:
//!
//! - `Authorization: GenieKey <key>` must be the integration's key (401);
//! - the body is checked against the alert schema Opsgenie published (the
//!   same body; see `testkit/specs/NOTICE.md`) and the limits the vendor
//!   documents but the schema does not carry (`message` 130 characters,
//!   `alias` 512, `description` 15,000, 20 tags): 422 with a `message`;
//! - an alert whose `alias` matches an OPEN alert is de-duplicated (its
//!   `count` goes up, nobody is paged again); once closed, the same alias
//!   opens a new alert;
//! - `limit` requests per `window`; beyond that 429 with
//!   `X-RateLimit-State: THROTTLED` and `X-RateLimit-Period-In-Sec`;
//! - an accepted request is 202 `{"result": "Request will be processed",
//!   "took", "requestId"}`: processing is asynchronous.
//!
//! Tests read the business outcome: [`JsmSim::alerts`].

use std::{
    collections::VecDeque,
    sync::{Arc, LazyLock, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{
    matchers::{method, path, path_regex},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

/// Opsgenie's `CreateAlertPayload`, extracted from its Swagger file.
const SCHEMA: &str = include_str!("../specs/opsgenie-create-alert.json");

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the extracted schema is JSON");
    jsonschema::validator_for(&schema).expect("the extracted schema compiles")
});

/// The integration key the simulator accepts.
pub const API_KEY: &str = "b6c0a7e4-9d1f-4c1e-8a55-0c7f5d0e2a11";

const ALERTS: &str = "/jsm/ops/integration/v2/alerts";

/// An alert as JSM Operations keeps it.
#[derive(Debug, Clone)]
pub struct Alert {
    /// The de-duplication key.
    pub alias: String,
    /// `message` of the request that opened it.
    pub message: String,
    /// `priority` (`P3` when none was given, as the vendor defaults).
    pub priority: String,
    /// Requests folded into it, the first included.
    pub count: usize,
    /// Still open.
    pub open: bool,
    /// The body that opened it.
    pub body: Value,
}

#[derive(Debug, Default)]
struct State {
    alerts: Vec<Alert>,
    received: usize,
    refused: Vec<String>,
    throttled: usize,
    forced: VecDeque<u16>,
    recent: VecDeque<Instant>,
    next_id: u64,
}

/// The simulator: a loopback server answering like `api.atlassian.com`.
pub struct JsmSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl JsmSim {
    /// Starts one allowing 600 requests a minute.
    pub async fn start() -> Self {
        Self::with_rate_limit(600, Duration::from_secs(60)).await
    }

    /// Starts one allowing `limit` requests per `window`.
    pub async fn with_rate_limit(limit: usize, window: Duration) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(method("POST"))
            .and(path(ALERTS))
            .respond_with(Create {
                state: state.clone(),
                limit,
                window,
            })
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path_regex(r"^/jsm/ops/integration/v2/alerts/[^/]+/close$"))
            .respond_with(Close(state.clone()))
            .mount(&server)
            .await;
        JsmSim { server, state }
    }

    /// The connector's `base_url`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// Every alert, open or closed, in order.
    pub fn alerts(&self) -> Vec<Alert> {
        self.lock().alerts.clone()
    }

    /// Requests received, accepted or not.
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

    /// Closes the open alert with `alias`, as a responder would. Returns
    /// whether one was open.
    pub fn close(&self, alias: &str) -> bool {
        close_alias(&mut self.lock(), alias)
    }

    /// The vendor's own check of a prepared request, for the sparse matrix.
    pub fn validate(req: &OutboundRequest) -> Result<(), String> {
        if req.method != http::Method::POST || !req.url.path().ends_with(ALERTS) {
            return Err(format!("not an alert: {} {}", req.method, req.url));
        }
        check_alert(&req.body).map(drop)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("simulator state")
    }
}

fn close_alias(s: &mut State, alias: &str) -> bool {
    match s.alerts.iter_mut().find(|a| a.open && a.alias == alias) {
        Some(a) => {
            a.open = false;
            true
        }
        None => false,
    }
}

fn answer(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

struct Create {
    state: Arc<Mutex<State>>,
    limit: usize,
    window: Duration,
}

impl Respond for Create {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().expect("simulator state");
        s.received += 1;
        if let Some(status) = s.forced.pop_front() {
            return ResponseTemplate::new(status);
        }
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("GenieKey {API_KEY}")) {
            s.refused.push("bad key".into());
            return answer(
                401,
                json!({"message": "Could not authenticate", "took": 0.001}),
            );
        }
        let now = Instant::now();
        while s.recent.front().is_some_and(|t| now - *t >= self.window) {
            s.recent.pop_front();
        }
        if s.recent.len() >= self.limit {
            s.throttled += 1;
            return answer(429, json!({"message": "Too many requests", "took": 0.0}))
                .insert_header("X-RateLimit-State", "THROTTLED")
                .insert_header("X-RateLimit-Reason", "INTEGRATION")
                .insert_header(
                    "X-RateLimit-Period-In-Sec",
                    self.window.as_secs().max(1).to_string(),
                );
        }
        s.recent.push_back(now);
        let body = match check_alert(&request.body) {
            Ok(body) => body,
            Err(message) => {
                s.refused.push(message.clone());
                return answer(422, json!({"message": message, "took": 0.001}));
            }
        };
        s.apply(body);
        s.next_id += 1;
        answer(
            202,
            json!({"result": "Request will be processed", "took": 0.1,
            "requestId": format!("req-{:08}", s.next_id)}),
        )
    }
}

impl State {
    fn apply(&mut self, body: Value) {
        let alias = body["alias"].as_str().unwrap_or_default().to_owned();
        if let Some(open) = self
            .alerts
            .iter_mut()
            .find(|a| a.open && !alias.is_empty() && a.alias == alias)
        {
            open.count += 1;
            return;
        }
        self.alerts.push(Alert {
            alias,
            message: body["message"].as_str().unwrap_or_default().to_owned(),
            priority: body["priority"].as_str().unwrap_or("P3").to_owned(),
            count: 1,
            open: true,
            body,
        });
    }
}

struct Close(Arc<Mutex<State>>);

impl Respond for Close {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let alias = request
            .url
            .path()
            .split('/')
            .rev()
            .nth(1)
            .unwrap_or_default();
        let mut s = self.0.lock().expect("simulator state");
        close_alias(&mut s, alias);
        answer(
            202,
            json!({"result": "Request will be processed", "took": 0.1}),
        )
    }
}

/// The vendor's checks of an alert body: the message it would answer, or the body.
fn check_alert(body: &[u8]) -> Result<Value, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("Could not parse body: {e}"))?;
    let mut errs: Vec<String> = VALIDATOR
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    let chars = |k: &str| v[k].as_str().map_or(0, |s| s.chars().count());
    if v["message"].as_str().is_some_and(|m| m.trim().is_empty()) {
        errs.push("Message can not be empty.".into());
    }
    for (key, max) in [("message", 130), ("alias", 512), ("description", 15_000)] {
        if chars(key) > max {
            errs.push(format!("{key} can not be longer than {max} characters."));
        }
    }
    if v["tags"].as_array().is_some_and(|t| t.len() > 20) {
        errs.push("An alert can have at most 20 tags.".into());
    }
    if errs.is_empty() {
        Ok(v)
    } else {
        Err(errs.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn create(sim: &JsmSim, key: &str, body: &Value) -> u16 {
        reqwest::Client::new()
            .post(format!("{}{ALERTS}", sim.base_url()))
            .header("Authorization", format!("GenieKey {key}"))
            .json(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    #[tokio::test]
    async fn an_open_alias_folds_and_a_closed_one_opens_a_new_alert() {
        let sim = JsmSim::start().await;
        let alert = json!({"message": "Transfer", "alias": "call:1", "priority": "P1"});
        assert_eq!(create(&sim, API_KEY, &alert).await, 202);
        assert_eq!(create(&sim, API_KEY, &alert).await, 202);
        assert_eq!((sim.alerts().len(), sim.alerts()[0].count), (1, 2));
        assert!(sim.close("call:1"));
        assert_eq!(create(&sim, API_KEY, &alert).await, 202);
        assert_eq!(sim.alerts().len(), 2);
    }

    #[tokio::test]
    async fn bad_keys_bad_alerts_and_bursts_are_refused() {
        let sim = JsmSim::with_rate_limit(3, Duration::from_secs(60)).await;
        let ok = json!({"message": "m", "alias": "a"});
        assert_eq!(create(&sim, "other", &ok).await, 401);
        assert_eq!(create(&sim, API_KEY, &json!({"alias": "a"})).await, 422);
        assert_eq!(
            create(&sim, API_KEY, &json!({"message": "m".repeat(131)})).await,
            422
        );
        assert_eq!(
            create(&sim, API_KEY, &json!({"message": "m", "priority": "P9"})).await,
            422
        );
        assert_eq!(create(&sim, API_KEY, &ok).await, 429);
        assert_eq!((sim.alerts().len(), sim.throttled()), (0, 1));
    }
}
