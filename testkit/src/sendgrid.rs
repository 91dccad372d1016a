//! A SendGrid v3 Mail Send simulator (`POST /v3/mail/send`) with the
//! vendor's semantics:
//!
//! - `Authorization: Bearer <key>` must be the account's key (401 otherwise);
//! - the body is checked against SendGrid's published request schema (see
//!   `testkit/specs/NOTICE.md`, formats such as `email` included) and the
//!   rules its documentation states in prose: an address at most once per
//!   mail, at most 1000 recipients, `custom_args` at most 10,000 bytes, at
//!   most 10 categories; a violation is 400 `{"errors":[{"message","field"}]}`;
//! - `from` must be a verified sender (403 otherwise);
//! - `limit` mails per `window`; every answer carries `X-RateLimit-Limit`,
//!   `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds), and
//!   beyond the limit the answer is 429 `too many requests`, no `Retry-After`;
//! - an accepted mail is 202 with an EMPTY body and an `X-Message-Id`.
//!
//! Tests read the business outcome: [`SendGridSim::mails`].

use std::{
    collections::VecDeque,
    sync::{Arc, LazyLock, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

/// The Mail Send request schema, extracted from SendGrid's OpenAPI file.
const SCHEMA: &str = include_str!("../specs/sendgrid-mail-send.json");

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the extracted schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the extracted schema compiles")
});

/// The API key the simulator's account has.
pub const API_KEY: &str = "SG.testkit.key";

/// A mail SendGrid accepted for sending.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Every `to` address, lower case.
    pub to: Vec<String>,
    /// `from.email`.
    pub from: String,
    /// `subject`.
    pub subject: String,
    /// The `text/plain` content.
    pub text: String,
    /// The whole body.
    pub body: Value,
}

#[derive(Debug, Default)]
struct State {
    mails: Vec<Mail>,
    received: usize,
    refused: Vec<String>,
    throttled: usize,
    forced: VecDeque<u16>,
    recent: VecDeque<Instant>,
}

/// The simulator: a loopback server answering like `api.sendgrid.com`.
pub struct SendGridSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl SendGridSim {
    /// Starts one with a generous limit (600 mails a minute) and
    /// `bookings@reyes.example` as the verified sender.
    pub async fn start() -> Self {
        Self::with_rate_limit(600, Duration::from_secs(60)).await
    }

    /// Starts one allowing `limit` mails per `window`.
    pub async fn with_rate_limit(limit: usize, window: Duration) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(method("POST"))
            .and(path("/v3/mail/send"))
            .respond_with(MailSend {
                state: state.clone(),
                limit,
                window,
            })
            .mount(&server)
            .await;
        SendGridSim { server, state }
    }

    /// The connector's `base_url`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The sender address SendGrid has verified.
    pub fn verified_sender(&self) -> &'static str {
        VERIFIED_SENDER
    }

    /// Every mail accepted, in order.
    pub fn mails(&self) -> Vec<Mail> {
        self.lock().mails.clone()
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

    /// SendGrid's own check of a prepared request, for the sparse matrix.
    pub fn validate(req: &OutboundRequest) -> Result<(), String> {
        if req.method != http::Method::POST || !req.url.path().ends_with("/v3/mail/send") {
            return Err(format!("not a mail send: {} {}", req.method, req.url));
        }
        check_mail(&req.body).map(drop).map_err(|e| e.join("; "))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("simulator state")
    }
}

const VERIFIED_SENDER: &str = "bookings@reyes.example";

/// The `Respond` of `POST /v3/mail/send`.
struct MailSend {
    state: Arc<Mutex<State>>,
    limit: usize,
    window: Duration,
}

fn errors(status: u16, messages: &[(String, Option<&str>)]) -> ResponseTemplate {
    let list: Vec<Value> = messages
        .iter()
        .map(|(m, f)| json!({"message": m, "field": f}))
        .collect();
    ResponseTemplate::new(status).set_body_json(json!({ "errors": list }))
}

impl Respond for MailSend {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().expect("simulator state");
        s.received += 1;
        if let Some(status) = s.forced.pop_front() {
            return ResponseTemplate::new(status);
        }
        let now = Instant::now();
        while s.recent.front().is_some_and(|t| now - *t >= self.window) {
            s.recent.pop_front();
        }
        let reset = epoch_secs() + self.window.as_secs().max(1);
        let limited = |r: ResponseTemplate, left: usize| {
            r.insert_header("X-RateLimit-Limit", self.limit.to_string())
                .insert_header("X-RateLimit-Remaining", left.to_string())
                .insert_header("X-RateLimit-Reset", reset.to_string())
        };
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {API_KEY}")) {
            let msg = "The provided authorization grant is invalid, expired, or revoked";
            s.refused.push(msg.into());
            return errors(401, &[(msg.into(), None)]);
        }
        if s.recent.len() >= self.limit {
            s.throttled += 1;
            return limited(errors(429, &[("too many requests".into(), None)]), 0);
        }
        let mail = match check_mail(&request.body) {
            Ok(mail) => mail,
            Err(list) => {
                s.refused.push(list.join("; "));
                let list: Vec<_> = list.into_iter().map(|m| (m, None)).collect();
                return errors(400, &list);
            }
        };
        if !mail.from.eq_ignore_ascii_case(VERIFIED_SENDER) {
            let msg = "The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.";
            s.refused.push(msg.into());
            return errors(403, &[(msg.into(), Some("from"))]);
        }
        s.recent.push_back(now);
        s.mails.push(mail);
        let left = self.limit - s.recent.len();
        let id = format!("sim{:016x}", s.mails.len());
        limited(ResponseTemplate::new(202), left).insert_header("X-Message-Id", id)
    }
}

fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The errors SendGrid would list for `body`, or the mail.
fn check_mail(body: &[u8]) -> Result<Mail, Vec<String>> {
    let v: Value = serde_json::from_slice(body).map_err(|e| vec![format!("Bad Request: {e}")])?;
    let mut errs: Vec<String> = VALIDATOR
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    let mut to = Vec::new();
    for p in v["personalizations"].as_array().into_iter().flatten() {
        if p["to"].as_array().is_none_or(Vec::is_empty) {
            errs.push("The to array is required for all personalization objects, and must have at least one email object with a valid email address.".into());
        }
        for list in ["to", "cc", "bcc"] {
            for a in p[list].as_array().into_iter().flatten() {
                to.push(a["email"].as_str().unwrap_or_default().to_lowercase());
            }
        }
    }
    let mut unique = to.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != to.len() {
        errs.push("Each email address in the personalization block should be unique between to, cc, and bcc.".into());
    }
    if to.len() > 1000 {
        errs.push("The total number of recipients must be at most 1000.".into());
    }
    let args: usize = v["personalizations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p.get("custom_args").map_or(0, |c| c.to_string().len()))
        .sum();
    if args > 10_000 {
        errs.push("custom_args may not exceed 10,000 bytes.".into());
    }
    if v["categories"].as_array().is_some_and(|c| c.len() > 10) {
        errs.push("Too many categories: at most 10.".into());
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let text = v["content"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "text/plain")
        .and_then(|c| c["value"].as_str())
        .unwrap_or_default()
        .to_owned();
    Ok(Mail {
        to,
        from: v["from"]["email"].as_str().unwrap_or_default().to_owned(),
        subject: v["subject"].as_str().unwrap_or_default().to_owned(),
        text,
        body: v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(to: &[&str]) -> Value {
        let to: Vec<Value> = to.iter().map(|e| json!({ "email": e })).collect();
        json!({"personalizations": [{"to": to}], "from": {"email": VERIFIED_SENDER},
            "subject": "Hi", "content": [{"type": "text/plain", "value": "Hello"}]})
    }

    async fn send(sim: &SendGridSim, key: &str, body: &Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/v3/mail/send", sim.base_url()))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_accepted_mail_is_202_with_an_empty_body_and_rate_headers() {
        let sim = SendGridSim::with_rate_limit(1, Duration::from_secs(60)).await;
        let r = send(&sim, API_KEY, &mail(&["a@x.example"])).await;
        assert_eq!(r.status(), 202);
        assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
        assert!(r.headers().contains_key("x-message-id"));
        assert!(r.bytes().await.unwrap().is_empty());
        let r = send(&sim, API_KEY, &mail(&["b@x.example"])).await;
        assert_eq!(r.status(), 429);
        assert!(r.headers().get("retry-after").is_none());
        assert_eq!((sim.mails().len(), sim.throttled()), (1, 1));
    }

    #[tokio::test]
    async fn bad_keys_bad_mails_and_unverified_senders_are_refused() {
        let sim = SendGridSim::start().await;
        assert_eq!(
            send(&sim, "SG.other", &mail(&["a@x.example"]))
                .await
                .status(),
            401
        );
        let twice = mail(&["a@x.example", "A@x.example"]);
        assert_eq!(send(&sim, API_KEY, &twice).await.status(), 400);
        assert_eq!(
            send(&sim, API_KEY, &mail(&["not-an-email"])).await.status(),
            400
        );
        let mut no_subject = mail(&["a@x.example"]);
        no_subject.as_object_mut().unwrap().remove("subject");
        assert_eq!(send(&sim, API_KEY, &no_subject).await.status(), 400);
        let mut stranger = mail(&["a@x.example"]);
        stranger["from"]["email"] = "me@elsewhere.example".into();
        assert_eq!(send(&sim, API_KEY, &stranger).await.status(), 403);
        assert!(sim.mails().is_empty());
        assert_eq!(sim.refused().len(), 5, "{:?}", sim.refused());
    }
}
