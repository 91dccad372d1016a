//! Function calls: `POST /v1/functions/{name}/invoke` (ingest token) and the
//! admin views `GET /v1/functions[/{name}[/invocations]]`.

use actix_web::{
    get,
    http::{header::HeaderValue, StatusCode},
    post, web, HttpRequest, HttpResponse, ResponseError,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    auth,
    ingest::{check_content_type, read_limited},
    ApiError, AppState,
};
use crate::{
    functions::{Function, InvocationFilter, InvocationRecord, InvokeError, Outcome},
    storage::PageRequest,
    time::rfc3339,
};

/// Response header carrying the invocation id (the `webhook-id` the endpoint saw).
const INVOCATION_HEADER: &str = "x-oncallclerk-invocation";

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(invoke)
        .service(list)
        .service(one)
        .service(invocations);
}

fn lookup<'a>(state: &'a AppState, name: &str) -> Result<&'a Function, ApiError> {
    state.functions.get(name).ok_or_else(|| {
        let known: Vec<_> = state
            .functions
            .iter()
            .map(|f| f.spec.name.as_str())
            .collect();
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "no function named '{name}'; configured functions: {}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        )
    })
}

fn unprocessable(code: &'static str, path: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).at(path)
}

fn api_error(e: &InvokeError) -> ApiError {
    let message = e.to_string();
    match e {
        InvokeError::InvalidArguments(v) => unprocessable("invalid_arguments", &v.path, message),
        InvokeError::ResultInvalid { violation, .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, "result_invalid", message)
                .at(format!("/result{}", violation.path))
        }
        InvokeError::UpstreamStatus { .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, "upstream_status", message)
        }
        InvokeError::UpstreamNotJson { .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, "upstream_not_json", message)
        }
        InvokeError::Unreachable { .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, "upstream_unreachable", message)
        }
        InvokeError::Timeout { .. } => {
            ApiError::new(StatusCode::GATEWAY_TIMEOUT, "upstream_timeout", message)
        }
    }
}

/// Splits `{"call_id": "...", "arguments": {...}}`; a missing `arguments` means `{}`.
fn parse_body(body: &[u8]) -> Result<(String, Value), ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("body is not valid JSON: {e}"),
        )
    })?;
    let Value::Object(mut map) = value else {
        return Err(unprocessable(
            "invalid_request",
            "",
            "body must be a JSON object {\"call_id\": \"...\", \"arguments\": {...}}",
        ));
    };
    let call_id = match map.remove("call_id") {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(unprocessable(
                "invalid_request",
                "/call_id",
                "`call_id` is required: the id of the call this invocation belongs to, as a non-empty string",
            ))
        }
    };
    let arguments = match map.remove("arguments") {
        None => Value::Object(Default::default()),
        Some(v @ Value::Object(_)) => v,
        Some(_) => {
            return Err(unprocessable(
                "invalid_arguments",
                "/arguments",
                "`arguments` must be a JSON object",
            ))
        }
    };
    Ok((call_id, arguments))
}

fn with_invocation(mut resp: HttpResponse, id: &str) -> HttpResponse {
    if let Ok(v) = HeaderValue::from_str(id) {
        resp.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static(INVOCATION_HEADER),
            v,
        );
    }
    resp
}

/// Calls the function's endpoint (signed) and returns what it answers.
#[utoipa::path(
    tag = "functions",
    security(("ingest_token" = [])),
    params(("name" = String, Path, description = "Function name")),
    request_body = super::openapi::InvokeRequest,
    responses(
        (status = 200, description = "The endpoint's answer", body = super::openapi::InvokeResult),
        (status = 404, description = "Unknown function", body = super::openapi::ErrorBody),
        (status = 422, description = "Arguments violate the function's schema", body = super::openapi::ErrorBody),
        (status = 502, description = "The endpoint answered badly", body = super::openapi::ErrorBody),
        (status = 504, description = "The endpoint timed out", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong token", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/functions/{name}/invoke")]
async fn invoke(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    auth::require(&req, &state.ingest_token, "ingest")?;
    let function = lookup(&state, &path)?;
    check_content_type(&req)?;
    let body = read_limited(&req, payload, state.max_body).await?;
    let (call_id, arguments) = parse_body(&body)?;
    match state.functions.invoke(function, &call_id, &arguments).await {
        Ok(done) => {
            let mut out = String::with_capacity(done.answer.result.get().len() + 12);
            out.push_str("{\"result\":");
            out.push_str(done.answer.result.get());
            out.push('}');
            let resp = HttpResponse::Ok()
                .content_type("application/json")
                .body(out);
            Ok(with_invocation(resp, &done.id))
        }
        Err(failed) => Ok(with_invocation(
            api_error(&failed.error).error_response(),
            &failed.id,
        )),
    }
}

fn admin(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    auth::require(req, &state.admin_token, "admin")
}

/// The configured functions.
#[utoipa::path(
    tag = "functions",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Functions", body = super::openapi::ObjectList),
        (status = 401, description = "Missing or wrong token", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/functions")]
async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let data: Vec<Value> = state.functions.iter().map(|f| f.spec.describe()).collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": null})))
}

/// One function with its argument schema.
#[utoipa::path(
    tag = "functions",
    security(("admin_token" = [])),
    params(("name" = String, Path, description = "Function name")),
    responses(
        (status = 200, description = "The function", body = Object),
        (status = 404, description = "Unknown function", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong token", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/functions/{name}")]
async fn one(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    Ok(HttpResponse::Ok().json(lookup(&state, &path)?.spec.describe()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct InvocationQuery {
    /// Only this call.
    call_id: Option<String>,
    /// Only this outcome.
    outcome: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// The invocation log of one function, newest first.
#[utoipa::path(
    tag = "functions",
    security(("admin_token" = [])),
    params(("name" = String, Path, description = "Function name")),
    params(InvocationQuery),
    responses(
        (status = 200, description = "A page of invocations", body = super::openapi::ObjectList),
        (status = 404, description = "Unknown function", body = super::openapi::ErrorBody),
        (status = 401, description = "Missing or wrong token", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/functions/{name}/invocations")]
async fn invocations(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<InvocationQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    admin(&req, &state)?;
    let function = lookup(&state, &path)?;
    let q = query.into_inner();
    let outcome = q
        .outcome
        .as_deref()
        .map(|o| o.parse::<Outcome>().map_err(ApiError::bad_request))
        .transpose()?;
    let filter = InvocationFilter {
        function: Some(function.spec.name.clone()),
        call_id: q.call_id,
        outcome,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
    };
    let page = state.store.invocations(&filter, &page).await?;
    let data: Vec<Value> = page.data.iter().map(show).collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": page.next_cursor})))
}

fn json_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn show(r: &InvocationRecord) -> Value {
    json!({
        "id": r.id,
        "function": r.function,
        "call_id": r.call_id,
        "outcome": r.outcome,
        "status_code": r.status_code,
        "upstream_status": r.upstream_status,
        "arguments": json_text(&r.arguments),
        "result": r.result.as_deref().map(json_text),
        "error": r.error,
        "response_excerpt": r.response_excerpt,
        "attempts": r.attempts,
        "started_at": rfc3339(r.started_at),
        "duration_ms": r.duration_us as f64 / 1000.0,
        "node": r.node,
    })
}
