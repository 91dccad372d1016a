//! A loopback HTTP forward proxy stand-in: it takes absolute-form requests
//! (`POST http://host:port/path HTTP/1.1`), records the target, forwards the
//! request there and relays the answer.

use std::{
    net::TcpListener,
    sync::{Arc, Mutex},
};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// The proxy; clones share what it saw.
#[derive(Clone)]
pub struct Proxy {
    /// `http://127.0.0.1:PORT`, for `[delivery] proxy`.
    pub url: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// Starts the proxy. Needs an actix runtime.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let targets: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = targets.clone();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let server = HttpServer::new(move || {
            let (seen, client) = (seen.clone(), client.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                forward(seen.clone(), client.clone(), req, body)
            }))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        actix_rt::spawn(server);
        Proxy { url, targets }
    }

    /// The absolute request targets received, in order.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

async fn forward(
    seen: Arc<Mutex<Vec<String>>>,
    client: reqwest::Client,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let target = req.uri().to_string();
    seen.lock().unwrap().push(target.clone());
    if req.uri().scheme().is_none() {
        return HttpResponse::BadRequest().body("not a proxy request (origin-form)");
    }
    let mut out = client
        .request(
            reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap(),
            &target,
        )
        .body(body.to_vec());
    for (k, v) in req.headers() {
        if !matches!(
            k.as_str(),
            "host" | "connection" | "proxy-connection" | "content-length"
        ) {
            out = out.header(k.as_str(), v.as_bytes());
        }
    }
    match out.send().await {
        Ok(resp) => {
            let status = actix_web::http::StatusCode::from_u16(resp.status().as_u16()).unwrap();
            HttpResponse::build(status).body(resp.bytes().await.unwrap_or_default())
        }
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}
