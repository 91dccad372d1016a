//! Function calls end to end: a real hub and a real loopback endpoint that
//! verifies every request with the reference `standardwebhooks` crate.

use std::{
    net::TcpListener,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use switchboard::registry::registry;
use switchboard_core::{hub::Hub, signing::SigningKey};

use crate::support::TestConfig;

/// What the endpoint saw: (path, verified by standardwebhooks, event header, body).
type Seen = Arc<Mutex<Vec<(String, bool, String, Value)>>>;

struct Endpoint {
    base: String,
    secret: String,
    seen: Seen,
}

async fn answer(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<(String, Seen)>,
) -> HttpResponse {
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in req.headers() {
        headers.insert(
            reqwest::header::HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(),
            reqwest::header::HeaderValue::from_bytes(v.as_bytes()).unwrap(),
        );
    }
    let verified = standardwebhooks::Webhook::new(&state.0)
        .unwrap()
        .verify(&body, &headers)
        .is_ok();
    let event = headers
        .get("x-oncallclerk-event")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = req.path().to_owned();
    state
        .1
        .lock()
        .unwrap()
        .push((path.clone(), verified, event, payload.clone()));
    if !verified {
        return HttpResponse::Unauthorized().finish();
    }
    let args = &payload["arguments"];
    match path.as_str() {
        "/availability" => HttpResponse::Ok().json(json!({
            "available": true,
            "date": args["date"],
            "slots": ["09:00", "13:30"],
        })),
        "/echo" => HttpResponse::Ok().json(json!({
            "doubled": args["n"].as_i64().unwrap() * 2,
            "call_id": payload["call_id"],
        })),
        "/slow" => {
            actix_rt::time::sleep(Duration::from_secs(2)).await;
            HttpResponse::Ok().json(json!({"late": true}))
        }
        "/status500" => HttpResponse::InternalServerError().body("database down"),
        "/notjson" => HttpResponse::Ok()
            .content_type("text/plain")
            .body("sure thing"),
        "/badresult" => HttpResponse::Ok().json(json!({"available": "maybe"})),
        _ => HttpResponse::NotFound().finish(),
    }
}

fn start_endpoint() -> Endpoint {
    let secret = SigningKey::generate();
    let seen: Seen = Arc::default();
    let state = web::Data::new((secret.clone(), seen.clone()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .default_service(web::to(answer))
    })
    .workers(2)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);
    Endpoint { base, secret, seen }
}

/// The `check_availability` arguments' schema (and, for `wrong_result`, the result's).
fn availability() -> Value {
    json!({
        "parameters": {
            "type": "object",
            "required": ["date", "postcode"],
            "additionalProperties": false,
            "properties": {
                "date": {"type": "string", "format": "date"},
                "postcode": {"type": "string"}
            }
        },
        "result": {
            "type": "object",
            "required": ["available"],
            "properties": {"available": {"type": "boolean"}}
        }
    })
}

struct TestHub {
    url: String,
    client: reqwest::Client,
    _running: switchboard_core::hub::RunningHub,
    _dir: tempfile::TempDir,
}

async fn start_hub(ep: &Endpoint) -> TestHub {
    let dir = tempfile::tempdir().unwrap();
    let function = |name: &str, path: &str, extra: Value| {
        let mut f = json!({
            "name": name,
            "description": format!("test {name}"),
            "url": format!("{}{path}", ep.base),
            "secret": ep.secret,
        });
        f.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        f
    };
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = TestConfig::bare()
        .server("ingest_token", "it-ingest")
        .server("admin_token", "it-admin")
        .database(&dir.path().join("hub.db"))
        .delivery("allow_private_targets", true)
        .function(function(
            "check_availability",
            "/availability",
            availability(),
        ))
        .function(function("echo", "/echo", json!({})))
        .function(function("slow", "/slow", json!({"timeout": "200ms"})))
        .function(function("broken", "/status500", json!({})))
        .function(function("chatty", "/notjson", json!({})))
        .function(function("wrong_result", "/badresult", availability()))
        .function(json!({
            "name": "gone",
            "url": format!("http://{closed}/x"),
            "secret": ep.secret,
        }))
        .build();
    let hub = Hub::start(&config, &registry()).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let running = hub.serve(listener, false).unwrap();
    TestHub {
        url,
        client: reqwest::Client::new(),
        _running: running,
        _dir: dir,
    }
}

