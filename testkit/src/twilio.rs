//! A Twilio Messages API simulator: a loopback server that refuses what
//! Twilio refuses (path, Basic auth, the published `CreateMessage` schema,
//! a non-E.164 `To`, opted-out recipients) and keeps every SMS it queued with
//! its encoding and segment count, so a test asserts what the recipient got.
//!
//! ```text
//! let sim = TwilioSim::start().await;
//! let hub = VendorHub::start(PLUGIN, &sim.connector_toml("")).await;
//! let id = hub.post(&event).await;
//! assert_eq!(hub.settled(&id, secs(5)).await.status, "succeeded");
//! assert_eq!(sim.messages().len(), 1);
//! ```

mod check;
pub mod segments;

use std::{
    collections::{HashSet, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{matchers::method, Mock, MockServer, Request, Respond, ResponseTemplate};

pub use check::{is_e164, Refusal};
pub use segments::Encoding;

/// The simulated account.
pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
/// Its auth token.
pub const AUTH_TOKEN: &str = "tw-token";
/// The sender number the simulator's connector settings use.
pub const FROM: &str = "+15557654321";
// base64("AC0123456789abcdef0123456789abcdef:tw-token")
const AUTH: &str = "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0dy10b2tlbg==";

/// One SMS Twilio queued.
#[derive(Debug, Clone)]
pub struct Sms {
    /// `SM...` id.
    pub sid: String,
    /// Recipient (E.164).
    pub to: String,
    /// `From` or `MessagingServiceSid`, as sent.
    pub sender: String,
    /// The text.
    pub body: String,
    /// How Twilio encodes it.
    pub encoding: Encoding,
    /// How many segments it is billed as.
    pub segments: usize,
}

/// An answer [`TwilioSim::fail_next`] gives instead of queueing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 400 21611: this sender's queue is full (transient).
    QueueFull,
    /// 429 20429 with `Retry-After: 1`: too many concurrent requests.
    TooManyRequests,
    /// 500 20500: an internal error before the message was queued.
    Internal,
}

impl Failure {
    fn answer(self) -> ResponseTemplate {
        match self {
            Failure::QueueFull => error(&Refusal {
                status: 400,
                code: 21611,
                message: "This 'From' number has exceeded the maximum number of queued messages"
                    .into(),
            }),
            Failure::TooManyRequests => error(&Refusal {
                status: 429,
                code: 20429,
                message: "Too Many Requests".into(),
            })
            .insert_header("retry-after", "1"),
            Failure::Internal => error(&Refusal {
                status: 500,
                code: 20500,
                message: "Internal Server Error".into(),
            }),
        }
    }
}

#[derive(Default)]
struct State {
    messages: Vec<Sms>,
    refusals: Vec<Refusal>,
    opted_out: HashSet<String>,
    failures: VecDeque<Failure>,
    attempts: usize,
}

/// A running simulator.
pub struct TwilioSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl TwilioSim {
    /// Starts a simulator for [`ACCOUNT_SID`] / [`AUTH_TOKEN`].
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(method("POST"))
            .respond_with(Responder(state.clone()))
            .mount(&server)
            .await;
        TwilioSim { server, state }
    }

    /// The URL to use as the connector's `base_url`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// Connector settings (JSON) pointing at this simulator, with `extra`
    /// keys merged in (`null` removes one).
    pub fn settings(&self, extra: Value) -> Value {
        let mut s = json!({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
            "from": FROM, "base_url": self.base_url()});
        let map = s.as_object_mut().expect("an object");
        for (k, v) in extra.as_object().into_iter().flatten() {
            if v.is_null() {
                map.remove(k);
            } else {
                map.insert(k.clone(), v.clone());
            }
        }
        s
    }

    /// A `[[connectors]]` TOML entry named `sms` for this simulator, with
    /// `extra` TOML lines appended (e.g. `default_country = "GB"`).
    pub fn connector_toml(&self, extra: &str) -> String {
        format!(
            "[[connectors]]\nname = \"sms\"\nkind = \"twilio\"\naccount_sid = \"{ACCOUNT_SID}\"\n\
             auth_token = \"{AUTH_TOKEN}\"\nfrom = \"{FROM}\"\nbase_url = \"{}\"\n{extra}\n",
            self.base_url()
        )
    }

    /// Every SMS queued, in order.
    pub fn messages(&self) -> Vec<Sms> {
        self.lock().messages.clone()
    }

    /// Segments billed for every SMS queued (what the account pays for).
    pub fn segments(&self) -> usize {
        self.lock().messages.iter().map(|m| m.segments).sum()
    }

    /// Every request refused (bad auth, schema, number, opt-out), in order.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.lock().refusals.clone()
    }

    /// Requests received, whatever the answer.
    pub fn attempts(&self) -> usize {
        self.lock().attempts
    }

    /// `number` replied STOP: messages to it are refused with 21610.
    pub fn opt_out(&self, number: &str) {
        self.lock().opted_out.insert(number.to_owned());
    }

    /// The next valid request gets `failure` instead of being queued (queued
    /// failures are answered in order).
    pub fn fail_next(&self, failure: Failure) {
        self.lock().failures.push_back(failure);
    }

    /// Checks a prepared request the way Twilio would (for
    /// [`crate::sparse::check_connector`]); the refusal as text if refused.
    pub fn validate(req: &OutboundRequest) -> Result<(), String> {
        let header = |n: http::HeaderName| req.headers.get(n).and_then(|v| v.to_str().ok());
        if req.method != http::Method::POST {
            return Err(format!("Twilio wants POST, not {}", req.method));
        }
        let incoming = check::Incoming {
            path: req.url.path(),
            authorization: header(http::header::AUTHORIZATION),
            content_type: header(http::header::CONTENT_TYPE),
            body: &req.body,
        };
        check::check(&incoming, ACCOUNT_SID, AUTH)
            .map(drop)
            .map_err(|r| r.to_string())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("simulator state")
    }
}

