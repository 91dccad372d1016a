//! `POST /v1/connectors/{name}/test`: sends a sample event to one connector
//! (the dashboard's test-fire button), through the normal delivery path.

use actix_web::{http::StatusCode, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{auth, ApiError, AppState};
use crate::{
    endpoints::sample_event,
    event::{EventType, UnknownEventType},
};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(test_connector);
}

/// Body of a test-fire.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TestFire {
    /// Which sample event to send, e.g. `lead.captured`.
    event_type: String,
}

/// Sends the sample event of `event_type` to this connector only.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(("name" = String, Path, description = "Connector name")),
    request_body = TestFire,
    responses(
        (status = 202, description = "Sample event committed with one delivery", body = super::openapi::Accepted),
        (status = 401, description = "Missing or wrong admin token", body = super::openapi::ErrorBody),
        (status = 404, description = "No such connector", body = super::openapi::ErrorBody),
        (status = 422, description = "Unknown event type, or the connector does not take it (`events` / `filter`)", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/connectors/{name}/test")]
async fn test_connector(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<TestFire>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    auth::require(&req, &state.admin_token, "admin")?;
    let name = path.into_inner();
    let known = state
        .connectors
        .read()
        .expect("lock")
        .iter()
        .any(|c| c.name == name);
    if !known {
        return Err(ApiError::not_found("connector", &name));
    }
    let t = sample_type(&body.event_type)?;
    let event = sample_event(t);
    let deliveries = state.ingestor.deliveries_to(&event, &name);
    if deliveries.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_subscribed",
            format!(
                "connector '{name}' does not take `{}` events (see its `events` and `filter`)",
                body.event_type
            ),
        )
        .at("/event_type"));
    }
    let ingested = state.ingestor.ingest_to(event, deliveries).await?;
    tracing::info!(connector = %name, event = %ingested.event_id, "test event sent");
    Ok(HttpResponse::Accepted()
        .json(json!({"id": ingested.event_id, "deliveries": ingested.deliveries})))
}

/// The event type a test-fire asks for (`/event_type` of its body); both
/// test-fire routes answer an unknown one the same way.
pub(super) fn sample_type(raw: &str) -> Result<EventType, ApiError> {
    raw.parse().map_err(|e: UnknownEventType| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_event_type",
            e.to_string(),
        )
        .at("/event_type")
    })
}
