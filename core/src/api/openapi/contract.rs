//! What every operation of the document says about errors, added from the
//! operation's shape rather than written by hand on each handler: the token
//! answer (401) and storage answer (503) of secured operations, the body
//! answers (400, 413, 415, 422) of operations with a JSON body, the query
//! answer (400) of operations with query parameters, 431 everywhere; and for
//! every error status, the error body with the codes it can carry.

use serde_json::{json, Map, Value};

use crate::api::ErrorCode;

/// What decides which generic errors an operation can answer.
struct Shape {
    secured: bool,
    has_body: bool,
    has_query: bool,
}

impl Shape {
    fn of(op: &Value) -> Self {
        let secured = op["security"].as_array().is_some_and(|alternatives| {
            alternatives
                .iter()
                .all(|a| a.as_object().is_some_and(|a| !a.is_empty()))
        });
        let has_query = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        Shape {
            secured,
            has_body: op.get("requestBody").is_some(),
            has_query,
        }
    }

    /// Whether `code` can come from the extractors and guards of this shape;
    /// `None` for codes that only a handler answers.
    fn generic(&self, code: ErrorCode) -> Option<bool> {
        use ErrorCode::*;
        Some(match code {
            MalformedJson | BadRequest | PayloadTooLarge | UnsupportedMediaType
            | InvalidRequest => self.has_body,
            InvalidParameter => self.has_query,
            Unauthorized | StorageUnavailable | StorageFull | StorageReadOnly => self.secured,
            HeadersTooLarge => true,
            MethodNotAllowed => false,
            _ => return None,
        })
    }
}

/// The default description of a status this module adds.
fn describe(shape: &Shape, status: u16) -> &'static str {
    match status {
        400 if shape.has_body && shape.has_query => {
            "Malformed JSON body, or a bad query parameter (the message names it)"
        }
        400 if shape.has_body => "Malformed JSON body",
        400 => "A bad query parameter (the message names it)",
        401 => "Missing or wrong bearer token",
        413 => "Body over `[server] max_body_bytes`",
        415 => "Body not declared as JSON (`Content-Type: application/json`)",
        422 => "A body field is missing, unknown or of the wrong type (`path` points at it)",
        431 => "Headers over `[server] max_header_bytes`",
        503 => "Storage unavailable (also disk full or read-only): nothing was stored",
        _ => "Error",
    }
}

fn name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Completes the error answers of every operation in `doc`.
pub(super) fn complete(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            complete_operation(op);
        }
    }
}

fn complete_operation(op: &mut Value) {
    let shape = Shape::of(op);
    let responses = op["responses"]
        .as_object_mut()
        .expect("every operation has responses");
    for code in ErrorCode::ALL {
        if shape.generic(code) == Some(true) {
            let status = code.status().as_u16().to_string();
            responses.entry(status.clone()).or_insert_with(
                || json!({"description": describe(&shape, code.status().as_u16())}),
            );
        }
    }
    for (status, response) in responses.iter_mut() {
        let Ok(status) = status.parse::<u16>() else {
            continue;
        };
        let schema = &response["content"]["application/json"]["schema"];
        let error_body = schema.is_null() || schema["$ref"] == "#/components/schemas/ErrorBody";
        // `/readyz` answers 503 with its own body.
        if status >= 400 && error_body {
            describe_error(&shape, status, response);
        }
    }
}

/// The error body of `status`, its `code` restricted to what it can carry:
/// the generic codes of the operation's shape, plus the handler's codes of
/// that status: those its description names in backticks, else all of them.
fn describe_error(shape: &Shape, status: u16, response: &mut Value) {
    let description = response["description"].as_str().unwrap_or("").to_owned();
    let of_status: Vec<ErrorCode> = ErrorCode::ALL
        .into_iter()
        .filter(|c| c.status().as_u16() == status)
        .collect();
    let named: Vec<ErrorCode> = of_status
        .iter()
        .copied()
        .filter(|c| description.contains(&format!("`{}`", name(*c))))
        .collect();
    let handler_named = named.iter().any(|c| shape.generic(*c).is_none());
    let codes: Vec<String> = of_status
        .into_iter()
        .filter(|c| {
            named.contains(c)
                || match shape.generic(*c) {
                    Some(applies) => applies,
                    None => !handler_named,
                }
        })
        .map(name)
        .collect();
    let listed = codes
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let response = response.as_object_mut().expect("a response is an object");
    let description = format!("{}. Codes: {listed}.", description.trim_end_matches('.'));
    response.insert("description".into(), description.into());
    let schema = json!({
        "allOf": [{"$ref": "#/components/schemas/ErrorBody"}],
        "properties": {"error": {"properties": {"code": {"enum": codes}}}},
    });
    let mut content = Map::new();
    content.insert("application/json".into(), json!({"schema": schema}));
    response.insert("content".into(), Value::Object(content));
    if status == 503 {
        response.insert(
            "headers".into(),
            json!({"Retry-After": {"description": "Whole seconds to wait before retrying", "schema": {"type": "integer"}}}),
        );
    }
}
