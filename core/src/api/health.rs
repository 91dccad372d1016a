//! Liveness, readiness and the event schemas.

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use super::{ApiError, AppState};
use crate::event::{schema_document, EventType};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(schema);
}

/// The process is up.
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Storage answers; reports this node's id.
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready", "node": &*state.node})),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "node": &*state.node, "error": "storage is unavailable"}))
        }
    }
}

/// The JSON Schema of one event type.
#[get("/v1/schemas/{type}")]
async fn schema(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let t: EventType = path.parse().map_err(|e: crate::event::UnknownEventType| {
        ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_found",
            e.to_string(),
        )
    })?;
    Ok(HttpResponse::Ok().json(schema_document(t)))
}
