//! `POST /v1/events`: rate limit (429), token (401), content type (415),
//! size (413), JSON (400), schema (422), in that order (the extractors run in
//! the order of the handler's arguments); 202 once event and deliveries are
//! committed.

use actix_web::{post, web, HttpResponse};
use serde_json::json;
use tracing::Instrument;

use super::{
    extract::JsonBytes, limits::WithinRate, traced::Traceparent, ApiError, AppState, IngestToken,
};
use crate::{event::Event, traces::spans};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(post_event);
}

/// Accepts one event; answers once it and its deliveries are durable.
#[utoipa::path(
    tag = "ingest",
    security(("ingest_token" = [])),
    params(("traceparent" = Option<String>, Header, description = "W3C Trace Context: the trace the event's ingest span and delivery attempts continue, and every request its deliveries send carries")),
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
    incoming: Traceparent,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let span = spans::ingest(incoming.0);
    ingest(&body.0, incoming, &span, &state)
        .instrument(span.clone())
        .await
}

async fn ingest(
    body: &[u8],
    incoming: Traceparent,
    span: &tracing::Span,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    let event = Event::parse(body, chrono::Utc::now().timestamp())?
        .with_trace(spans::carried(span, incoming.0));
    let kind = event.kind;
    let ingested = state.ingestor.ingest(event).await?;
    let ids = spans::EventIds {
        event_id: &ingested.event_id,
        event_type: kind.as_str(),
    };
    spans::ingested(span, ids, ingested.deliveries, ingested.created);
    let body = json!({"id": ingested.event_id, "deliveries": ingested.deliveries});
    Ok(if ingested.created {
        HttpResponse::Accepted().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}
