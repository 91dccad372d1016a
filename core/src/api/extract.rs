//! Extractors for request bodies and query strings that fail with the
//! contract's error body, naming the field: 415 for a body not declared as
//! JSON, 413 over the size limit, 400 for malformed JSON or a bad query
//! parameter, 422 for a well-formed body whose fields break the request type.

use std::{future::Future, pin::Pin};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures::StreamExt;
use serde::de::DeserializeOwned;

use super::{ApiError, AppState, ErrorCode};

/// The raw body of a request declared as JSON and within `[server]
/// max_body_bytes`; parsing is the handler's (ingest parses its envelope).
pub struct JsonBytes(pub web::Bytes);

/// A JSON body deserialized into `T`; unknown fields are refused where `T`
/// says `deny_unknown_fields`.
pub struct Json<T>(pub T);

/// An optional JSON body: no body at all (or JSON `null`) is `None`.
pub struct OptionalJson<T>(pub Option<T>);

/// A query string deserialized into `T`.
pub struct Query<T>(pub T);

type Extracting<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for JsonBytes {
    type Error = ApiError;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            check_content_type(&req)?;
            Ok(JsonBytes(read_limited(&req, payload).await?))
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = JsonBytes::from_request(req, payload);
        Box::pin(async move { Ok(Json(parse_json(&body.await?.0)?)) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            if req.headers().contains_key(header::CONTENT_TYPE) {
                check_content_type(&req)?;
            }
            let body = read_limited(&req, payload).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            // A body there is must be declared as JSON.
            check_content_type(&req)?;
            Ok(OptionalJson(parse_json(&body)?))
        })
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // `account` is the admin scope's (see `auth`), not the route's own.
        let own = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                form_urlencoded::parse(req.query_string().as_bytes())
                    .filter(|(k, _)| k != super::auth::ACCOUNT_PARAM),
            )
            .finish();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(own.as_bytes()));
        std::future::ready(
            serde_path_to_error::deserialize(de)
                .map(Query)
                .map_err(|e| {
                    let name = e.path().to_string();
                    let what = if name == "." {
                        "query string".to_owned()
                    } else {
                        format!("query parameter `{name}`")
                    };
                    ApiError::new(
                        ErrorCode::InvalidParameter,
                        format!("{what}: {}", e.inner()),
                    )
                }),
        )
    }
}

/// 400 for malformed JSON; 422 naming the field for JSON of the wrong shape
/// (every request body is an object: serde would also take an array).
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("body is not valid JSON: {e}"),
        )
    })?;
    if !value.is_object() && !value.is_null() {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "body: must be a JSON object, e.g. {\"event_type\": \"lead.captured\"}",
        )
        .at(""));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut pointer = pointer(e.path());
        let message = e.inner().to_string();
        // serde reports a missing field at its parent; point at the field.
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            pointer = format!("{pointer}/{field}");
        }
        let shown = if pointer.is_empty() { "body" } else { &pointer };
        ApiError::new(ErrorCode::InvalidRequest, format!("{shown}: {message}")).at(pointer)
    })
}

/// The JSON pointer (`/events/1`) of a serde path (`events[1]`).
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => format!("/{index}"),
            Segment::Map { key } => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => format!("/{variant}"),
            Segment::Unknown => "/?".to_owned(),
        })
        .collect()
}

/// 415 unless the body is declared as JSON (`application/json` or `+json`).
pub(super) fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        return Ok(());
    }
    let shown = if ct.is_empty() {
        "no Content-Type".to_owned()
    } else {
        format!("Content-Type '{ct}'")
    };
    Err(ApiError::new(
        ErrorCode::UnsupportedMediaType,
        format!("{shown}: send the body as JSON with `Content-Type: application/json`"),
    ))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("body is larger than the {limit}-byte limit ([server] max_body_bytes)"),
    )
}

/// The body, refused with 413 as soon as it is known to be over the limit.
async fn read_limited(req: &HttpRequest, mut payload: Payload) -> Result<web::Bytes, ApiError> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map_or(usize::MAX, |s| s.max_body);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut buf = web::BytesMut::with_capacity(declared.unwrap_or(4096).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("could not read the body: {e}"),
            )
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Path parameters are plain strings; a failure here is a routing fault.
pub(super) fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|e, _| {
        ApiError::new(ErrorCode::InvalidParameter, format!("path parameter: {e}")).into()
    })
}
