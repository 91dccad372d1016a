//! The web dashboard at `/`: four static files embedded in the binary (no
//! build step) that drive the admin API from the browser.
//!
//! The pages carry no data and need no token; every number on them comes
//! from the admin API, called with the admin token the operator pastes at
//! login (kept in the tab's `sessionStorage`). A strict Content Security
//! Policy allows only these files, so injected markup cannot run.

use actix_web::{get, http::header, web, HttpResponse};

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const CALLS_SCRIPT: &str = include_str!("assets/calls.js");
const STYLE: &str = include_str!("assets/app.css");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Mounts `/` and `/assets/*` (outside the OpenAPI document: they are pages,
/// not API).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(index)
        .service(script)
        .service(calls_script)
        .service(style);
}

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        // Embedded in the binary: a new release brings new files, so only
        // revalidated caching is safe across upgrades.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

#[get("/")]
async fn index() -> HttpResponse {
    asset("text/html; charset=utf-8", INDEX)
}

#[get("/assets/app.js")]
async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

#[get("/assets/calls.js")]
async fn calls_script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", CALLS_SCRIPT)
}

#[get("/assets/app.css")]
async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE)
}
