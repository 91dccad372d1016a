//! Account tokens: issued once, listed without the secret, confined to their
//! account on every admin route of the OpenAPI document (another account's
//! ids answer 404, naming another account 403, never its data), unable to
//! ingest or manage accounts, and revoked at once on every node.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::storage::support::pg;
use crate::support::{
    fresh_event, wait_until, Receiver, TestConfig, TestConnector, TestHub, ADMIN,
};

/// Only bravo's data carries this; a response holding it leaked.
const BRAVO_MARK: &str = "+15550107777";

/// acme with `crm`; bravo with `crm`, `books` and a function `lookup`.
fn config(acme: &Receiver, bravo: &Receiver) -> TestConfig {
    TestConfig::default()
        .server("metrics_require_token", true)
        .connector(TestConnector::hook("crm", &acme.url).set("account", "acme"))
        .connector(TestConnector::hook("crm", &bravo.url).set("account", "bravo"))
        .connector(TestConnector::hook("books", &bravo.url).set("account", "bravo"))
        .function(json!({
            "name": "lookup",
            "account": "bravo",
            "url": format!("{}/fn", bravo.url),
            "secret": switchboard_core::signing::SigningKey::generate(),
        }))
}

/// A request with `token` as the bearer; the status and the body's text.
async fn call(
    hub: &TestHub,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut req = hub
        .client
        .request(method, format!("{}{path}", hub.url))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn issue(hub: &TestHub, account: &str) -> (String, String) {
    let (status, t) = hub
        .admin_post(
            &format!("/v1/accounts/{account}/tokens"),
            json!({"name": "zapier"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let token = t["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("sbk_"), "{t}");
    (t["id"].as_str().unwrap().to_owned(), token)
}

/// Bravo's ids: an event, its delivery, an endpoint.
struct Theirs {
    event: String,
    call: String,
    delivery: String,
    endpoint: String,
}

async fn bravo_data(hub: &TestHub, bravo: &Receiver) -> Theirs {
    let mut ev = fresh_event("lead.captured");
    ev["account"] = "bravo".into();
    ev["data"]["lead"]["phone"] = BRAVO_MARK.into();
    let (status, body) = hub.post_event(&ev).await;
    assert_eq!((status, &body["deliveries"]), (202, &json!(2)), "{body}");
    assert!(wait_until(Duration::from_secs(5), async || bravo.count() >= 2).await);
    let event = ev["id"].as_str().unwrap().to_owned();
    let call = ev["data"]["call_id"].as_str().unwrap().to_owned();
    let (_, page) = hub
        .admin_get(&format!("/v1/deliveries?account=bravo&event_id={event}"))
        .await;
    let delivery = page["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, ep) = hub
        .admin_post(
            "/v1/endpoints?account=bravo",
            json!({"url": format!("{}/ep", bravo.url)}),
        )
        .await;
    assert_eq!(status, 201, "{ep}");
    let endpoint = ep["id"].as_str().unwrap().to_owned();
    Theirs {
        event,
        call,
        delivery,
        endpoint,
    }
}

/// The path with every parameter replaced by bravo's id of its kind.
fn with_their_ids(path: &str, theirs: &Theirs) -> String {
    let id = if path.starts_with("/v1/events/") {
        &theirs.event
    } else if path.starts_with("/v1/deliveries/") {
        &theirs.delivery
    } else {
        &theirs.endpoint
    };
    path.replace("{id}", id)
        .replace("{call_id}", &theirs.call)
        .replace(
            "{name}",
            if path.contains("functions") {
                "lookup"
            } else {
                "books"
            },
        )
}

/// A body the route accepts, so the answer is about the account, not the body.
fn body_for(method: &Method, path: &str) -> Option<Value> {
    if path.ends_with("/test") {
        Some(json!({"event_type": "lead.captured"}))
    } else if method == Method::PATCH {
        Some(json!({"enabled": true}))
    } else if path == "/v1/replay" {
        Some(json!({"since": "2020-01-01T00:00:00Z"}))
    } else if path == "/v1/erasure" {
        Some(json!({"phone": BRAVO_MARK}))
    } else if path == "/v1/endpoints" && method == Method::POST {
        Some(json!({"url": "http://127.0.0.1:9/hook"}))
    } else {
        None
    }
}

/// Every operation the document says an account token may call.
async fn account_token_routes(hub: &TestHub) -> Vec<(Method, String)> {
    let doc: Value = hub
        .client
        .get(format!("{}/openapi.json", hub.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let takes = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|a| a.get("account_token").is_some()));
            if takes {
                routes.push((method.to_uppercase().parse().unwrap(), path.clone()));
            }
        }
    }
    routes
}

#[actix_rt::test]
async fn an_account_token_sees_only_its_account_on_every_admin_route() {
    let (acme, bravo) = (Receiver::start(), Receiver::start());
    let hub = TestHub::start(config(&acme, &bravo)).await;
    let theirs = bravo_data(&hub, &bravo).await;
    let (_, token) = issue(&hub, "acme").await;

    let routes = account_token_routes(&hub).await;
    assert!(routes.len() >= 15, "{routes:?}");
    for (method, path) in &routes {
        let concrete = with_their_ids(path, &theirs);
        let sep = if concrete.contains('?') { '&' } else { '?' };
        let body = body_for(method, path);
        let named = format!("{concrete}{sep}account=bravo");
        let (status, text) = call(&hub, &token, method.clone(), &named, body.clone()).await;
        assert_eq!(status, 403, "{method} {named}: {text}");
        if path.contains('{') {
            let (status, text) = call(&hub, &token, method.clone(), &concrete, body).await;
            assert_eq!(status, 404, "{method} {concrete}: {text}");
            assert!(!text.contains(BRAVO_MARK), "{method} {concrete}: {text}");
        }
    }
    // Its own account's lists answer, and hold none of bravo's data.
    for path in [
        "/v1/deliveries",
        "/v1/connectors",
        "/v1/endpoints",
        "/v1/functions",
    ] {
        let (status, text) = call(&hub, &token, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {text}");
        assert!(
            !text.contains(&theirs.delivery) && !text.contains("books"),
            "{text}"
        );
        assert!(
            !text.contains(&theirs.endpoint) && !text.contains("lookup"),
            "{text}"
        );
    }
    let (status, text) = call(
        &hub,
        &token,
        Method::GET,
        "/v1/connectors?account=acme",
        None,
    )
    .await;
    assert_eq!(status, 200, "naming its own account is fine: {text}");

    // It cannot ingest, manage accounts, or read metrics.
    let (status, _) = call(
        &hub,
        &token,
        Method::POST,
        "/v1/events",
        Some(fresh_event("call.started")),
    )
    .await;
    assert_eq!(status, 401);
    for (method, path) in [
        (Method::GET, "/v1/accounts"),
        (Method::GET, "/v1/accounts/acme"),
        (Method::POST, "/v1/accounts/acme/tokens"),
        (Method::GET, "/v1/accounts/acme/tokens"),
        (Method::DELETE, "/v1/accounts/bravo"),
    ] {
        let (status, text) = call(&hub, &token, method, path, None).await;
        assert_eq!(status, 403, "{path}: {text}");
    }
    let (status, _) = call(&hub, &token, Method::GET, "/metrics", None).await;
    assert_eq!(status, 401, "/metrics refuses an account token");
    hub.stop().await;
}

#[actix_rt::test]
async fn tokens_are_listed_without_their_secret() {
    let hub = TestHub::start(TestConfig::default()).await;
    let (id, token) = issue(&hub, "acme").await;
    let (status, list) = hub.admin_get("/v1/accounts/acme/tokens").await;
    assert_eq!(status, 200);
    assert_eq!(list["data"][0]["id"], id.as_str(), "{list}");
    assert_eq!(list["data"][0]["name"], "zapier");
    let secret = token.rsplit('_').next().unwrap();
    assert!(!list.to_string().contains(secret), "{list}");
    let (_, other) = hub.admin_get("/v1/accounts/bravo/tokens").await;
    assert_eq!(other["data"], json!([]));
    let (status, _) = hub
        .admin_send(
            Method::DELETE,
            &format!("/v1/accounts/bravo/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 404, "another account's token is not found");
    let wrong = format!("{}x", &token[..token.len() - 1]);
    let (status, _) = call(&hub, &wrong, Method::GET, "/v1/deliveries", None).await;
    assert_eq!(status, 401, "a token with a wrong secret");
    hub.stop().await;
}

#[actix_rt::test]
async fn revocation_holds_at_once_on_both_postgres_nodes() {
    let Some(pg) = pg("accounts_revocation").await else {
        return;
    };
    let node = |id: &str| TestConfig::default().storage_url(&pg.url).node(id);
    let a = TestHub::start(node("a")).await;
    let b = TestHub::start(node("b")).await;
    let (id, token) = issue(&a, "acme").await;
    for hub in [&a, &b] {
        let (status, text) = call(hub, &token, Method::GET, "/v1/deliveries", None).await;
        assert_eq!(status, 200, "{text}");
    }
    let (status, _) = b
        .admin_send(
            Method::DELETE,
            &format!("/v1/accounts/acme/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    for hub in [&a, &b] {
        let (status, text) = call(hub, &token, Method::GET, "/v1/deliveries", None).await;
        assert_eq!(status, 401, "revoked, yet {text}");
    }
    let (status, _) = call(&a, ADMIN, Method::GET, "/v1/deliveries", None).await;
    assert_eq!(status, 200, "the admin token is untouched");
    a.stop().await;
    b.stop().await;
    pg.drop().await;
}