/// Answers each request from the shared state.
struct Responder(Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let header = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok());
        let incoming = check::Incoming {
            path: req.url.path(),
            authorization: header("authorization"),
            content_type: header("content-type"),
            body: &req.body,
        };
        let mut state = self.0.lock().expect("simulator state");
        state.attempts += 1;
        let form = match check::check(&incoming, ACCOUNT_SID, AUTH) {
            Ok(form) => form,
            Err(refusal) => return refuse(&mut state, refusal),
        };
        let to = form["To"].as_str().unwrap_or_default().to_owned();
        if state.opted_out.contains(&to) {
            let msg = "Attempt to send to unsubscribed recipient";
            return refuse(
                &mut state,
                Refusal {
                    status: 400,
                    code: 21610,
                    message: msg.into(),
                },
            );
        }
        if let Some(failure) = state.failures.pop_front() {
            return failure.answer();
        }
        let text = |k: &str| form.get(k).and_then(Value::as_str).unwrap_or_default();
        let body = text("Body").to_owned();
        let (encoding, segments) = segments::count(&body);
        let sid = format!("SM{:032x}", state.messages.len() + 1);
        let sender = if form.contains_key("From") {
            text("From")
        } else {
            text("MessagingServiceSid")
        };
        let sms = Sms {
            sid: sid.clone(),
            to: to.clone(),
            sender: sender.to_owned(),
            body: body.clone(),
            encoding,
            segments,
        };
        state.messages.push(sms);
        ResponseTemplate::new(201).set_body_json(json!({
            "sid": sid, "account_sid": ACCOUNT_SID, "to": to, "body": body,
            "status": "queued", "num_segments": segments.to_string(),
            "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"),
        }))
    }
}

fn refuse(state: &mut State, refusal: Refusal) -> ResponseTemplate {
    let answer = error(&refusal);
    state.refusals.push(refusal);
    answer
}

fn error(r: &Refusal) -> ResponseTemplate {
    ResponseTemplate::new(r.status).set_body_json(json!({
        "code": r.code, "message": r.message,
        "more_info": format!("https://www.twilio.com/docs/errors/{}", r.code),
        "status": r.status,
    }))
}
