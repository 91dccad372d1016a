//! `/v1/endpoints`: runtime endpoints (REST hooks) for Zapier, Make and the
//! like: create (secret shown once), list, read, change, delete, rotate the
//! secret, fire a test event.

use std::collections::BTreeMap;

use actix_web::{delete, get, http::StatusCode, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};

use super::{auth, ApiError, AppState};
use crate::{
    endpoints::{
        sample_event, EndpointChange, EndpointError, EndpointRecord, NewEndpoint, DEFAULT_OVERLAP,
    },
    health::HealthView,
    ids,
    storage::{Admission, NewDelivery},
    time::rfc3339,
};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(read)
        .service(update)
        .service(remove)
        .service(rotate)
        .service(fire_test);
}

fn admin(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    auth::require(req, &state.admin_token, "admin")
}

impl From<EndpointError> for ApiError {
    fn from(e: EndpointError) -> Self {
        match e {
            EndpointError::Invalid { path, message } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_endpoint",
                message,
            )
            .at(path),
            EndpointError::NotFound(id) => ApiError::not_found("endpoint", &id),
            EndpointError::Store(e) => e.into(),
            EndpointError::Outbound(e) => {
                tracing::error!(error = %e, "cannot build the outbound client of an endpoint");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error: the outbound client could not be built; check [delivery] in the hub's logs",
                )
            }
        }
    }
}

/// `POST /v1/endpoints` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEndpoint {
    /// Target URL for every event type without its own entry in `urls`.
    #[serde(default)]
    pub url: Option<String>,
    /// A URL per event type.
    #[serde(default)]
    pub urls: BTreeMap<String, String>,
    /// Event types to receive; omitted or `null` means all.
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// Free text for operators.
    #[serde(default)]
    pub description: String,
    /// `false` creates it disabled. Default `true`.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// `PATCH /v1/endpoints/{id}` body: only the fields present change; `null`
/// clears `url` or `events` (all types).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEndpoint {
    /// New fallback URL (`null` removes it).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub url: Option<Option<String>>,
    /// New per-type URLs (replace all of them).
    #[serde(default)]
    pub urls: Option<BTreeMap<String, String>>,
    /// New event types (`null`: all).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub events: Option<Option<Vec<String>>>,
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// Enable (also after a 410 or a long outage disabled it) or disable.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A field that is present (possibly `null`), as opposed to absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /v1/endpoints/{id}/rotate-secret` body (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// How long the previous secret keeps signing too, e.g. `"24h"` (the
    /// default) or `"0s"` to drop it at once.
    #[serde(default)]
    pub overlap: Option<String>,
}

/// `POST /v1/endpoints/{id}/test` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEvent {
    /// Which sample event to send, e.g. `lead.captured`.
    pub event_type: String,
}

/// An endpoint as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointView {
    /// `ep_<ULID>`; deliveries to it carry it as their `connector`.
    pub id: String,
    /// Fallback URL.
    pub url: Option<String>,
    /// Per-type URLs.
    pub urls: BTreeMap<String, String>,
    /// Event types received; `null` means all.
    pub events: Option<Vec<String>>,
    /// Free text.
    pub description: String,
    /// Whether events are delivered to it.
    pub enabled: bool,
    /// Why it is disabled (operator, `410 Gone`, failing too long).
    pub disabled_reason: Option<String>,
    /// The signing secret: in full only in the answer to create; masked elsewhere.
    pub secret: String,
    /// When the previous secret stops signing, during a rotation's overlap.
    pub previous_secret_expires_at: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Failure streak, last success and failure, success rate, breaker
    /// (not in the answer to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthView>,
}

impl EndpointView {
    fn new(r: &EndpointRecord, disabled_reason: Option<String>, reveal: bool) -> Self {
        let now = crate::time::now_ms();
        let current = r.secrets.first().map(|s| s.secret.expose()).unwrap_or("");
        EndpointView {
            id: r.id.clone(),
            url: r.url.clone(),
            urls: r
                .urls
                .iter()
                .map(|(t, u)| (t.to_string(), u.clone()))
                .collect(),
            events: r
                .events
                .as_ref()
                .map(|l| l.iter().map(|t| t.to_string()).collect()),
            description: r.description.clone(),
            enabled: disabled_reason.is_none(),
            disabled_reason,
            secret: if reveal {
                current.to_owned()
            } else {
                mask(current)
            },
            previous_secret_expires_at: r
                .active_secrets(now)
                .skip(1)
                .filter_map(|s| s.expires_at)
                .max()
                .map(rfc3339),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            health: None,
        }
    }

    /// Adds the endpoint's health.
    async fn with_health(mut self, state: &AppState) -> Result<Self, ApiError> {
        let stored = state.store.health_of(&self.id).await?;
        self.health = Some(state.health.view(&self.id, stored.as_ref()));
        Ok(self)
    }
}

/// `whsec_` and the last four characters: enough to tell secrets apart.
fn mask(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("whsec_****{tail}")
}

/// A page of endpoints, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointList {
    /// The endpoints.
    pub data: Vec<EndpointView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Query of `GET /v1/endpoints`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The last id of the previous page.
    pub cursor: Option<String>,
    /// Page size (1 to 500, default 50).
    pub limit: Option<u32>,
}

/// Answer of `rotate-secret`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotatedSecret {
    /// The endpoint.
    pub id: String,
    /// The new secret, shown this once.
    pub secret: String,
    /// Until when the previous secret keeps signing too (RFC 3339); `null`
    /// if it stopped at once.
    pub previous_secret_expires_at: Option<String>,
}

