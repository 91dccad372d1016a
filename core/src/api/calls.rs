//! The call view (DESIGN.md section 12): `GET /v1/calls/{call_id}`, every
//! event of one call in time order with its deliveries and their attempts,
//! and its function invocations; and `GET /v1/calls`, finding calls by the
//! caller's phone number (any common format), email (any case) or call id.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    extract::Query, functions::show_invocation, AdminToken, ApiError, AppState, ErrorCode,
};
use crate::{
    calls::{CallEvent, CallRecord, CallSummary, Caller},
    delivery::DeliveryDetail,
    time::rfc3339,
};

/// Calls a search answers at most.
const SEARCH_LIMIT: usize = 50;

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(find_calls).service(read_call);
}

/// One call, as `GET /v1/calls/{call_id}` shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CallView {
    /// The call id (`data.call_id` of its events).
    pub call_id: String,
    /// Its events, oldest first (by `created`, then arrival).
    pub events: Vec<CallEventView>,
    /// The functions the agent invoked during the call, oldest first, as
    /// `GET /v1/functions/{name}/invocations` shows them.
    #[schema(value_type = Vec<Object>)]
    pub invocations: Vec<Value>,
}

/// One event of a call.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CallEventView {
    /// The event id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The envelope's `created` (RFC 3339).
    pub created: String,
    /// When the hub accepted it (RFC 3339).
    pub received_at: String,
    /// Its deliveries, each with its attempts, oldest first.
    pub deliveries: Vec<DeliveryDetail>,
}

/// A call a search found.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CallSummaryView {
    /// The call id.
    pub call_id: String,
    /// How many events it has.
    pub events: u64,
    /// When its first event arrived (RFC 3339).
    pub first_event_at: String,
    /// When its latest event arrived (RFC 3339).
    pub last_event_at: String,
}

/// A page of calls (never more than one: searches answer at most 50 calls).
#[derive(Serialize, utoipa::ToSchema)]
pub struct CallList {
    /// The calls found, most recent first.
    pub data: Vec<CallSummaryView>,
    /// Always `null`.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

impl From<CallRecord> for CallView {
    fn from(c: CallRecord) -> Self {
        CallView {
            call_id: c.call_id,
            events: c.events.into_iter().map(CallEventView::from).collect(),
            invocations: c.invocations.iter().map(show_invocation).collect(),
        }
    }
}

impl From<CallEvent> for CallEventView {
    fn from(e: CallEvent) -> Self {
        CallEventView {
            id: e.id,
            kind: e.kind,
            created: rfc3339(e.created.saturating_mul(1000)),
            received_at: rfc3339(e.received_at),
            deliveries: e.deliveries,
        }
    }
}

impl From<CallSummary> for CallSummaryView {
    fn from(c: CallSummary) -> Self {
        CallSummaryView {
            call_id: c.call_id,
            events: c.events,
            first_event_at: rfc3339(c.first_event_at),
            last_event_at: rfc3339(c.last_event_at),
        }
    }
}

/// Everything stored about one call.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(("call_id" = String, Path, description = "Call id (`data.call_id` of its events)")),
    responses(
        (status = 200, description = "The call's events (with deliveries and attempts) and function invocations, in time order", body = CallView),
        (status = 404, description = "Nothing is stored about this call", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/calls/{call_id}")]
async fn read_call(
    admin: AdminToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    match state.store.call(admin.scope(), &path).await? {
        Some(call) => Ok(HttpResponse::Ok().json(CallView::from(call))),
        None => Err(ApiError::not_found("call", &path)),
    }
}

/// Which caller to find: exactly one of the three.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CallQuery {
    /// The caller's phone number, in any common format (`+14155550123`,
    /// `(415) 555-0123`): matched against the numbers events give for the
    /// caller (`from_number`, the lead's and the booking customer's phone).
    phone: Option<String>,
    /// The caller's email address, in any case.
    email: Option<String>,
    /// A call id, exactly.
    call_id: Option<String>,
}

/// Finds calls by their caller: most recent first, at most 50.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(CallQuery),
    responses(
        (status = 200, description = "The calls found", body = CallList),
        (status = 400, description = "Not exactly one of `phone`, `email`, `call_id`, or one that names nobody (`invalid_parameter`)", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/calls")]
async fn find_calls(
    admin: AdminToken,
    query: Query<CallQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    if super::params::matches_nothing([
        q.phone.as_deref(),
        q.email.as_deref(),
        q.call_id.as_deref(),
    ]) {
        return Ok(HttpResponse::Ok().json(json!({"data": [], "next_cursor": null})));
    }
    let found = match Search::of(q)? {
        Search::Caller(who) => {
            state
                .store
                .find_calls(admin.scope(), &who, SEARCH_LIMIT)
                .await?
        }
        Search::Call(id) => state.store.call_summaries(admin.scope(), &[id]).await?,
    };
    let data: Vec<CallSummaryView> = found.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// A search, checked.
enum Search {
    Caller(Caller),
    Call(String),
}

impl Search {
    fn of(q: CallQuery) -> Result<Self, ApiError> {
        let bad = |name: &str, message: String| {
            ApiError::new(ErrorCode::InvalidParameter, message).at(format!("/{name}"))
        };
        match (q.phone, q.email, q.call_id) {
            (Some(p), None, None) => Caller::phone(&p)
                .map(Search::Caller)
                .map_err(|e| bad("phone", e.to_string())),
            (None, Some(e), None) => Caller::email(&e)
                .map(Search::Caller)
                .map_err(|e| bad("email", e.to_string())),
            (None, None, Some(id)) if !id.trim().is_empty() => {
                Ok(Search::Call(id.trim().to_owned()))
            }
            (None, None, Some(_)) => Err(bad("call_id", "call_id must not be empty".into())),
            _ => Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "give exactly one of phone, email or call_id",
            )),
        }
    }
}
