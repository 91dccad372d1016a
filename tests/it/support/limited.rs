//! A loopback target that enforces a real rate limit (429 past it), fails
//! each event's first attempts on request, and can be scripted with answers
//! carrying any headers. Every request is logged with the answer it got.

use std::{
    collections::{HashMap, VecDeque},
    net::TcpListener,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use actix_web::{dev::ServerHandle, web, App, HttpRequest, HttpResponse, HttpServer};

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Answer only after this long.
    pub delay: Duration,
}

impl Answer {
    pub fn new(status: u16, headers: &[(&str, &str)]) -> Self {
        Answer {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            delay: Duration::ZERO,
        }
    }

    /// The same answer, given `delay` later.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One request as answered.
#[derive(Debug, Clone)]
pub struct Hit {
    pub at: Instant,
    pub status: u16,
    /// The `webhook-id` header (the event id).
    pub event: String,
}

/// At most `requests` in any `per` (sliding window).
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub requests: usize,
    pub per: Duration,
}

#[derive(Default)]
struct State {
    limit: Option<Limit>,
    accepted: VecDeque<Instant>,
    script: VecDeque<Answer>,
    fail_first: usize,
    seen: HashMap<String, usize>,
    hits: Vec<Hit>,
}

/// The target; clones share state.
#[derive(Clone)]
pub struct LimitedTarget {
    pub url: String,
    state: Arc<Mutex<State>>,
    handle: ServerHandle,
}

impl LimitedTarget {
    /// Starts a target enforcing `limit` (if any).
    pub fn start(limit: Option<Limit>) -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap(), limit)
    }

    /// Starts on a given listener (to bring a refused port back to life).
    pub fn start_on(listener: TcpListener, limit: Option<Limit>) -> Self {
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            limit,
            ..State::default()
        }));
        let s = state.clone();
        let server = HttpServer::new(move || {
            let s = s.clone();
            App::new().default_service(web::to(move |req: HttpRequest| answer(s.clone(), req)))
        })
        .workers(2)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        LimitedTarget { url, state, handle }
    }

    /// Answers the next requests with these, in order (before the limit).
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.lock().unwrap().script.extend(answers);
    }

    /// Answers 500 to each event's first `n` requests.
    pub fn fail_first(&self, n: usize) {
        self.state.lock().unwrap().fail_first = n;
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.state.lock().unwrap().hits.clone()
    }

    pub fn count(&self) -> usize {
        self.state.lock().unwrap().hits.len()
    }

    /// Requests answered with `status`.
    pub fn answered(&self, status: u16) -> usize {
        self.hits().iter().filter(|h| h.status == status).count()
    }

    /// Requests that arrived in `[from, to)`.
    pub fn between(&self, from: Instant, to: Instant) -> usize {
        self.hits()
            .iter()
            .filter(|h| h.at >= from && h.at < to)
            .count()
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

async fn answer(state: Arc<Mutex<State>>, req: HttpRequest) -> HttpResponse {
    let now = Instant::now();
    let event = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let reply = decide(&state, now, event);
    actix_rt::time::sleep(reply.delay).await;
    let mut r = HttpResponse::build(actix_web::http::StatusCode::from_u16(reply.status).unwrap());
    for (k, v) in &reply.headers {
        r.insert_header((k.as_str(), v.as_str()));
    }
    r.body(format!("answer {}", reply.status))
}

fn decide(state: &Mutex<State>, now: Instant, event: String) -> Answer {
    let mut s = state.lock().unwrap();
    let seen = {
        let n = s.seen.entry(event.clone()).or_default();
        *n += 1;
        *n
    };
    let reply = if let Some(a) = s.script.pop_front() {
        a
    } else if seen <= s.fail_first {
        Answer::new(500, &[])
    } else if let Some(limit) = s.limit {
        while s
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.per)
        {
            s.accepted.pop_front();
        }
        if s.accepted.len() >= limit.requests {
            Answer::new(429, &[])
        } else {
            s.accepted.push_back(now);
            Answer::new(200, &[])
        }
    } else {
        Answer::new(200, &[])
    };
    s.hits.push(Hit {
        at: now,
        status: reply.status,
        event,
    });
    reply
}
