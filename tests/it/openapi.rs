//! `GET /openapi.json`: parses, is OpenAPI 3.1, lists exactly the routes the
//! hub serves, and its schemas describe the real answers.

use std::{collections::BTreeSet, time::Duration};

use serde_json::{json, Value};

use crate::support::{
    fresh_event, wait_until, Receiver, TestConfig, TestConnector, TestHub, ADMIN, INGEST,
};

/// Every API route of the product contract (DESIGN.md sections 2, 7, 8, 15).
const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/events"),
    ("get", "/v1/schemas/{type}"),
    ("get", "/v1/connectors"),
    ("patch", "/v1/connectors/{name}"),
    ("get", "/v1/events/{id}"),
    ("get", "/v1/deliveries"),
    ("get", "/v1/deliveries/{id}"),
    ("get", "/v1/calls"),
    ("get", "/v1/calls/{call_id}"),
    ("post", "/v1/deliveries/{id}/replay"),
    ("post", "/v1/events/{id}/replay"),
    ("post", "/v1/replay"),
    ("post", "/v1/erasure"),
    ("get", "/v1/erasures"),
    ("post", "/v1/connectors/{name}/test"),
    ("post", "/v1/endpoints"),
    ("get", "/v1/endpoints"),
    ("get", "/v1/endpoints/{id}"),
    ("patch", "/v1/endpoints/{id}"),
    ("delete", "/v1/endpoints/{id}"),
    ("post", "/v1/endpoints/{id}/rotate-secret"),
    ("post", "/v1/endpoints/{id}/test"),
    ("post", "/v1/functions/{name}/invoke"),
    ("get", "/v1/functions"),
    ("get", "/v1/functions/{name}"),
    ("get", "/v1/functions/{name}/invocations"),
    ("get", "/v1/accounts"),
    ("get", "/v1/accounts/{account}"),
    ("delete", "/v1/accounts/{account}"),
    ("post", "/v1/accounts/{account}/tokens"),
    ("get", "/v1/accounts/{account}/tokens"),
    ("delete", "/v1/accounts/{account}/tokens/{id}"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
];

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

pub(crate) async fn document(hub: &TestHub) -> Value {
    let resp = hub
        .client
        .get(format!("{}/openapi.json", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    serde_json::from_str(&text).expect("the document is JSON")
}

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(*m).is_some() {
                out.insert((m.to_string(), path.clone()));
            }
        }
    }
    out
}

