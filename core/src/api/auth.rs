//! Bearer tokens as extractors: a handler that takes [`AdminToken`] or
//! [`IngestToken`] runs only for a request carrying that token, and neither
//! token grants the other's routes.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::{ApiError, AppState, ErrorCode};
use crate::config::Secret;

/// The request carries the admin token.
pub struct AdminToken;

/// The request carries the ingest token.
pub struct IngestToken;

impl FromRequest for AdminToken {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(with_state(req, |s| require(req, &s.admin_token, "admin")).map(|()| AdminToken))
    }
}

impl FromRequest for IngestToken {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(with_state(req, |s| require(req, &s.ingest_token, "ingest")).map(|()| IngestToken))
    }
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
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    match presented {
        Some(p) if token.matches(p.trim()) => Ok(()),
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
