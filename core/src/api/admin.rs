//! The admin API: connectors, events, the delivery log, and replay.

use std::collections::BTreeMap;

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{
    extract::{Json, Query},
    params::{PageLimit, Rfc3339},
    AdminToken, ApiError, AppState, ErrorCode,
};
use crate::{
    account::Scope,
    actors::WakeConnectors,
    delivery::DeliveryState,
    endpoints::OPERATOR_DISABLED,
    operations::DisableCause,
    storage::{DeliveryFilter, PageRequest, ReplaySelector},
    time::{now_ms, rfc3339},
};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(list_connectors)
        .service(update_connector)
        .service(read_event)
        .service(list_deliveries)
        .service(read_delivery)
        .service(replay_delivery)
        .service(replay_event)
        .service(replay_bulk);
}

/// Configured connectors with their state and delivery counts.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Connectors", body = super::openapi::ConnectorList),
    )
)]
#[get("/v1/connectors")]
async fn list_connectors(
    admin: AdminToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = admin.scope();
    let mut counts: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for c in state.store.counts().await? {
        *counts
            .entry(c.connector)
            .or_default()
            .entry(c.state.as_str())
            .or_default() += c.count;
    }
    let disabled: BTreeMap<String, String> = (state.store.disabled().await?.into_iter())
        .map(|d| (d.name, d.reason))
        .collect();
    let health: BTreeMap<_, _> = (state.store.health().await?.into_iter())
        .map(|h| (h.name, h.health))
        .collect();
    let list = state.connectors.read().expect("lock").clone();
    let data: Vec<_> = list
        .into_iter()
        .filter(|c| &c.account == scope.account())
        .map(|c| {
            let key = scope.target_key(&c.name).to_string();
            let mut per_state: BTreeMap<&str, u64> =
                DeliveryState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
            per_state.extend(counts.get(&key).cloned().unwrap_or_default());
            let reason = disabled.get(&key);
            let held = per_state.get("disabled").copied().unwrap_or(0);
            json!({
                "name": c.name,
                "kind": c.kind,
                "events": c.events,
                "state": if reason.is_some() { "disabled" } else { "active" },
                "disabled_reason": reason,
                "disabled_cause": reason.map(|r| DisableCause::of(r).code()),
                "held": held,
                "counts": per_state,
                "health": state.health.view(&key, health.get(&key)),
                "pacing": state.pacing.view(&key, now_ms()),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// `PATCH /v1/connectors/{name}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConnector {
    /// Re-enable a connector disabled by a `410`, by `disable_after` or by an
    /// operator (`true`): its breaker closes and its held deliveries are sent
    /// again, oldest first, each with a fresh `retry_for`. `false` disables
    /// it, holding its deliveries.
    pub enabled: bool,
}

/// Enables or disables a configured connector.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(("name" = String, Path, description = "Connector name")),
    request_body = UpdateConnector,
    responses(
        (status = 200, description = "The connector's new state", body = super::openapi::ConnectorState),
        (status = 404, description = "No configured connector of that name", body = super::openapi::ErrorBody),
    )
)]
#[patch("/v1/connectors/{name}")]
async fn update_connector(
    admin: AdminToken,
    path: web::Path<String>,
    body: Json<UpdateConnector>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let scope = admin.scope();
    let known = state
        .connectors
        .read()
        .expect("lock")
        .iter()
        .any(|c| c.name == name && &c.account == scope.account());
    if !known {
        let hint = if name.starts_with("ep_") {
            " (runtime endpoints: PATCH /v1/endpoints/{id})"
        } else {
            ""
        };
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no configured connector named '{name}'{hint}"),
        ));
    }
    let enabled = body.0.enabled;
    let key = scope.target_key(&name);
    state
        .store
        .set_disabled(&key, (!enabled).then_some(OPERATOR_DISABLED))
        .await?;
    state.subscriptions.set_disabled(&key, !enabled);
    if enabled {
        // Closes its breaker and sends the deliveries it held.
        if let Some(actor) = state.subscriptions.actor(&key) {
            actor.do_send(crate::actors::Reenabled);
        }
    }
    tracing::info!(connector = %name, enabled, "connector state changed by the operator");
    let reason = (!enabled).then_some(OPERATOR_DISABLED);
    Ok(HttpResponse::Ok().json(json!({
        "name": name,
        "state": if enabled { "active" } else { "disabled" },
        "disabled_reason": reason,
    })))
}