#[actix_rt::test]
async fn openapi_document_is_3_1_and_lists_every_route() {
    let hub = TestHub::start(TestConfig::default()).await;
    let doc = document(&hub).await;
    let version = doc["openapi"].as_str().expect("`openapi` is a string");
    assert!(version.starts_with("3.1"), "{version}");
    assert_eq!(doc["info"]["title"], "Switchboard");

    let expected: BTreeSet<_> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let documented = operations(&doc);
    let missing: Vec<_> = expected.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the document: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "documented routes this test does not know: {extra:?}"
    );

    // Each event type's schema is a component, exactly as served.
    for t in [
        "call.started",
        "call.completed",
        "lead.captured",
        "booking.created",
        "transfer.requested",
        "voicemail.left",
    ] {
        let (s, served) = hub.admin_get(&format!("/v1/schemas/{t}")).await;
        assert_eq!(s, 200);
        assert_eq!(doc["components"]["schemas"][t], served, "{t}");
    }
    let mut body =
        &doc["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    if let Some(r) = body["$ref"].as_str() {
        body = &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")];
    }
    let refs: Vec<_> = body["oneOf"]
        .as_array()
        .expect("the ingest body is one of the event schemas")
        .iter()
        .map(|r| r["$ref"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(refs.len(), 6);
    assert!(refs.contains(&"#/components/schemas/lead.captured".to_owned()));
    assert_eq!(
        doc["paths"]["/v1/deliveries"]["get"]["security"][0]["admin_token"],
        json!([])
    );
    hub.stop().await;
}

/// The other direction: every documented operation is really served (the
/// fallback answers `no such route` for anything not mounted).
#[actix_rt::test]
async fn every_documented_route_is_served() {
    let hub = TestHub::start(TestConfig::default()).await;
    let doc = document(&hub).await;
    for (method, path) in operations(&doc) {
        let concrete = path
            .replace("{type}", "lead.captured")
            .replace("{id}", "nothing_here")
            .replace("{name}", "nothing_here");
        let url = format!("{}{concrete}", hub.url);
        let req = match method.as_str() {
            "get" => hub.client.get(&url),
            "post" => hub.client.post(&url).json(&json!({})),
            "patch" => hub.client.patch(&url).json(&json!({})),
            "delete" => hub.client.delete(&url),
            "put" => hub.client.put(&url).json(&json!({})),
            other => panic!("unexpected method {other}"),
        };
        let token = if path == "/v1/events" || path.ends_with("/invoke") {
            INGEST
        } else {
            ADMIN
        };
        let resp = req.bearer_auth(token).send().await.unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(
            !(status == 404 && body["error"]["message"] == "no such route"),
            "{method} {path} is documented but not served"
        );
        assert_ne!(status, 405, "{method} {path}");
    }
    hub.stop().await;
}

/// Validates `instance` against the schema the document gives `method path`
/// for `status`, resolving `$ref`s within the document.
pub(crate) fn check(doc: &Value, method: &str, path: &str, status: u16, instance: &Value) {
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"];
    assert!(schema.is_object(), "no schema for {method} {path} {status}");
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&root).expect("the document's schemas compile");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} answered {instance}, which does not match its schema: {errors:?}"
    );
}

