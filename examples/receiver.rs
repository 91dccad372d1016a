//! A webhook receiver that verifies Switchboard's signatures, in Rust.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_... cargo run --example receiver -- 127.0.0.1:9000
//! ```
//!
//! It checks the Standard Webhooks signature with the reference
//! `standardwebhooks` crate (which also rejects timestamps more than five
//! minutes old, so a captured request cannot be replayed later), and the plain
//! `X-OnCallClerk-Signature` HMAC for receivers that only have that.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use standardwebhooks::Webhook;

struct Secret(String);

/// Standard Webhooks: HMAC over `{id}.{timestamp}.{body}`, with a 5-minute tolerance.
fn standard_ok(secret: &str, req: &HttpRequest, body: &[u8]) -> bool {
    let Ok(wh) = Webhook::new(secret) else {
        return false;
    };
    // actix-web re-exports an older `http`; copy the three headers across.
    let mut headers = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        if let Some(v) = req
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
        {
            headers.insert(name, v);
        }
    }
    wh.verify(body, &headers).is_ok()
}

/// Plain HMAC-SHA256 of the body, keyed with the secret string; one digest per
/// active secret during a rotation.
fn plain_ok(secret: &str, req: &HttpRequest, body: &[u8]) -> bool {
    let Some(header) = req
        .headers()
        .get("x-oncallclerk-signature")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    let want = hex::encode(mac.finalize().into_bytes());
    header
        .split(',')
        .any(|given| constant_time_eq(given.trim().as_bytes(), want.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn hook(req: HttpRequest, body: web::Bytes, secret: web::Data<Secret>) -> HttpResponse {
    if !standard_ok(&secret.0, &req, &body) || !plain_ok(&secret.0, &req, &body) {
        eprintln!("rejected: bad signature");
        return HttpResponse::Unauthorized().finish();
    }
    let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    println!(
        "{} {} (delivery {})",
        event["type"],
        event["id"],
        req.headers()
            .get("x-oncallclerk-delivery")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?")
    );
    // Deliveries are at least once: de-duplicate on the event id (`webhook-id`).
    HttpResponse::NoContent().finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".into());
    let secret = std::env::var("WEBHOOK_SECRET")
        .expect("set WEBHOOK_SECRET to the endpoint's whsec_ secret");
    let secret = web::Data::new(Secret(secret));
    println!("listening on http://{addr}/hook");
    HttpServer::new(move || {
        App::new()
            .app_data(secret.clone())
            .route("/hook", web::post().to(hook))
    })
    .bind(addr)?
    .run()
    .await
}
