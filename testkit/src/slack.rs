//! A Slack simulator: the Web API's `chat.postMessage` and an incoming
//! webhook, with the vendor's semantics:
//!
//! - the Web API answers HTTP 200 even when it refuses: `{"ok": false,
//!   "error"}`; `invalid_auth` for a wrong bot token (`not_authed` without
//!   one), `channel_not_found` for an unknown channel, `not_in_channel` for
//!   a channel the bot is not in, `is_archived` for an archived one,
//!   `no_text` without `text` or `blocks`, `invalid_blocks` for blocks that
//!   break Block Kit's limits (50 blocks, header 150 characters, section
//!   text 3,000, 10 fields of 2,000), `thread_not_found` when `thread_ts`
//!   names no top-level message of the channel;
//! - `limit` messages per `window` per channel; beyond that HTTP 429 with
//!   `Retry-After` (seconds) and `{"ok": false, "error": "ratelimited"}`;
//! - a posted message is `{"ok": true, "channel", "ts", "message"}`, `ts`
//!   unique in its channel;
//! - the incoming webhook answers `200 ok`, or a status with a plain-text
//!   reason (`400 invalid_payload`, `410 channel_is_archived`).
//!
//! Tests read the business outcome: [`SlackSim::messages`], and threads
//! through [`Message::thread_ts`].

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use switchboard_core::outbound::OutboundRequest;
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, Request, Respond, ResponseTemplate,
};

/// The bot token the simulator's workspace issued.
pub const TOKEN: &str = "xoxb-testkit-0000-token";
/// The channel the bot is in.
pub const CHANNEL: &str = "C0SIMCALLS";
/// A channel the bot was never invited to.
pub const OTHER_CHANNEL: &str = "C0SIMOTHER";
/// An archived channel.
pub const ARCHIVED_CHANNEL: &str = "C0SIMOLD";
/// The incoming webhook's path (its URL is the secret).
pub const WEBHOOK_PATH: &str = "/services/TSIM/BSIM/s3cr3tW3bh00k";

/// A message Slack posted.
#[derive(Debug, Clone)]
pub struct Message {
    /// The channel (`webhook` for the incoming webhook's).
    pub channel: String,
    /// Its `ts`.
    pub ts: String,
    /// The parent it replies to, if it is a reply.
    pub thread_ts: Option<String>,
    /// The `text`.
    pub text: String,
    /// The whole body.
    pub body: Value,
}

#[derive(Debug, Default)]
struct State {
    messages: Vec<Message>,
    received: usize,
    refused: Vec<String>,
    throttled: usize,
    forced: VecDeque<Value>,
    recent: HashMap<String, VecDeque<Instant>>,
    clock: u64,
}

/// The simulator: a loopback server answering like `slack.com` and
/// `hooks.slack.com`.
pub struct SlackSim {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl SlackSim {
    /// Starts one with a generous limit (100 messages a second per channel).
    pub async fn start() -> Self {
        Self::with_rate_limit(100, Duration::from_secs(1)).await
    }

