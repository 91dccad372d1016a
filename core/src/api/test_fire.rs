//! Test-fire: a sample event sent to one connector
//! (`POST /v1/connectors/{name}/test`, the dashboard's button) or one
//! endpoint (`POST /v1/endpoints/{id}/test`), through the normal delivery
//! path. Both routes take the same body and give the same answer.

use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{extract::Json, AdminToken, ApiError, AppState, ErrorCode};
use crate::{endpoints::sample_event, event::EventType};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(test_connector);
}

/// Body of both test-fire routes.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TestFire {
    /// Which sample event to send, e.g. `lead.captured`.
    #[schema(schema_with = call_types)]
    pub event_type: EventType,
}

/// Only the six call types have a sample; the operational ones are the
/// hub's own.
fn call_types() -> utoipa::openapi::Object {
    use utoipa::openapi::{schema::SchemaType, ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .enum_values(Some(EventType::ALL.map(EventType::as_str)))
        .description(Some("A call event type (the six that have a sample)."))
        .build()
}

/// Answer of both test-fire routes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FiredTest {
    /// The sample event's new id.
    pub event_id: String,
    /// Its one delivery, to the chosen connector or endpoint.
    pub delivery_id: String,
}

/// Sends the sample event of `event_type` to this connector only.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(("name" = String, Path, description = "Connector name")),
    request_body = TestFire,
    responses(
        (status = 202, description = "Sample event committed with one delivery", body = FiredTest),
        (status = 404, description = "No such connector", body = super::openapi::ErrorBody),
        (status = 422, description = "The connector does not take this event type, see its `events` and `filter` (`not_subscribed`), or the type is an operational one, which has no sample (`invalid_request`)", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/connectors/{name}/test")]
async fn test_connector(
    admin: AdminToken,
    path: web::Path<String>,
    body: Json<TestFire>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let known = state
        .connectors
        .read()
        .expect("lock")
        .iter()
        .any(|c| c.name == name && &c.account == admin.scope().account());
    if !known {
        return Err(ApiError::not_found("connector", &name));
    }
    let kind = body.0.event_type;
    let event = sample_of(kind)?.in_account(admin.scope().account().clone());
    let key = admin.scope().target_key(&name);
    let mut deliveries = state.ingestor.deliveries_to(&event, &key);
    // One event gives a connector at most one delivery.
    deliveries.truncate(1);
    let Some(delivery_id) = deliveries.first().map(|d| d.id.clone()) else {
        return Err(ApiError::new(
            ErrorCode::NotSubscribed,
            format!(
                "connector '{name}' does not take `{kind}` events (see its `events` and `filter`)"
            ),
        )
        .at("/event_type"));
    };
    let ingested = state.ingestor.ingest_to(event, deliveries).await?;
    tracing::info!(connector = %name, event = %ingested.event_id, "test event sent");
    Ok(HttpResponse::Accepted().json(FiredTest {
        event_id: ingested.event_id,
        delivery_id,
    }))
}

/// The sample event of `kind`: only the six call types have one (the hub
/// emits the operational types itself).
pub(super) fn sample_of(kind: EventType) -> Result<crate::event::Event, ApiError> {
    sample_event(kind).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidRequest,
            format!("`{kind}` is an operational event the hub emits itself; test-fire one of the six call types"),
        )
        .at("/event_type")
    })
}
