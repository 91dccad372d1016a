//! The JSON error body every API answers with.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use serde::Serialize;

/// An API error: `{"error": {"code", "message", "path"}}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
    /// JSON pointer to the offending value, for schema errors.
    pub path: Option<String>,
    /// Sent as `Retry-After` (whole seconds), e.g. with 429.
    pub retry_after: Option<std::time::Duration>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            path: None,
            retry_after: None,
        }
    }

    /// Adds the JSON pointer of the offending value.
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Tells the client when to retry.
    pub fn retry_after(mut self, wait: std::time::Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// 404 for a missing resource.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} with id '{id}'"),
        )
    }

    /// 400 for a bad query or body parameter.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 503 for a storage failure; details go to the log, not the client.
    pub fn unavailable(e: &dyn std::fmt::Display) -> Self {
        let request_id = ulid::Ulid::new().to_string();
        tracing::error!(error = %e, request_id, "storage unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            format!(
                "storage is unavailable, nothing was stored; retry later (request id {request_id})"
            ),
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        if let Some(wait) = self.retry_after {
            resp.insert_header(("Retry-After", wait.as_secs().max(1).to_string()));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.insert_header(("Retry-After", "1"));
        }
        resp.json(Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                path: self.path.as_deref(),
            },
        })
    }
}

impl From<crate::storage::StoreError> for ApiError {
    fn from(e: crate::storage::StoreError) -> Self {
        use crate::storage::StoreError;
        // Full and read-only are operator problems with a known fix: say so
        // to the client too (it retries on 503), without database internals.
        let (code, what) = match &e {
            StoreError::Full(_) => ("storage_full", "the hub's database disk is full"),
            StoreError::ReadOnly(_) => ("storage_read_only", "the hub's database is read-only"),
            _ => return ApiError::unavailable(&e),
        };
        let request_id = ulid::Ulid::new().to_string();
        tracing::error!(error = %e, request_id, "storage unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            code,
            format!("{what}: nothing was stored; retry later (request id {request_id})"),
        )
    }
}