/// One event with its envelope and deliveries.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Event id")),
    responses(
        (status = 200, description = "The event", body = super::openapi::EventView),
        (status = 404, description = "No such event", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/events/{id}")]
async fn read_event(
    admin: AdminToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let record = state
        .store
        .event(admin.scope(), &path)
        .await?
        .ok_or_else(|| ApiError::not_found("event", &path))?;
    let envelope = record.event.value();
    Ok(HttpResponse::Ok().json(json!({
        "id": record.event.id,
        "type": record.event.kind,
        "created": record.event.created,
        "received_at": rfc3339(record.received_at),
        "data": envelope.get("data"),
        "envelope": envelope,
        "deliveries": record.deliveries,
    })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Only deliveries in this state.
    #[param(inline)]
    status: Option<DeliveryState>,
    /// Only this connector.
    connector: Option<String>,
    /// Only this event.
    event_id: Option<String>,
    /// Created at or after.
    #[param(inline)]
    since: Option<Rfc3339>,
    /// Created before.
    #[param(inline)]
    until: Option<Rfc3339>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size.
    #[param(inline)]
    limit: Option<PageLimit>,
}

/// The delivery log, newest first.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = super::openapi::DeliveryPage),
    )
)]
#[get("/v1/deliveries")]
async fn list_deliveries(
    admin: AdminToken,
    query: Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    if super::params::matches_nothing([
        q.connector.as_deref(),
        q.event_id.as_deref(),
        q.cursor.as_deref(),
    ]) {
        return Ok(HttpResponse::Ok().json(json!({"data": [], "next_cursor": null})));
    }
    let filter = DeliveryFilter {
        status: q.status,
        connector: q.connector,
        event_id: q.event_id,
        since: q.since.map(|t| t.0),
        until: q.until.map(|t| t.0),
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageLimit::or_default(q.limit),
    };
    Ok(HttpResponse::Ok().json(
        state
            .store
            .deliveries(admin.scope(), &filter, &page)
            .await?,
    ))
}

/// One delivery with every attempt.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Delivery id")),
    responses(
        (status = 200, description = "The delivery", body = crate::delivery::DeliveryDetail),
        (status = 404, description = "No such delivery", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/deliveries/{id}")]
async fn read_delivery(
    admin: AdminToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let detail = state
        .store
        .delivery(admin.scope(), &path)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery", &path))?;
    Ok(HttpResponse::Ok().json(detail))
}

async fn replay(
    state: &AppState,
    scope: &Scope,
    selector: ReplaySelector,
) -> Result<HttpResponse, ApiError> {
    let per_connector = state.store.replay(scope, &selector).await?;
    let total: u64 = per_connector.iter().map(|r| r.count).sum();
    state.router.do_send(WakeConnectors(
        per_connector.into_iter().map(|r| r.connector).collect(),
    ));
    tracing::info!(replayed = total, ?selector, "replay requested");
    Ok(HttpResponse::Accepted().json(json!({"replayed": total})))
}

/// Makes one delivery due now again.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Delivery id")),
    responses(
        (status = 202, description = "Replayed", body = super::openapi::Replayed),
        (status = 404, description = "No such delivery", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/deliveries/{id}/replay")]
async fn replay_delivery(
    admin: AdminToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = admin.scope();
    if state.store.delivery(scope, &path).await?.is_none() {
        return Err(ApiError::not_found("delivery", &path));
    }
    replay(&state, scope, ReplaySelector::Delivery(path.into_inner())).await
}

/// Makes every delivery of an event due now again.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Event id")),
    responses(
        (status = 202, description = "Replayed", body = super::openapi::Replayed),
        (status = 404, description = "No such event", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/events/{id}/replay")]
async fn replay_event(
    admin: AdminToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = admin.scope();
    if state.store.event(scope, &path).await?.is_none() {
        return Err(ApiError::not_found("event", &path));
    }
    replay(&state, scope, ReplaySelector::Event(path.into_inner())).await
}

/// Body of `POST /v1/replay`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BulkReplay {
    /// Deliveries created at or after this instant; required, so a bulk
    /// replay never resends all history by accident.
    #[schema(value_type = Rfc3339)]
    since: Rfc3339,
    /// Created before this instant.
    #[schema(value_type = Option<Rfc3339>)]
    #[serde(default)]
    until: Option<Rfc3339>,
    /// Only this connector.
    #[serde(default)]
    connector: Option<String>,
    /// Only deliveries in this state, e.g. `failed`.
    #[serde(default)]
    status: Option<DeliveryState>,
}

/// Bulk recovery: makes every matching delivery due now again.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    request_body = BulkReplay,
    responses(
        (status = 202, description = "Replayed", body = super::openapi::Replayed),
    )
)]
#[post("/v1/replay")]
async fn replay_bulk(
    admin: AdminToken,
    body: Json<BulkReplay>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let filter = DeliveryFilter {
        status: b.status,
        connector: b.connector,
        event_id: None,
        since: Some(b.since.0),
        until: b.until.map(|t| t.0),
    };
    replay(&state, admin.scope(), ReplaySelector::Bulk(filter)).await
}