#[actix_rt::test]
async fn real_answers_match_the_documented_schemas() {
    let rx = Receiver::start();
    let crm = TestConnector::webhook("crm", &format!("{}/crm", rx.url)).set(
        "rate_limit",
        serde_json::json!({"per_second": 50, "burst": 10}),
    );
    let hub = TestHub::start(TestConfig::default().connector(crm)).await;
    let doc = document(&hub).await;
    // Each connector shows its pacing: the rate limit and any pause.
    let status = &doc["components"]["schemas"]["ConnectorStatus"];
    assert!(
        status["required"]
            .as_array()
            .unwrap()
            .contains(&json!("pacing")),
        "{status}"
    );
    let (_, list) = hub.admin_get("/v1/connectors").await;
    let pacing = &list["data"][0]["pacing"];
    assert_eq!(
        pacing["rate_limit"],
        json!({"per_second": 50.0, "burst": 10})
    );
    assert_eq!(pacing["paused_until"], Value::Null);
    let event = fresh_event("lead.captured");
    let (s, accepted) = hub.post_event(&event).await;
    assert_eq!(s, 202);
    check(&doc, "post", "/v1/events", 202, &accepted);
    let (s, bad) = hub
        .post_event(&json!({"type": "lead.captured", "data": {}}))
        .await;
    assert_eq!(s, 422);
    check(&doc, "post", "/v1/events", 422, &bad);

    let id = event["id"].as_str().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), async || {
            hub.deliveries_of(id)
                .await
                .first()
                .is_some_and(|d| d["status"] == "succeeded")
        })
        .await
    );
    let dlv = hub.deliveries_of(id).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (path, concrete) in [
        ("/v1/connectors", "/v1/connectors".to_owned()),
        ("/v1/deliveries", format!("/v1/deliveries?event_id={id}")),
        ("/v1/deliveries/{id}", format!("/v1/deliveries/{dlv}")),
        ("/v1/events/{id}", format!("/v1/events/{id}")),
        ("/v1/functions", "/v1/functions".to_owned()),
        ("/healthz", "/healthz".to_owned()),
        ("/readyz", "/readyz".to_owned()),
    ] {
        let (s, body) = hub.admin_get(&concrete).await;
        assert_eq!(s, 200, "{concrete}: {body}");
        check(&doc, "get", path, 200, &body);
    }
    // Runtime endpoints: create (secret in full), list, rotate, test-fire.
    let (s, created) = hub
        .admin_post(
            "/v1/endpoints",
            json!({"url": format!("{}/ep", rx.url), "events": ["lead.captured"]}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    check(&doc, "post", "/v1/endpoints", 201, &created);
    let ep = created["id"].as_str().unwrap();
    let (s, list) = hub.admin_get("/v1/endpoints").await;
    assert_eq!(s, 200);
    check(&doc, "get", "/v1/endpoints", 200, &list);
    let (s, one) = hub.admin_get(&format!("/v1/endpoints/{ep}")).await;
    assert_eq!(s, 200, "{one}");
    assert!(one["health"].is_object(), "{one}");
    check(&doc, "get", "/v1/endpoints/{id}", 200, &one);
    let (s, rotated) = hub
        .admin_post(&format!("/v1/endpoints/{ep}/rotate-secret"), json!({}))
        .await;
    assert_eq!(s, 200, "{rotated}");
    check(
        &doc,
        "post",
        "/v1/endpoints/{id}/rotate-secret",
        200,
        &rotated,
    );
    let (s, fired) = hub
        .admin_post(
            &format!("/v1/endpoints/{ep}/test"),
            json!({"event_type": "lead.captured"}),
        )
        .await;
    assert_eq!(s, 202, "{fired}");
    check(&doc, "post", "/v1/endpoints/{id}/test", 202, &fired);
    let (s, fired) = hub
        .admin_post(
            "/v1/connectors/crm/test",
            json!({"event_type": "call.started"}),
        )
        .await;
    assert_eq!(s, 202, "{fired}");
    check(&doc, "post", "/v1/connectors/{name}/test", 202, &fired);

    // Disable and re-enable the configured connector.
    for enabled in [false, true] {
        let (s, changed) = hub
            .admin_send(
                reqwest::Method::PATCH,
                "/v1/connectors/crm",
                Some(json!({ "enabled": enabled })),
            )
            .await;
        assert_eq!(s, 200, "{changed}");
        check(&doc, "patch", "/v1/connectors/{name}", 200, &changed);
    }
    let (s, unknown) = hub
        .admin_send(
            reqwest::Method::PATCH,
            "/v1/connectors/nope",
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(s, 404, "{unknown}");
    check(&doc, "patch", "/v1/connectors/{name}", 404, &unknown);

    let (s, missing) = hub.admin_get("/v1/deliveries/dlv_missing").await;
    assert_eq!(s, 404);
    check(&doc, "get", "/v1/deliveries/{id}", 404, &missing);
    let (s, replayed) = hub
        .admin_post(&format!("/v1/deliveries/{dlv}/replay"), json!({}))
        .await;
    assert_eq!(s, 202);
    check(&doc, "post", "/v1/deliveries/{id}/replay", 202, &replayed);
    hub.stop().await;
}

/// A connector's `kind` is an enum of exactly the kinds this build registers,
/// so a generated client knows `jsm` and never offers the retired `opsgenie`.
#[actix_rt::test]
async fn connector_kinds_are_the_registered_ones() {
    let hub = TestHub::start(TestConfig::default()).await;
    let doc = document(&hub).await;
    let kinds: BTreeSet<&str> = doc
        .pointer("/components/schemas/ConnectorStatus/properties/kind/enum")
        .and_then(Value::as_array)
        .expect("`kind` has an enum")
        .iter()
        .map(|k| k.as_str().expect("kinds are strings"))
        .collect();
    let registered: BTreeSet<&str> = switchboard::registry::registry()
        .kinds()
        .into_iter()
        .collect();
    assert_eq!(kinds, registered);
    assert!(
        kinds.contains("webhook") && kinds.contains("jsm"),
        "{kinds:?}"
    );
    assert!(!kinds.contains("opsgenie"), "{kinds:?}");
}
