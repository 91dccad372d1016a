//! The answer for a request no route takes: 405 with `Allow` when the path
//! is one the API serves with other methods, else 404. The known paths and
//! methods are read from the OpenAPI document, which lists every mounted route.

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ResourceDef, ServiceRequest, ServiceResponse},
    http::{header, Method},
    middleware::Next,
    web, HttpRequest, HttpResponse, ResponseError,
};
use serde_json::Value;

use super::{ApiError, ErrorCode};

/// Every documented path with the methods it takes.
pub struct KnownRoutes(Vec<(ResourceDef, Vec<Method>)>);

impl KnownRoutes {
    /// The paths and methods of an OpenAPI document.
    pub fn from_document(doc: &Value) -> Self {
        let paths = doc["paths"].as_object().into_iter().flatten();
        KnownRoutes(
            paths
                .map(|(path, item)| {
                    let methods = item
                        .as_object()
                        .into_iter()
                        .flat_map(|ops| ops.keys())
                        .filter_map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
                        .collect();
                    (ResourceDef::new(path.as_str()), methods)
                })
                .collect(),
        )
    }

    /// The methods `path` is served with, if it is a known path.
    fn methods_of(&self, path: &str) -> Option<&[Method]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// Default service: 405 with `Allow` for a known path, JSON 404 otherwise.
pub async fn not_found_or_not_allowed(
    req: HttpRequest,
    routes: Option<web::Data<KnownRoutes>>,
) -> HttpResponse {
    let Some(methods) = routes.as_deref().and_then(|r| r.methods_of(req.path())) else {
        return ApiError::new(ErrorCode::NotFound, "no such route").error_response();
    };
    let allow: Vec<&str> = methods.iter().map(Method::as_str).collect();
    let allow = allow.join(", ");
    let mut resp = ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "{} is not served at {}; use {allow}",
            req.method(),
            req.path()
        ),
    )
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(&allow) {
        resp.headers_mut().insert(header::ALLOW, value);
    }
    resp
}

/// A path holding an encoded NUL (`%00`) names nothing: no id or name holds
/// one. Answered 404 here, before any handler, because PostgreSQL refuses NUL
/// in text and would otherwise turn a lookup into a storage error (503).
pub async fn refuse_nul_in_path(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.path().as_bytes().windows(3).any(|w| w == b"%00") {
        let err = ApiError::new(
            ErrorCode::NotFound,
            "nothing is named with a NUL character (%00 in the path): check the id or name",
        );
        return Ok(req
            .into_response(err.error_response())
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
