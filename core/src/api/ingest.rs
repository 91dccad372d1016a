//! `POST /v1/events`: token (401), content type (415), size (413), JSON (400),
//! schema (422), in that order (after the per-client rate limit, 429); 202 once event and deliveries are committed.

use actix_web::{http::StatusCode, post, web, HttpRequest, HttpResponse};
use futures::StreamExt;
use serde_json::json;

use super::{auth, ApiError, AppState};
use crate::event::{Event, EventError};

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
        (status = 400, description = "Malformed JSON (also a key repeated within one object)", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong ingest token", body = super::openapi::ErrorBody),
        (status = 413, description = "Body over `[server] max_body_bytes`", body = super::openapi::ErrorBody),
        (status = 415, description = "Not JSON", body = super::openapi::ErrorBody),
        (status = 422, description = "Unknown type or schema violation (`path` points at it)", body = super::openapi::ErrorBody),
        (status = 429, description = "Over `[server] ingest_rate_limit` for this client address", body = super::openapi::ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds to wait before retrying"))),
        (status = 431, description = "Headers over `[server] max_header_bytes` (any route)", body = super::openapi::ErrorBody),
        (status = 503, description = "Storage unavailable (also disk full or read-only): nothing was stored", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/events")]
async fn post_event(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // Before the token check: a flood is refused without any work.
    if let (Some(limiter), Some(peer)) = (&state.ingest_limiter, req.peer_addr()) {
        limiter.check(peer.ip())?;
    }
    auth::require(&req, &state.ingest_token, "ingest")?;
    check_content_type(&req)?;
    let body = read_limited(&req, payload, state.max_body).await?;
    let event = Event::parse(&body, chrono::Utc::now().timestamp()).map_err(|e| match e {
        EventError::Syntax(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("body is not valid JSON: {e}"),
        ),
        EventError::Invalid { path, message } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_event", message).at(path)
        }
    })?;
    let ingested = state.ingestor.ingest(event).await?;
    let body = json!({"id": ingested.event_id, "deliveries": ingested.deliveries});
    Ok(if ingested.created {
        HttpResponse::Accepted().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

pub(super) fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        return Ok(());
    }
    let shown = if ct.is_empty() {
        "no Content-Type".to_owned()
    } else {
        format!("Content-Type '{ct}'")
    };
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("{shown}: send the event as JSON with `Content-Type: application/json`"),
    ))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("body is larger than the {limit}-byte limit ([server] max_body_bytes)"),
    )
}

pub(super) async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut buf = web::BytesMut::with_capacity(declared.unwrap_or(4096).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("could not read the body: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
