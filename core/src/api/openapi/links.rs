//! OpenAPI links: how the identifier an answer carries feeds the operations
//! that take it, so a client (or a stateful fuzzer) can follow create ->
//! read -> change -> delete with real ids.

use serde_json::{json, Value};

/// One link: the answer of `from` (method, path, status) gives `parameter`
/// of the operation `to` from the JSON pointer `pointer` of its body.
struct Link {
    from: (&'static str, &'static str, &'static str),
    name: &'static str,
    to: &'static str,
    parameter: &'static str,
    pointer: &'static str,
}

const fn link(
    from: (&'static str, &'static str, &'static str),
    name: &'static str,
    to: &'static str,
    parameter: &'static str,
    pointer: &'static str,
) -> Link {
    Link {
        from,
        name,
        to,
        parameter,
        pointer,
    }
}

const ENDPOINT: (&str, &str, &str) = ("post", "/v1/endpoints", "201");
const EVENT: (&str, &str, &str) = ("post", "/v1/events", "202");
const CONNECTORS: (&str, &str, &str) = ("get", "/v1/connectors", "200");
const FUNCTIONS: (&str, &str, &str) = ("get", "/v1/functions", "200");
const FIRED: (&str, &str, &str) = ("post", "/v1/connectors/{name}/test", "202");
const CALLS: (&str, &str, &str) = ("get", "/v1/calls", "200");

const LINKS: &[Link] = &[
    link(ENDPOINT, "ReadEndpoint", "read_endpoint", "id", "/id"),
    link(ENDPOINT, "UpdateEndpoint", "update_endpoint", "id", "/id"),
    link(ENDPOINT, "RotateSecret", "rotate_secret", "id", "/id"),
    link(ENDPOINT, "TestEndpoint", "test_endpoint", "id", "/id"),
    link(ENDPOINT, "DeleteEndpoint", "delete_endpoint", "id", "/id"),
    link(EVENT, "ReadEvent", "read_event", "id", "/id"),
    link(EVENT, "ReplayEvent", "replay_event", "id", "/id"),
    link(
        EVENT,
        "ListDeliveries",
        "list_deliveries",
        "event_id",
        "/id",
    ),
    link(FIRED, "ReadDelivery", "read_delivery", "id", "/delivery_id"),
    link(
        FIRED,
        "ReplayDelivery",
        "replay_delivery",
        "id",
        "/delivery_id",
    ),
    link(
        CONNECTORS,
        "UpdateConnector",
        "update_connector",
        "name",
        "/data/0/name",
    ),
    link(
        CONNECTORS,
        "TestConnector",
        "test_connector",
        "name",
        "/data/0/name",
    ),
    link(
        FUNCTIONS,
        "ReadFunction",
        "read_function",
        "name",
        "/data/0/name",
    ),
    link(
        FUNCTIONS,
        "ListInvocations",
        "list_invocations",
        "name",
        "/data/0/name",
    ),
    link(
        FUNCTIONS,
        "InvokeFunction",
        "invoke_function",
        "name",
        "/data/0/name",
    ),
    link(CALLS, "ReadCall", "read_call", "call_id", "/data/0/call_id"),
];

/// Adds every link to the answers of `doc` that carry the identifiers.
pub(super) fn add(doc: &mut Value) {
    for l in LINKS {
        let (method, path, status) = l.from;
        let response = &mut doc["paths"][path][method]["responses"][status];
        assert!(
            response.is_object(),
            "link {} starts at an undocumented answer {method} {path} {status}",
            l.name
        );
        response["links"][l.name] = json!({
            "operationId": l.to,
            "parameters": {l.parameter: format!("$response.body#{}", l.pointer)},
        });
    }
}