impl TestHub {
    async fn invoke(&self, name: &str, body: Value) -> (u16, Value) {
        let resp = self
            .client
            .post(format!("{}/v1/functions/{name}/invoke", self.url))
            .bearer_auth("it-ingest")
            .json(&body)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    async fn admin(&self, path: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(format!("{}{path}", self.url))
            .bearer_auth("it-admin")
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }
}

fn args(date: Value) -> Value {
    json!({"call_id": "call_1", "arguments": {"date": date, "postcode": "SW1A 1AA"}})
}

#[actix_rt::test]
async fn arguments_are_validated_and_the_signed_call_answers() {
    let ep = start_endpoint();
    let hub = start_hub(&ep).await;

    let (status, body) = hub
        .invoke("check_availability", args(json!("2026-03-02")))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"result": {"available": true, "date": "2026-03-02", "slots": ["09:00", "13:30"]}})
    );
    let seen = ep.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (path, verified, event, payload) = &seen[0];
    assert_eq!(path, "/availability");
    assert!(verified, "standardwebhooks must verify the request");
    assert_eq!(event, "function.invoked");
    assert_eq!(
        payload,
        &json!({"function": "check_availability", "call_id": "call_1",
                "arguments": {"date": "2026-03-02", "postcode": "SW1A 1AA"}})
    );

    let missing = json!({"call_id": "call_1", "arguments": {"postcode": "SW1A 1AA"}});
    let (status, body) = hub.invoke("check_availability", missing).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_arguments");
    assert_eq!(body["error"]["path"], "/arguments/date");

    let (status, body) = hub
        .invoke("check_availability", args(json!(20260302)))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["path"], "/arguments/date");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("string"),
        "{body}"
    );

    let (status, body) = hub
        .invoke("check_availability", args(json!("next tuesday")))
        .await;
    assert_eq!(
        (status, body["error"]["path"].as_str()),
        (422, Some("/arguments/date"))
    );

    let (status, body) = hub
        .invoke("check_availability", json!({"arguments": {}}))
        .await;
    assert_eq!(
        (status, body["error"]["path"].as_str()),
        (422, Some("/call_id"))
    );

    let (status, body) = hub
        .invoke("no_such_function", args(json!("2026-03-02")))
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("check_availability"));

    let resp = hub
        .client
        .post(format!("{}/v1/functions/echo/invoke", hub.url))
        .bearer_auth("it-admin")
        .json(&json!({"call_id": "c", "arguments": {"n": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        401,
        "the admin token does not grant invoke"
    );
    assert_eq!(
        ep.seen.lock().unwrap().len(),
        1,
        "rejected calls never reach the endpoint"
    );
}

#[actix_rt::test]
async fn upstream_failures_map_to_502_and_504() {
    let ep = start_endpoint();
    let hub = start_hub(&ep).await;
    let call = json!({"call_id": "call_2", "arguments": {}});

    let started = Instant::now();
    let (status, body) = hub.invoke("slow", call.clone()).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "upstream_timeout");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("200ms"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered at the timeout, not after the endpoint"
    );

    let (status, body) = hub.invoke("broken", call.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (502, Some("upstream_status"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("HTTP 500"),
        "{body}"
    );

    let (status, body) = hub.invoke("chatty", call.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (502, Some("upstream_not_json"))
    );

    let (status, body) = hub.invoke("wrong_result", args(json!("2026-03-02"))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (502, Some("result_invalid"))
    );
    assert_eq!(body["error"]["path"], "/result/available");

    let (status, body) = hub.invoke("gone", call.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (502, Some("upstream_unreachable"))
    );

    let log = wait_for_log(&hub, "gone", 1).await;
    assert_eq!(log[0]["outcome"], "unreachable");
    assert_eq!(
        log[0]["attempts"], 2,
        "one quick retry on connection failure"
    );
    let log = wait_for_log(&hub, "broken", 1).await;
    assert_eq!(log[0]["upstream_status"], 500);
    assert_eq!(log[0]["response_excerpt"], "database down");
    let log = wait_for_log(&hub, "slow", 1).await;
    assert_eq!(
        (log[0]["outcome"].as_str(), log[0]["status_code"].as_u64()),
        (Some("timeout"), Some(504))
    );
}

#[actix_rt::test]
async fn hundred_parallel_invocations_are_answered_and_logged() {
    let ep = start_endpoint();
    let hub = start_hub(&ep).await;
    let calls = (0..100).map(|n| {
        let hub = &hub;
        async move {
            let (status, body) = hub
                .invoke(
                    "echo",
                    json!({"call_id": format!("call_{n}"), "arguments": {"n": n}}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(
                body,
                json!({"result": {"doubled": n * 2, "call_id": format!("call_{n}")}})
            );
        }
    });
    futures::future::join_all(calls).await;
    assert!(
        ep.seen.lock().unwrap().iter().all(|s| s.1),
        "every request verified"
    );

    let log = wait_for_log(&hub, "echo", 100).await;
    assert!(log
        .iter()
        .all(|r| r["outcome"] == "ok" && r["status_code"] == 200));
    let (_, one) = hub
        .admin("/v1/functions/echo/invocations?call_id=call_7")
        .await;
    let rows = one["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["arguments"], json!({"n": 7}));
    assert_eq!(
        rows[0]["result"],
        json!({"doubled": 14, "call_id": "call_7"})
    );
    assert!(rows[0]["duration_ms"].as_f64().unwrap() > 0.0);
    assert!(rows[0]["id"].as_str().unwrap().starts_with("inv_"));

    let (_, first) = hub.admin("/v1/functions/echo/invocations?limit=60").await;
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let (_, second) = hub
        .admin(&format!(
            "/v1/functions/echo/invocations?limit=60&cursor={cursor}"
        ))
        .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 40);
    assert!(second["next_cursor"].is_null());
}

#[actix_rt::test]
async fn admin_api_lists_functions_with_their_schemas() {
    let ep = start_endpoint();
    let hub = start_hub(&ep).await;
    let (status, list) = hub.admin("/v1/functions").await;
    assert_eq!(status, 200);
    let names: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "broken",
            "chatty",
            "check_availability",
            "echo",
            "gone",
            "slow",
            "wrong_result"
        ]
    );
    assert!(list["next_cursor"].is_null());
    let (status, f) = hub.admin("/v1/functions/check_availability").await;
    assert_eq!(status, 200);
    assert_eq!(f["parameters"]["required"], json!(["date", "postcode"]));
    assert_eq!(f["result"]["properties"]["available"]["type"], "boolean");
    assert_eq!(f["timeout_ms"], 3000);
    let (status, _) = hub.admin("/v1/functions/nope").await;
    assert_eq!(status, 404);
    let resp = hub
        .client
        .get(format!("{}/v1/functions", hub.url))
        .bearer_auth("it-ingest")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        401,
        "the ingest token does not grant admin"
    );
}

async fn wait_for_log(hub: &TestHub, function: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, page) = hub
            .admin(&format!("/v1/functions/{function}/invocations?limit=500"))
            .await;
        assert_eq!(status, 200, "{page}");
        let rows = page["data"].as_array().unwrap().clone();
        if rows.len() >= n {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "{function}: {} of {n} invocations logged",
            rows.len()
        );
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}
