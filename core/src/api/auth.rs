//! Bearer tokens: one for ingest, one for admin; neither grants the other.

use actix_web::{http::StatusCode, HttpRequest};

use super::ApiError;
use crate::config::Secret;

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
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!("the bearer token is not the {which} token"),
        )),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!("missing `Authorization: Bearer <{which} token>` header"),
        )),
    }
}
