//! Liveness, readiness and the event schemas.

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use super::{ApiError, AppState, ErrorCode};
use crate::event::{schema_document, EventType};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(event_schema);
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up", body = super::openapi::Health)))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Storage answers; reports this node's id.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "Storage answers", body = super::openapi::Health),
    (status = 503, description = "Storage is unavailable", body = super::openapi::Health),
))]
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
#[utoipa::path(
    tag = "schemas",
    params(("type" = String, Path, description = "Event type, e.g. `lead.captured`")),
    responses(
        (status = 200, description = "JSON Schema (2020-12) of the envelope", body = Object),
        (status = 404, description = "Unknown event type", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/schemas/{type}")]
async fn event_schema(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let t: EventType = path.parse().map_err(|e: crate::event::UnknownEventType| {
        ApiError::new(ErrorCode::NotFound, e.to_string())
    })?;
    Ok(HttpResponse::Ok().json(schema_document(t)))
}