    /// Starts one allowing `limit` messages per `window` per channel.
    pub async fn with_rate_limit(limit: usize, window: Duration) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let api = PostMessage {
            state: state.clone(),
            limit,
            window,
        };
        Mock::given(method("POST"))
            .and(path("/api/chat.postMessage"))
            .respond_with(api)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(WEBHOOK_PATH))
            .respond_with(Webhook(state.clone()))
            .mount(&server)
            .await;
        SlackSim { server, state }
    }

    /// The connector's `base_url` (bot token).
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The connector's `webhook_url`.
    pub fn webhook_url(&self) -> String {
        format!("{}{WEBHOOK_PATH}", self.server.uri())
    }

    /// Every message posted, in order.
    pub fn messages(&self) -> Vec<Message> {
        self.lock().messages.clone()
    }

    /// Top-level messages of `channel`.
    pub fn parents(&self, channel: &str) -> Vec<Message> {
        let s = self.lock();
        s.messages
            .iter()
            .filter(|m| m.channel == channel && m.thread_ts.is_none())
            .cloned()
            .collect()
    }

    /// Replies to the message `ts`.
    pub fn replies(&self, ts: &str) -> Vec<Message> {
        let s = self.lock();
        s.messages
            .iter()
            .filter(|m| m.thread_ts.as_deref() == Some(ts))
            .cloned()
            .collect()
    }

    /// Deletes a message (as a person in the channel could).
    pub fn delete(&self, ts: &str) {
        self.lock().messages.retain(|m| m.ts != ts);
    }

    /// Requests received, answered ok or not.
    pub fn received(&self) -> usize {
        self.lock().received
    }

    /// The `error` of each refused request.
    pub fn refused(&self) -> Vec<String> {
        self.lock().refused.clone()
    }

    /// Requests answered 429.
    pub fn throttled(&self) -> usize {
        self.lock().throttled
    }

    /// Answers the next Web API request with `{"ok": false, "error"}`
    /// (HTTP 200) without posting.
    pub fn fail_next(&self, error: &str) {
        self.lock()
            .forced
            .push_back(json!({"ok": false, "error": error}));
    }

    /// Slack's own check of a prepared request, for the sparse matrix.
    pub fn validate(req: &OutboundRequest) -> Result<(), String> {
        let body: Value =
            serde_json::from_slice(&req.body).map_err(|e| format!("not JSON: {e}"))?;
        check_content(&body)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("simulator state")
    }
}

fn api(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// What Slack checks of a message's content: `no_text` or `invalid_blocks`.
fn check_content(body: &Value) -> Result<(), String> {
    let text = body["text"].as_str().unwrap_or("");
    let blocks = body.get("blocks");
    if text.trim().is_empty() && blocks.is_none() {
        return Err("no_text".into());
    }
    let Some(blocks) = blocks else { return Ok(()) };
    let blocks = blocks.as_array().ok_or("invalid_blocks: not a list")?;
    if blocks.len() > 50 {
        return Err("invalid_blocks: more than 50 blocks".into());
    }
    for (i, b) in blocks.iter().enumerate() {
        check_block(b).map_err(|e| format!("invalid_blocks: /blocks/{i}: {e}"))?;
    }
    Ok(())
}

fn check_block(b: &Value) -> Result<(), String> {
    let text_of = |t: &Value, max: usize| -> Result<(), String> {
        let kind = t["type"].as_str().unwrap_or("");
        let s = t["text"].as_str().ok_or("text object without text")?;
        if !matches!(kind, "plain_text" | "mrkdwn") {
            return Err(format!("text type '{kind}'"));
        }
        match s.chars().count() {
            0 => Err("empty text".into()),
            n if n > max => Err(format!("text of {n} characters, at most {max}")),
            _ => Ok(()),
        }
    };
    match b["type"].as_str() {
        Some("header") if b["text"]["type"] == "plain_text" => text_of(&b["text"], 150),
        Some("section") => {
            if let Some(t) = b.get("text") {
                text_of(t, 3000)?;
            }
            let fields = b.get("fields").and_then(Value::as_array);
            if fields.is_some_and(|f| f.len() > 10) {
                return Err("more than 10 fields".into());
            }
            for f in fields.into_iter().flatten() {
                text_of(f, 2000)?;
            }
            if b.get("text").is_none() && fields.is_none() {
                return Err("a section needs text or fields".into());
            }
            Ok(())
        }
        Some("actions") => {
            let elements = b["elements"].as_array().ok_or("actions without elements")?;
            for e in elements {
                text_of(&e["text"], 75)?;
                if e["url"]
                    .as_str()
                    .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
                {
                    return Err("button url is not a URL".into());
                }
            }
            Ok(())
        }
        Some("divider" | "context") => Ok(()),
        other => Err(format!("unsupported block {other:?}")),
    }
}

/// The `Respond` of `POST /api/chat.postMessage`.
struct PostMessage {
    state: Arc<Mutex<State>>,
    limit: usize,
    window: Duration,
}

impl Respond for PostMessage {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().expect("simulator state");
        s.received += 1;
        if let Some(forced) = s.forced.pop_front() {
            s.refused
                .push(forced["error"].as_str().unwrap_or("").to_owned());
            return api(forced);
        }
        match post(&mut s, request, self.limit, self.window) {
            Ok(answer) => answer,
            Err(error) => {
                s.refused.push(error.clone());
                let code = error.split(':').next().unwrap_or("").to_owned();
                api(json!({"ok": false, "error": code, "detail": error}))
            }
        }
    }
}

