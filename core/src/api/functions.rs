//! Function calls: `POST /v1/functions/{name}/invoke` (ingest token) and the
//! admin views `GET /v1/functions[/{name}[/invocations]]`.

use actix_web::{
    get,
    http::header::{HeaderName, HeaderValue},
    post, web, HttpResponse, ResponseError,
};
use serde::{de::Error as _, Deserialize, Deserializer};
use serde_json::{json, Map, Value};
use tracing::Instrument;

use super::{
    extract::{Json, Query},
    params::PageLimit,
    traced::Traceparent,
    AdminToken, ApiError, AppState, ErrorCode, IngestToken,
};
use crate::{
    account::{AccountId, Scope},
    functions::{Failed, Function, InvocationFilter, InvocationRecord, Invoked, Outcome},
    storage::PageRequest,
    time::rfc3339,
    traces::{outbound, spans},
};

/// Response header carrying the invocation id (the `webhook-id` the endpoint saw).
const INVOCATION_HEADER: &str = "x-oncallclerk-invocation";

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(invoke_function)
        .service(list_functions)
        .service(read_function)
        .service(list_invocations);
}

fn lookup<'a>(state: &'a AppState, scope: &Scope, name: &str) -> Result<&'a Function, ApiError> {
    state.functions.get(scope, name).ok_or_else(|| {
        let known: Vec<_> = state
            .functions
            .iter(scope)
            .map(|f| f.spec.name.as_str())
            .collect();
        ApiError::new(
            ErrorCode::NotFound,
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

/// Body of `POST /v1/functions/{name}/invoke`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct InvokeRequest {
    /// The call this invocation belongs to.
    #[serde(deserialize_with = "non_empty")]
    #[schema(min_length = 1)]
    pub call_id: String,
    /// Arguments, checked against the function's JSON Schema; `{}` when absent.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub arguments: Map<String, Value>,
    /// The account whose function is invoked (1-64 of `[A-Za-z0-9_-]`);
    /// absent or `null`: `default`.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub account: Option<AccountId>,
}

fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.is_empty() {
        return Err(D::Error::custom(
            "must not be empty: the id of the call this invocation belongs to",
        ));
    }
    Ok(s)
}

fn with_invocation(mut resp: HttpResponse, id: &str) -> HttpResponse {
    if let Ok(v) = HeaderValue::from_str(id) {
        resp.headers_mut()
            .insert(HeaderName::from_static(INVOCATION_HEADER), v);
    }
    resp
}

/// Calls the function's endpoint (signed) and returns what it answers.
#[utoipa::path(
    tag = "functions",
    security(("ingest_token" = [])),
    params(
        ("name" = String, Path, description = "Function name"),
        ("traceparent" = Option<String>, Header, description = "W3C Trace Context: the trace the invocation's span continues, and the function's request carries"),
    ),
    request_body = InvokeRequest,
    responses(
        (status = 200, description = "The endpoint's answer", body = super::openapi::InvokeResult),
        (status = 404, description = "Unknown function", body = super::openapi::ErrorBody),
        (status = 422, description = "Arguments violate the function's schema (`invalid_arguments`)", body = super::openapi::ErrorBody),
        (status = 502, description = "The endpoint answered badly", body = super::openapi::ErrorBody),
        (status = 504, description = "The endpoint timed out", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/functions/{name}/invoke")]
async fn invoke_function(
    _: IngestToken,
    path: web::Path<String>,
    body: Json<InvokeRequest>,
    incoming: Traceparent,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let InvokeRequest {
        call_id,
        arguments,
        account,
    } = body.0;
    let function = lookup(&state, &Scope::of(account.unwrap_or_default()), &path)?;
    let arguments = Value::Object(arguments);
    match traced_invoke(&state, function, &call_id, &arguments, incoming).await {
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
            ApiError::from(&failed.error).error_response(),
            &failed.id,
        )),
    }
}

/// Invokes `function` inside its span, the function's request carrying
/// the trace.
async fn traced_invoke(
    state: &AppState,
    function: &Function,
    call_id: &str,
    arguments: &Value,
    incoming: Traceparent,
) -> Result<Invoked, Failed> {
    let span = spans::invocation(&function.spec.name, call_id, incoming.0);
    let calling = state.functions.invoke(function, call_id, arguments);
    let result = outbound::sending(&span, incoming.0, calling)
        .instrument(span.clone())
        .await;
    let (id, end) = match &result {
        Ok(done) => (
            &done.id,
            spans::Ended {
                status_code: Some(200),
                outcome: Outcome::Ok.as_str(),
                error: None,
            },
        ),
        Err(failed) => (
            &failed.id,
            spans::Ended {
                status_code: Some(failed.error.status_code()),
                outcome: failed.error.outcome().as_str(),
                error: Some(&failed.error),
            },
        ),
    };
    spans::invoked(&span, id);
    spans::ended(&span, end);
    result
}

/// The configured functions.
#[utoipa::path(
    tag = "functions",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Functions", body = super::openapi::ObjectList),
    )
)]
#[get("/v1/functions")]
async fn list_functions(
    admin: AdminToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let data: Vec<Value> = (state.functions.iter(admin.scope()))
        .map(|f| f.spec.describe())
        .collect();
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
    )
)]
#[get("/v1/functions/{name}")]
async fn read_function(
    admin: AdminToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let function = lookup(&state, admin.scope(), &path)?;
    Ok(HttpResponse::Ok().json(function.spec.describe()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct InvocationQuery {
    /// Only this call.
    call_id: Option<String>,
    /// Only this outcome.
    #[param(inline)]
    outcome: Option<Outcome>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size.
    #[param(inline)]
    limit: Option<PageLimit>,
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
    )
)]
#[get("/v1/functions/{name}/invocations")]
async fn list_invocations(
    admin: AdminToken,
    path: web::Path<String>,
    query: Query<InvocationQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let function = lookup(&state, admin.scope(), &path)?;
    let q = query.0;
    if super::params::matches_nothing([q.call_id.as_deref(), q.cursor.as_deref()]) {
        return Ok(HttpResponse::Ok().json(json!({"data": [], "next_cursor": null})));
    }
    let filter = InvocationFilter {
        function: Some(function.spec.name.clone()),
        call_id: q.call_id,
        outcome: q.outcome,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageLimit::or_default(q.limit),
    };
    let page = state
        .store
        .invocations(admin.scope(), &filter, &page)
        .await?;
    let data: Vec<Value> = page.data.iter().map(show_invocation).collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": page.next_cursor})))
}

fn json_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// An invocation as the API shows it (also in the call view).
pub(super) fn show_invocation(r: &InvocationRecord) -> Value {
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