/// Answer of `test`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FiredTest {
    /// The sample event's new id.
    pub event_id: String,
    /// Its one delivery, to this endpoint.
    pub delivery_id: String,
}

/// Creates an endpoint; the answer shows its secret this once.
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    request_body = CreateEndpoint,
    responses(
        (status = 201, description = "Created (secret in full)", body = EndpointView),
        (status = 422, description = "Bad URL or event type (`path` points at it)", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/endpoints")]
async fn create(
    req: HttpRequest,
    body: web::Json<CreateEndpoint>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let b = body.into_inner();
    let record = state
        .endpoints
        .create(NewEndpoint {
            url: b.url,
            urls: b.urls,
            events: b.events,
            description: b.description,
            enabled: b.enabled,
        })
        .await?;
    let reason = (!b.enabled).then(|| crate::endpoints::OPERATOR_DISABLED.to_owned());
    Ok(HttpResponse::Created().json(EndpointView::new(&record, reason, true)))
}

/// Endpoints, newest first (secrets masked).
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of endpoints", body = EndpointList),
        (status = 401, description = "Missing or wrong admin token", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/endpoints")]
async fn list(
    req: HttpRequest,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let page = crate::storage::PageRequest {
        cursor: query.cursor.clone(),
        limit: query.limit.unwrap_or(50).clamp(1, 500),
    };
    let page = state.store.endpoint_page(&page).await?;
    let data = page
        .data
        .into_iter()
        .map(|e| EndpointView {
            health: Some(state.health.view(&e.record.id, e.health.as_ref())),
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
        (status = 401, description = "Missing or wrong admin token", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/endpoints/{id}")]
async fn read(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    current(&state, &path).await
}

/// The endpoint as stored now, with its health, masked.
async fn current(state: &AppState, id: &str) -> Result<HttpResponse, ApiError> {
    let (record, reason) = state.endpoints.get(id).await?;
    let view = EndpointView::new(&record, reason, false);
    Ok(HttpResponse::Ok().json(view.with_health(state).await?))
}

/// Changes the fields present; `enabled` turns it on or off.
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    request_body = UpdateEndpoint,
    responses(
        (status = 200, description = "The changed endpoint", body = EndpointView),
        (status = 404, description = "No such endpoint", body = super::openapi::ErrorBody),
        (status = 422, description = "Bad value", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = super::openapi::ErrorBody),
    )
)]
#[patch("/v1/endpoints/{id}")]
async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<UpdateEndpoint>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let b = body.into_inner();
    state
        .endpoints
        .update(
            &path,
            EndpointChange {
                url: b.url,
                urls: b.urls,
                events: b.events,
                description: b.description,
                enabled: b.enabled,
            },
        )
        .await?;
    current(&state, &path).await
}

/// Deletes an endpoint (its delivery log stays).
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such endpoint", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = super::openapi::ErrorBody),
    )
)]
#[delete("/v1/endpoints/{id}")]
async fn remove(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    state.endpoints.delete(&path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a new secret; the previous one keeps signing during the overlap.
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    request_body(content = Option<RotateSecret>, description = "Optional"),
    responses(
        (status = 200, description = "The new secret, shown this once", body = RotatedSecret),
        (status = 404, description = "No such endpoint", body = super::openapi::ErrorBody),
        (status = 422, description = "Bad overlap", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/endpoints/{id}/rotate-secret")]
async fn rotate(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    // The body is optional: no body means the default overlap.
    let body: RotateSecret = if body.iter().all(u8::is_ascii_whitespace) {
        RotateSecret::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("body: {e}")))?
    };
    let overlap = match body.overlap {
        None => DEFAULT_OVERLAP,
        Some(text) => humantime::parse_duration(&text).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_endpoint",
                format!("'{text}' is not a duration ({e}); write e.g. \"24h\", \"30m\" or \"0s\""),
            )
            .at("/overlap")
        })?,
    };
    let (record, secret) = state.endpoints.rotate(&path, overlap).await?;
    let view = EndpointView::new(&record, None, false);
    Ok(HttpResponse::Ok().json(RotatedSecret {
        id: record.id,
        secret: secret.expose().to_owned(),
        previous_secret_expires_at: view.previous_secret_expires_at,
    }))
}

/// Sends the sample event of a type to this endpoint only.
#[utoipa::path(
    tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Endpoint id (`ep_<ULID>`)")),
    request_body = TestEvent,
    responses(
        (status = 202, description = "Sample event committed with one delivery", body = FiredTest),
        (status = 404, description = "No such endpoint", body = super::openapi::ErrorBody),
        (status = 409, description = "The endpoint is disabled", body = super::openapi::ErrorBody),
        (status = 422, description = "Unknown event type", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/endpoints/{id}/test")]
async fn fire_test(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<TestEvent>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let kind = super::test_fire::sample_type(&body.event_type)?;
    let (_, reason) = state.endpoints.get(&path).await?;
    if let Some(reason) = reason {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "endpoint_disabled",
            format!("endpoint '{path}' is disabled ({reason}); enable it with PATCH {{\"enabled\": true}} first"),
        ));
    }
    let delivery_id = ids::delivery_id();
    let delivery = NewDelivery {
        id: delivery_id.clone(),
        connector: path.as_str().into(),
        admission: Admission::Dispatch,
    };
    let ingested = state
        .ingestor
        .ingest_to(sample_event(kind), vec![delivery])
        .await?;
    Ok(HttpResponse::Accepted().json(FiredTest {
        event_id: ingested.event_id,
        delivery_id,
    }))
}
