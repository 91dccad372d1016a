//! Bearer tokens as extractors: a handler that takes [`AdminToken`] or
//! [`IngestToken`] runs only for a request carrying that token, and neither
//! token grants the other's routes.
//!
//! Admin routes act on one account. The admin token (the platform
//! operator's) acts on the account the query string names (`?account=ID`,
//! absent: `default`); an account token (`sbk_...`) acts on its own account
//! only, and naming another is 403. Account tokens are checked against
//! storage on every request, so a revocation holds at once on every node.
//! Routes that manage accounts take [`OperatorToken`]: the admin token only.

use std::future::{ready, Future, Ready};
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::{ApiError, AppState, ErrorCode};
use crate::{
    account::{token::Presented, AccountId, Scope},
    config::Secret,
};

/// The query parameter naming the account an admin request acts on.
pub const ACCOUNT_PARAM: &str = "account";

/// The request carries the admin token or an account token, and acts on
/// one account.
pub struct AdminToken {
    scope: Scope,
}

impl AdminToken {
    /// The account this request acts on.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
}

/// The request carries the admin token itself (routes that manage accounts).
pub struct OperatorToken;

/// The request carries the ingest token.
pub struct IngestToken;

impl FromRequest for AdminToken {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            if let Some(presented) = bearer(&req).and_then(Presented::parse) {
                let account = account_of(state, &presented).await?;
                return match named_account(&req)? {
                    Some(other) if other != account => Err(ApiError::new(
                        ErrorCode::Forbidden,
                        format!("this token acts on account '{account}' only, not '{other}'"),
                    )),
                    _ => Ok(AdminToken {
                        scope: Scope::of(account),
                    }),
                };
            }
            require(&req, &state.admin_token, "admin")?;
            Ok(AdminToken {
                scope: Scope::of(named_account(&req)?.unwrap_or_default()),
            })
        })
    }
}

impl FromRequest for OperatorToken {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if bearer(req).and_then(Presented::parse).is_some() {
            return ready(Err(ApiError::new(
                ErrorCode::Forbidden,
                "account tokens cannot manage accounts: use the admin token",
            )));
        }
        ready(with_state(req, |s| require(req, &s.admin_token, "admin")).map(|()| OperatorToken))
    }
}

impl FromRequest for IngestToken {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(with_state(req, |s| require(req, &s.ingest_token, "ingest")).map(|()| IngestToken))
    }
}

/// The account a presented account token is confined to; 401 when no
/// stored (unrevoked) token has this id and secret.
async fn account_of(state: &AppState, presented: &Presented<'_>) -> Result<AccountId, ApiError> {
    match state.store.token(&presented.id).await? {
        Some(stored) if presented.matches(&stored.hash) => Ok(stored.account),
        _ => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the account token is unknown or revoked",
        )),
    }
}

fn app_state(req: &HttpRequest) -> Result<&AppState, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .map(|d| &***d)
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "internal error: the API has no state"))
}

/// The account `?account=` names (the last one, if repeated), if any.
fn named_account(req: &HttpRequest) -> Result<Option<AccountId>, ApiError> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == ACCOUNT_PARAM)
        .last()
        .map(|(_, v)| {
            AccountId::parse(&v).map_err(|e| {
                ApiError::new(
                    ErrorCode::InvalidParameter,
                    format!("query parameter `{ACCOUNT_PARAM}`: {e}"),
                )
            })
        })
        .transpose()
}

/// The bearer token of the request, if any.
fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

fn with_state(
    req: &HttpRequest,
    check: impl FnOnce(&AppState) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| {
        ApiError::new(ErrorCode::Internal, "internal error: the API has no state")
    })?;
    check(state)
}

/// Checks `Authorization: Bearer <token>` in constant time.
pub fn require(req: &HttpRequest, token: &Secret, which: &str) -> Result<(), ApiError> {
    match bearer(req) {
        Some(p) if token.matches(p) => Ok(()),
        Some(_) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            format!("the bearer token is not the {which} token"),
        )),
        None => Err(ApiError::new(
            ErrorCode::Unauthorized,
            format!("missing `Authorization: Bearer <{which} token>` header"),
        )),
    }
}
