//! Per-caller erasure: `POST /v1/erasure` and the log at `GET /v1/erasures`.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::{
    extract::{Json, Query},
    params::PageLimit,
    AdminToken, ApiError, AppState, ErrorCode,
};
use crate::{
    lifecycle::{erasure, Identifier, IdentifierError},
    storage::{Erased, ErasurePage, PageRequest},
};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(erase_caller).service(list_erasures);
}

/// `POST /v1/erasure` body: exactly one way to name the caller.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErasureRequest {
    /// A phone number in any common form: E.164 (`+14155550123`), national
    /// (`(415) 555-0123`, `020 7946 0958`) or formatted; 7 to 15 digits.
    Phone(String),
    /// An email address, in any case.
    Email(String),
    /// A call id (`data.call_id` of the call's events).
    CallId(String),
}

impl ErasureRequest {
    fn identifier(&self) -> Result<Identifier, ApiError> {
        let (who, field) = match self {
            ErasureRequest::Phone(p) => (Identifier::phone(p), "/phone"),
            ErasureRequest::Email(e) => (Identifier::email(e), "/email"),
            ErasureRequest::CallId(c) => (Identifier::call_id(c), "/call_id"),
        };
        who.map_err(|e: IdentifierError| {
            ApiError::new(ErrorCode::InvalidRequest, e.to_string()).at(field)
        })
    }
}

/// Erases every stored event of a caller, wherever the phone number, email
/// address or call id appears in its payload, with its deliveries (queued
/// ones cancelled first), attempts, request excerpts and the caller's
/// function invocations; the data is removed from the database files, not
/// only hidden. Logs the erasure (without the identifier in clear).
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    request_body = ErasureRequest,
    responses(
        (status = 200, description = "What was erased (zeros when nothing matched)", body = Erased),
    )
)]
#[post("/v1/erasure")]
async fn erase_caller(
    admin: AdminToken,
    body: Json<ErasureRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = body.0.identifier()?;
    let by = erasure::token_label(state.admin_token.expose());
    let record = erasure::erase(&*state.store, admin.scope(), &state.cancelled, &who, &by).await?;
    Ok(HttpResponse::Ok().json(record.erased))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ErasureQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size.
    #[param(inline)]
    limit: Option<PageLimit>,
}

/// The erasure log, newest first: when, by which token, the SHA-256 of the
/// identifier (`kind:normalised value`) and what was erased.
#[utoipa::path(
    tag = "admin",
    security(("admin_token" = [])),
    params(ErasureQuery),
    responses(
        (status = 200, description = "A page of erasure records", body = ErasurePage),
    )
)]
#[get("/v1/erasures")]
async fn list_erasures(
    admin: AdminToken,
    query: Query<ErasureQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    if super::params::matches_nothing([q.cursor.as_deref()]) {
        let empty = ErasurePage {
            data: Vec::new(),
            next_cursor: None,
        };
        return Ok(HttpResponse::Ok().json(empty));
    }
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageLimit::or_default(q.limit),
    };
    Ok(HttpResponse::Ok().json(state.store.erasures(admin.scope(), &page).await?))
}
