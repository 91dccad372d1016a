//! The closed set of error codes the API answers with. Each code has exactly
//! one HTTP status, so a code and its status cannot disagree, and the OpenAPI
//! document lists, for every error status, the codes it can carry.

use actix_web::http::StatusCode;
use serde::Serialize;

/// Stable, machine-readable `error.code` of every error answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not well-formed JSON.
    MalformedJson,
    /// 400: a query or path parameter has a bad value or an unknown name.
    InvalidParameter,
    /// 400: the request body could not be read.
    BadRequest,
    /// 401: the bearer token is missing or is not the one this route takes.
    Unauthorized,
    /// 403: an account token on a route of another account (`?account=`
    /// naming another) or on a route only the admin token takes.
    Forbidden,
    /// 404: no such resource or route.
    NotFound,
    /// 405: the path exists, the method does not (see `Allow`).
    MethodNotAllowed,
    /// 409: the endpoint is disabled; enable it first.
    EndpointDisabled,
    /// 409: the `default` account cannot be deleted.
    DefaultAccount,
    /// 413: the body is over `[server] max_body_bytes`.
    PayloadTooLarge,
    /// 415: the body is not declared as JSON.
    UnsupportedMediaType,
    /// 422: a JSON body field is missing, unknown or of the wrong type.
    InvalidRequest,
    /// 422: an event breaks its type's schema, or its type is unknown.
    InvalidEvent,
    /// 422: an endpoint's URL, event types or overlap is invalid.
    InvalidEndpoint,
    /// 422: the connector does not take that event type.
    NotSubscribed,
    /// 422: a function's arguments break its schema.
    InvalidArguments,
    /// 429: over `[server] ingest_rate_limit` (see `Retry-After`).
    RateLimited,
    /// 431: the headers are over `[server] max_header_bytes`.
    HeadersTooLarge,
    /// 500: a fault of the hub; the log has the details.
    Internal,
    /// 502: the function's endpoint answered JSON that breaks its result schema.
    ResultInvalid,
    /// 502: the function's endpoint answered a non-2xx status.
    UpstreamStatus,
    /// 502: the function's endpoint answered something that is not JSON.
    UpstreamNotJson,
    /// 502: the function's endpoint could not be reached.
    UpstreamUnreachable,
    /// 504: the function's endpoint did not answer in time.
    UpstreamTimeout,
    /// 503: storage is unavailable; nothing was stored (see `Retry-After`).
    StorageUnavailable,
    /// 503: the database disk is full; nothing was stored.
    StorageFull,
    /// 503: the database is read-only; nothing was stored.
    StorageReadOnly,
}

impl ErrorCode {
    /// Every code, for the document.
    pub const ALL: [ErrorCode; 27] = [
        ErrorCode::MalformedJson,
        ErrorCode::InvalidParameter,
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::EndpointDisabled,
        ErrorCode::DefaultAccount,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidEvent,
        ErrorCode::InvalidEndpoint,
        ErrorCode::NotSubscribed,
        ErrorCode::InvalidArguments,
        ErrorCode::RateLimited,
        ErrorCode::HeadersTooLarge,
        ErrorCode::Internal,
        ErrorCode::ResultInvalid,
        ErrorCode::UpstreamStatus,
        ErrorCode::UpstreamNotJson,
        ErrorCode::UpstreamUnreachable,
        ErrorCode::UpstreamTimeout,
        ErrorCode::StorageUnavailable,
        ErrorCode::StorageFull,
        ErrorCode::StorageReadOnly,
    ];

    /// The HTTP status every answer with this code has.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            MalformedJson | InvalidParameter | BadRequest => StatusCode::BAD_REQUEST,
            Unauthorized => StatusCode::UNAUTHORIZED,
            Forbidden => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            EndpointDisabled | DefaultAccount => StatusCode::CONFLICT,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            InvalidRequest | InvalidEvent | InvalidEndpoint | NotSubscribed | InvalidArguments => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ResultInvalid | UpstreamStatus | UpstreamNotJson | UpstreamUnreachable => {
                StatusCode::BAD_GATEWAY
            }
            UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            StorageUnavailable | StorageFull | StorageReadOnly => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}
