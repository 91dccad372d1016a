//! `/v1/endpoints`: runtime endpoints (REST hooks) for Zapier, Make and the
//! like: create (secret shown once), list, read, change, delete; rotating the
//! secret and firing a test event are in `actions`.

mod actions;
mod view;

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;

pub use view::{EndpointList, EndpointView, RotatedSecret};

use super::{
    extract::{Json, Query},
    params::PageLimit,
    AdminToken, ApiError, AppState,
};
use crate::{
    account::Scope,
    endpoints::{EndpointChange, NewEndpoint},
};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(create_endpoint)
        .service(list_endpoints)
        .service(read_endpoint)
        .service(update_endpoint)
        .service(delete_endpoint)
        .service(actions::rotate_secret)
        .service(actions::test_endpoint);
}

/// Query of `GET /v1/endpoints`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The last id of the previous page.
    pub cursor: Option<String>,
    /// Page size.
    #[param(inline)]
    pub limit: Option<PageLimit>,
}

/// Creates an endpoint; the answer shows its secret this once.
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    request_body = NewEndpoint,
    responses(
        (status = 201, description = "Created (secret in full)", body = EndpointView),
        (status = 422, description = "Bad URL or event type, `path` points at it (`invalid_endpoint`)", body = super::openapi::ErrorBody),
        (status = 500, description = "The outbound client could not be built, see the hub's log (`internal`)", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/endpoints")]
async fn create_endpoint(
    admin: AdminToken,
    body: Json<NewEndpoint>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let enabled = body.0.enabled;
    let record = state.endpoints.create(admin.scope(), body.0).await?;
    let reason = (!enabled).then(|| crate::endpoints::OPERATOR_DISABLED.to_owned());
    Ok(HttpResponse::Created().json(EndpointView::new(&record, reason, true)))
}

/// Endpoints, newest first (secrets masked).
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of endpoints", body = EndpointList),
    )
)]
#[get("/v1/endpoints")]
async fn list_endpoints(
    admin: AdminToken,
    query: Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    if super::params::matches_nothing([query.cursor.as_deref()]) {
        return Ok(HttpResponse::Ok().json(serde_json::json!({"data": [], "next_cursor": null})));
    }
    let page = crate::storage::PageRequest {
        cursor: query.cursor,
        limit: PageLimit::or_default(query.limit),
    };
    let page = state.store.endpoint_page(admin.scope(), &page).await?;
    let keys: Vec<String> = page
        .data
        .iter()
        .map(|e| e.record.key().to_string())
        .collect();
    let held = state.store.held(&keys).await?;
    let data = page
        .data
        .into_iter()
        .map(|e| EndpointView {
            health: Some(state.health.view(&e.record.key(), e.health.as_ref())),
            held: held.get(&*e.record.key()).copied().unwrap_or(0),
            ..EndpointView::new(&e.record, e.disabled, false)
        })
        .collect();
    Ok(HttpResponse::Ok().json(EndpointList {
        data,
        next_cursor: page.next_cursor,
    }))
}

/// One endpoint (secret masked).
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    responses(
        (status = 200, description = "The endpoint", body = EndpointView),
        (status = 404, description = "No such endpoint", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/endpoints/{id}")]
async fn read_endpoint(
    admin: AdminToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    current(&state, admin.scope(), &path).await
}

/// The endpoint as stored now, with its health, masked.
async fn current(state: &AppState, scope: &Scope, id: &str) -> Result<HttpResponse, ApiError> {
    let (record, reason) = state.endpoints.get(scope, id).await?;
    let view = EndpointView::new(&record, reason, false);
    Ok(HttpResponse::Ok().json(view.with_health(state, &record.key()).await?))
}

/// Changes the fields present; `enabled` turns it on or off.
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    request_body = EndpointChange,
    responses(
        (status = 200, description = "The changed endpoint", body = EndpointView),
        (status = 404, description = "No such endpoint", body = super::openapi::ErrorBody),
        (status = 422, description = "Bad URL or event type, `path` points at it (`invalid_endpoint`)", body = super::openapi::ErrorBody),
        (status = 500, description = "The outbound client could not be built, see the hub's log (`internal`)", body = super::openapi::ErrorBody),
    )
)]
#[patch("/v1/endpoints/{id}")]
async fn update_endpoint(
    admin: AdminToken,
    path: web::Path<String>,
    body: Json<EndpointChange>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.endpoints.update(admin.scope(), &path, body.0).await?;
    current(&state, admin.scope(), &path).await
}

/// Deletes an endpoint (its delivery log stays).
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such endpoint", body = super::openapi::ErrorBody),
    )
)]
#[delete("/v1/endpoints/{id}")]
async fn delete_endpoint(
    admin: AdminToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.endpoints.delete(admin.scope(), &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
