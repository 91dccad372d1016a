//! A loopback HTTP receiver whose answers can be scripted mid-test.

use std::{
    collections::VecDeque,
    net::TcpListener,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use actix_web::{dev::ServerHandle, web, App, HttpRequest, HttpResponse, HttpServer};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with this status (and optional Retry-After seconds).
    Status(u16, Option<u64>),
    /// Wait, then answer 200.
    Hang(Duration),
    /// Answer with this redirect status and `Location`.
    Redirect(u16, String),
    /// Answer 200 with this JSON body.
    Json(serde_json::Value),
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// The address the request came from.
    pub peer: Option<std::net::SocketAddr>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    /// Whether the Standard Webhooks reference crate accepts the request as
    /// signed with `secret`.
    pub fn signed_by(&self, secret: &str) -> bool {
        let mut headers = http::HeaderMap::new();
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            headers.insert(name, self.header(name).unwrap().parse().unwrap());
        }
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&self.body, &headers)
            .is_ok()
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    default: Option<Reply>,
    received: Vec<Received>,
}

/// The receiver; clones share state.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
    handle: ServerHandle,
}

impl Receiver {
    /// Starts a receiver answering 200 unless scripted otherwise.
    pub fn start() -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// Starts a receiver on a given listener (to reuse a port in recovery tests).
    pub fn start_on(listener: TcpListener) -> Self {
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        let server = HttpServer::new(move || {
            let s = s.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                handle(s.clone(), req, body)
            }))
        })
        .workers(2)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Receiver { url, state, handle }
    }

    /// Queues answers for the next requests, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    /// The answer once the script runs out.
    pub fn set_default(&self, reply: Reply) {
        self.state.lock().unwrap().default = Some(reply);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.state.lock().unwrap().received.len()
    }

    /// Stops listening.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

async fn handle(state: Arc<Mutex<State>>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let reply = {
        let mut s = state.lock().unwrap();
        s.received.push(Received {
            path: req.uri().to_string(),
            peer: req.peer_addr(),
            headers: req
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: body.to_vec(),
            at: Instant::now(),
        });
        s.script
            .pop_front()
            .or(s.default.clone())
            .unwrap_or(Reply::Status(200, None))
    };
    match reply {
        Reply::Json(body) => HttpResponse::Ok().json(body),
        Reply::Hang(d) => {
            actix_rt::time::sleep(d).await;
            HttpResponse::Ok().finish()
        }
        Reply::Redirect(code, location) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                .insert_header(("Location", location))
                .finish()
        }
        Reply::Status(code, retry_after) => {
            let mut r = HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap());
            if let Some(secs) = retry_after {
                r.insert_header(("Retry-After", secs.to_string()));
            }
            r.body(format!("answer {code}"))
        }
    }
}
