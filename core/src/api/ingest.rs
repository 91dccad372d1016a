//! `POST /v1/events`: rate limit (429), token (401), content type (415),
//! size (413), JSON (400), schema (422), in that order (the extractors run in
//! the order of the handler's arguments); 202 once event and deliveries are
//! committed.

use actix_web::{post, web, HttpResponse};
use serde_json::json;

use super::{extract::JsonBytes, limits::WithinRate, ApiError, AppState, IngestToken};
use crate::event::Event;

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(post_event);
}

/// Accepts one event; answers once it and its deliveries are durable.
#[utoipa::path(
    tag = "ingest",
    security(("ingest_token" = [])),
    request_body(content = super::openapi::AnyEvent, content_type = "application/json"),
    responses(
        (status = 202, description = "Committed with its deliveries", body = super::openapi::Accepted),
        (status = 200, description = "Known id: nothing new was created", body = super::openapi::Accepted),
        (status = 400, description = "Malformed JSON, also a key repeated within one object (`malformed_json`)", body = super::openapi::ErrorBody),
        (status = 422, description = "Unknown type or schema violation, `path` points at it (`invalid_event`)", body = super::openapi::ErrorBody),
        (status = 429, description = "Over `[server] ingest_rate_limit` for this client address (`rate_limited`)", body = super::openapi::ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds to wait before retrying"))),
    )
)]
#[post("/v1/events")]
async fn post_event(
    _: WithinRate,
    _: IngestToken,
    body: JsonBytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let event = Event::parse(&body.0, chrono::Utc::now().timestamp())?;
    let ingested = state.ingestor.ingest(event).await?;
    let body = json!({"id": ingested.event_id, "deliveries": ingested.deliveries});
    Ok(if ingested.created {
        HttpResponse::Accepted().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}
