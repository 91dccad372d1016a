//! The JSON error body every API answers with, and every mapping from a
//! domain error to it: one place says which failure becomes which answer.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use serde::Serialize;

use super::ErrorCode;
use crate::{
    endpoints::EndpointError, event::EventError, functions::InvokeError, storage::StoreError,
};

/// An API error: `{"error": {"code", "message", "path"}}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    /// Stable machine-readable code; it decides the HTTP status.
    pub code: ErrorCode,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
    /// JSON pointer to the offending value of the body.
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
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

impl ApiError {
    /// An error with a code (which fixes the status) and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            path: None,
            retry_after: None,
        }
    }

    /// The HTTP status of this answer.
    pub fn status(&self) -> StatusCode {
        self.code.status()
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
        Self::new(ErrorCode::NotFound, format!("no {what} with id '{id}'"))
    }

    /// 503 for a storage failure; details go to the log, not the client.
    fn storage(code: ErrorCode, what: &str, e: &dyn std::fmt::Display) -> Self {
        let request_id = ulid::Ulid::new().to_string();
        tracing::error!(error = %e, request_id, "storage unavailable");
        Self::new(
            code,
            format!("{what}, nothing was stored; retry later (request id {request_id})"),
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status());
        if let Some(wait) = self.retry_after {
            resp.insert_header(("Retry-After", wait.as_secs().max(1).to_string()));
        } else if self.status() == StatusCode::SERVICE_UNAVAILABLE {
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

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        // Full and read-only are operator problems with a known fix: say so
        // to the client too (it retries on 503), without database internals.
        match &e {
            StoreError::Full(_) => Self::storage(
                ErrorCode::StorageFull,
                "the hub's database disk is full",
                &e,
            ),
            StoreError::ReadOnly(_) => Self::storage(
                ErrorCode::StorageReadOnly,
                "the hub's database is read-only",
                &e,
            ),
            _ => Self::storage(ErrorCode::StorageUnavailable, "storage is unavailable", &e),
        }
    }
}

impl From<EndpointError> for ApiError {
    fn from(e: EndpointError) -> Self {
        match e {
            EndpointError::Invalid { path, message } => {
                ApiError::new(ErrorCode::InvalidEndpoint, message).at(path)
            }
            EndpointError::NotFound(id) => ApiError::not_found("endpoint", &id),
            EndpointError::Store(e) => e.into(),
            EndpointError::Outbound(e) => {
                tracing::error!(error = %e, "cannot build the outbound client of an endpoint");
                ApiError::new(
                    ErrorCode::Internal,
                    "internal error: the outbound client could not be built; check [delivery] in the hub's logs",
                )
            }
        }
    }
}

impl From<EventError> for ApiError {
    fn from(e: EventError) -> Self {
        match e {
            EventError::Syntax(e) => ApiError::new(
                ErrorCode::MalformedJson,
                format!("body is not valid JSON: {e}"),
            ),
            EventError::Invalid { path, message } => {
                ApiError::new(ErrorCode::InvalidEvent, message).at(path)
            }
        }
    }
}

impl From<&InvokeError> for ApiError {
    fn from(e: &InvokeError) -> Self {
        let message = e.to_string();
        match e {
            InvokeError::InvalidArguments(v) => {
                ApiError::new(ErrorCode::InvalidArguments, message).at(&v.path)
            }
            InvokeError::ResultInvalid { violation, .. } => {
                ApiError::new(ErrorCode::ResultInvalid, message)
                    .at(format!("/result{}", violation.path))
            }
            InvokeError::UpstreamStatus { .. } => ApiError::new(ErrorCode::UpstreamStatus, message),
            InvokeError::UpstreamNotJson { .. } => {
                ApiError::new(ErrorCode::UpstreamNotJson, message)
            }
            InvokeError::Unreachable { .. } => {
                ApiError::new(ErrorCode::UpstreamUnreachable, message)
            }
            InvokeError::Timeout { .. } => ApiError::new(ErrorCode::UpstreamTimeout, message),
        }
    }
}