fn post(
    s: &mut State,
    request: &Request,
    limit: usize,
    window: Duration,
) -> Result<ResponseTemplate, String> {
    let auth = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    match auth {
        None => return Err("not_authed".into()),
        Some(a) if a != format!("Bearer {TOKEN}") => return Err("invalid_auth".into()),
        _ => {}
    }
    let json_body = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if !json_body {
        return Err("invalid_post_type".into());
    }
    let body: Value =
        serde_json::from_slice(&request.body).map_err(|_| "invalid_json".to_owned())?;
    let channel = body["channel"].as_str().unwrap_or("").to_owned();
    match channel.as_str() {
        CHANNEL => {}
        OTHER_CHANNEL => return Err("not_in_channel".into()),
        ARCHIVED_CHANNEL => return Err("is_archived".into()),
        _ => return Err("channel_not_found".into()),
    }
    check_content(&body)?;
    let thread_ts = body["thread_ts"].as_str().map(str::to_owned);
    if let Some(ts) = &thread_ts {
        let exists = s
            .messages
            .iter()
            .any(|m| m.channel == channel && &m.ts == ts && m.thread_ts.is_none());
        if !exists {
            return Err("thread_not_found".into());
        }
    }
    let now = Instant::now();
    let recent = s.recent.entry(channel.clone()).or_default();
    while recent.front().is_some_and(|t| now - *t >= window) {
        recent.pop_front();
    }
    if recent.len() >= limit {
        s.throttled += 1;
        let wait = window.as_secs().max(1);
        return Ok(ResponseTemplate::new(429)
            .insert_header("Retry-After", wait.to_string())
            .set_body_json(json!({"ok": false, "error": "ratelimited"})));
    }
    recent.push_back(now);
    s.clock += 1;
    let ts = format!("1715200000.{:06}", s.clock);
    let text = body["text"].as_str().unwrap_or("").to_owned();
    s.messages.push(Message {
        channel: channel.clone(),
        ts: ts.clone(),
        thread_ts: thread_ts.clone(),
        text: text.clone(),
        body,
    });
    let mut message = json!({"type": "message", "text": text, "ts": ts, "bot_id": "BSIM"});
    if let Some(t) = thread_ts {
        message["thread_ts"] = t.into();
    }
    Ok(api(
        json!({"ok": true, "channel": channel, "ts": ts, "message": message}),
    ))
}

/// The `Respond` of the incoming webhook.
struct Webhook(Arc<Mutex<State>>);

impl Respond for Webhook {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().expect("simulator state");
        s.received += 1;
        let refuse = |s: &mut State, status: u16, reason: &str| {
            s.refused.push(reason.to_owned());
            ResponseTemplate::new(status).set_body_string(reason)
        };
        if let Some(forced) = s.forced.pop_front() {
            let reason = forced["error"].as_str().unwrap_or("").to_owned();
            let status = if reason == "channel_is_archived" {
                410
            } else {
                400
            };
            return refuse(&mut s, status, &reason);
        }
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return refuse(&mut s, 400, "invalid_payload");
        };
        if let Err(e) = check_content(&body) {
            let reason = if e == "no_text" { "no_text".into() } else { e };
            return refuse(&mut s, 400, &reason);
        }
        s.clock += 1;
        let ts = format!("1715200000.{:06}", s.clock);
        s.messages.push(Message {
            channel: "webhook".into(),
            ts,
            thread_ts: None,
            text: body["text"].as_str().unwrap_or("").to_owned(),
            body,
        });
        ResponseTemplate::new(200).set_body_string("ok")
    }
}
