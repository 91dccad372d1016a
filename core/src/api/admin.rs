//! The admin API: connectors, events, the delivery log, and replay.

use std::collections::BTreeMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{auth, ApiError, AppState};
use crate::{
    actors::WakeConnectors,
    delivery::DeliveryState,
    endpoints::OPERATOR_DISABLED,
    storage::{DeliveryFilter, PageRequest, ReplaySelector},
    time::{parse_rfc3339, rfc3339},
};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(connectors)
        .service(update_connector)
        .service(event)
        .service(deliveries)
        .service(delivery)
        .service(replay_delivery)
        .service(replay_event)
        .service(replay_bulk);
}

fn admin(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    auth::require(req, &state.admin_token, "admin")
}

#[get("/v1/connectors")]
async fn connectors(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let mut counts: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for c in state.store.counts().await? {
        *counts
            .entry(c.connector)
            .or_default()
            .entry(c.state.as_str())
            .or_default() += c.count;
    }
    let disabled: BTreeMap<String, String> = state.store.disabled().await?.into_iter().collect();
    let health: BTreeMap<_, _> = state.store.health().await?.into_iter().collect();
    let list = state.connectors.read().expect("lock").clone();
    let data: Vec<_> = list
        .into_iter()
        .map(|c| {
            let mut per_state: BTreeMap<&str, u64> =
                DeliveryState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
            per_state.extend(counts.get(&c.name).cloned().unwrap_or_default());
            let reason = disabled.get(&c.name);
            json!({
                "name": c.name,
                "kind": c.kind,
                "events": c.events,
                "state": if reason.is_some() { "disabled" } else { "active" },
                "disabled_reason": reason,
                "counts": per_state,
                "health": state.health.view(&c.name, health.get(&c.name)),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// `PATCH /v1/connectors/{name}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateConnector {
    /// Re-enable a connector disabled by a `410`, by `disable_after` or by an
    /// operator (`true`), or disable it (`false`).
    pub enabled: bool,
}

#[patch("/v1/connectors/{name}")]
async fn update_connector(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<UpdateConnector>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let name = path.into_inner();
    let known = state
        .connectors
        .read()
        .expect("lock")
        .iter()
        .any(|c| c.name == name);
    if !known {
        let hint = if name.starts_with("ep_") {
            " (runtime endpoints: PATCH /v1/endpoints/{id})"
        } else {
            ""
        };
        return Err(ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("no configured connector named '{name}'{hint}"),
        ));
    }
    let enabled = body.enabled;
    state
        .store
        .set_disabled(&name, (!enabled).then_some(OPERATOR_DISABLED))
        .await?;
    state.subscriptions.set_disabled(&name, !enabled);
    if enabled {
        state.router.do_send(WakeConnectors(vec![name.clone()]));
    }
    tracing::info!(connector = %name, enabled, "connector state changed by the operator");
    let reason = (!enabled).then_some(OPERATOR_DISABLED);
    Ok(HttpResponse::Ok().json(json!({
        "name": name,
        "state": if enabled { "active" } else { "disabled" },
        "disabled_reason": reason,
    })))
}

#[get("/v1/events/{id}")]
async fn event(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let record = state
        .store
        .event(&path)
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    connector: Option<String>,
    event_id: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

fn parse_status(s: Option<&str>) -> Result<Option<DeliveryState>, ApiError> {
    s.map(|s| {
        s.parse()
            .map_err(|e: crate::delivery::UnknownState| ApiError::bad_request(e.to_string()))
    })
    .transpose()
}

fn parse_time(name: &str, s: Option<&str>) -> Result<Option<i64>, ApiError> {
    s.map(|s| {
        parse_rfc3339(s).map_err(|e| {
            ApiError::bad_request(format!(
                "`{name}`: '{s}' is not an RFC 3339 time ({e}), e.g. 2026-01-31T12:00:00Z"
            ))
        })
    })
    .transpose()
}

#[get("/v1/deliveries")]
async fn deliveries(
    req: HttpRequest,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let q = query.into_inner();
    let filter = DeliveryFilter {
        status: parse_status(q.status.as_deref())?,
        connector: q.connector,
        event_id: q.event_id,
        since: parse_time("since", q.since.as_deref())?,
        until: parse_time("until", q.until.as_deref())?,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
    };
    Ok(HttpResponse::Ok().json(state.store.deliveries(&filter, &page).await?))
}

#[get("/v1/deliveries/{id}")]
async fn delivery(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let detail = state
        .store
        .delivery(&path)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery", &path))?;
    Ok(HttpResponse::Ok().json(detail))
}

async fn replay(state: &AppState, selector: ReplaySelector) -> Result<HttpResponse, ApiError> {
    let per_connector = state.store.replay(&selector).await?;
    let total: u64 = per_connector.iter().map(|(_, n)| n).sum();
    state.router.do_send(WakeConnectors(
        per_connector.into_iter().map(|(c, _)| c).collect(),
    ));
    tracing::info!(replayed = total, ?selector, "replay requested");
    Ok(HttpResponse::Accepted().json(json!({"replayed": total})))
}

#[post("/v1/deliveries/{id}/replay")]
async fn replay_delivery(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    if state.store.delivery(&path).await?.is_none() {
        return Err(ApiError::not_found("delivery", &path));
    }
    replay(&state, ReplaySelector::Delivery(path.into_inner())).await
}

#[post("/v1/events/{id}/replay")]
async fn replay_event(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    if state.store.event(&path).await?.is_none() {
        return Err(ApiError::not_found("event", &path));
    }
    replay(&state, ReplaySelector::Event(path.into_inner())).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkReplay {
    since: Option<String>,
    until: Option<String>,
    connector: Option<String>,
    status: Option<String>,
}

#[post("/v1/replay")]
async fn replay_bulk(
    req: HttpRequest,
    body: web::Json<BulkReplay>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let b = body.into_inner();
    let since = parse_time("since", b.since.as_deref())?
        .ok_or_else(|| ApiError::bad_request("`since` is required (RFC 3339), so a bulk replay never resends all history by accident"))?;
    let filter = DeliveryFilter {
        status: parse_status(b.status.as_deref())?,
        connector: b.connector,
        event_id: None,
        since: Some(since),
        until: parse_time("until", b.until.as_deref())?,
    };
    replay(&state, ReplaySelector::Bulk(filter)).await
}
