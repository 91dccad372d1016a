//! Accounts (DESIGN.md section 15): two businesses on one hub, with the same
//! event ids and the same connector names, each receiving only its own
//! deliveries; the admin token acting on `?account=`; on SQLite and on
//! PostgreSQL with two nodes.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::storage::support::pg;
use crate::support::{fresh_event, wait_until, Receiver, TestConfig, TestConnector, TestHub};

/// A `crm` connector in each of two accounts, each to its own receiver.
fn two_accounts(acme: &Receiver, bravo: &Receiver) -> TestConfig {
    TestConfig::default()
        .connector(TestConnector::hook("crm", &acme.url).set("account", "acme"))
        .connector(TestConnector::hook("crm", &bravo.url).set("account", "bravo"))
}

/// A lead of `account` with the given id.
fn lead(account: &str, id: &str) -> Value {
    let mut ev = fresh_event("lead.captured");
    ev["id"] = id.into();
    ev["account"] = account.into();
    ev
}

/// Waits until `rx` has `n` requests, then a little longer for any extra.
async fn settle(rx: &Receiver, n: usize) {
    assert!(
        wait_until(Duration::from_secs(5), async || rx.count() >= n).await,
        "{} of {n} requests arrived",
        rx.count()
    );
    actix_rt::time::sleep(Duration::from_millis(200)).await;
}

/// The one delivery of an event in an account, through the admin API of `hub`.
async fn only_delivery(hub: &TestHub, account: &str, event: &str) -> Value {
    let (status, page) = hub
        .admin_get(&format!(
            "/v1/deliveries?account={account}&event_id={event}"
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{account}: {page}");
    data[0].clone()
}

/// The same event id posted to two accounts (through `a` and `b`, which may
/// be one hub or two nodes) is two events, each delivered only to its own
/// account's `crm`, and each account's admin view holds only its own.
async fn same_ids_stay_apart(a: &TestHub, b: &TestHub, acme: &Receiver, bravo: &Receiver) {
    let id = switchboard_core::ids::event_id();
    let (status, body) = a.post_event(&lead("acme", &id)).await;
    assert_eq!((status, &body["deliveries"]), (202, &json!(1)), "{body}");
    let (status, body) = b.post_event(&lead("bravo", &id)).await;
    assert_eq!(
        (status, &body["deliveries"]),
        (202, &json!(1)),
        "idempotency is per account: {body}"
    );
    let (status, _) = b.post_event(&lead("acme", &id)).await;
    assert_eq!(status, 200, "a re-post within one account creates nothing");

    settle(acme, 1).await;
    settle(bravo, 1).await;
    for (rx, account) in [(acme, "acme"), (bravo, "bravo")] {
        let got = rx.received();
        assert_eq!(got.len(), 1, "{account} got another account's event");
        let envelope = got[0].json();
        assert_eq!(envelope["id"], id.as_str());
        assert_eq!(envelope["account"], account, "delivered as ingested");
    }

    let acme_dlv = only_delivery(b, "acme", &id).await;
    let bravo_dlv = only_delivery(a, "bravo", &id).await;
    assert_eq!(acme_dlv["connector"], "crm", "{acme_dlv}");
    assert_ne!(acme_dlv["id"], bravo_dlv["id"]);
    let (_, default) = a.admin_get(&format!("/v1/deliveries?event_id={id}")).await;
    assert_eq!(default["data"], json!([]), "the default account has none");

    let (status, event) = a.admin_get(&format!("/v1/events/{id}?account=bravo")).await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["envelope"]["account"], "bravo");
    assert_eq!(event["deliveries"].as_array().unwrap().len(), 1);
    let (status, _) = a.admin_get(&format!("/v1/events/{id}")).await;
    assert_eq!(status, 404, "another account's event reads as unknown");

    // Another account's delivery id is unknown to every route.
    let dlv = acme_dlv["id"].as_str().unwrap();
    for (method, path) in [
        (Method::GET, format!("/v1/deliveries/{dlv}?account=bravo")),
        (
            Method::POST,
            format!("/v1/deliveries/{dlv}/replay?account=bravo"),
        ),
        (
            Method::POST,
            format!("/v1/events/{id}/replay?account=default"),
        ),
    ] {
        let (status, body) = b.admin_send(method, &path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, shown) = b
        .admin_get(&format!("/v1/deliveries/{dlv}?account=acme"))
        .await;
    assert_eq!((status, &shown["id"]), (200, &json!(dlv)));

    let (_, connectors) = a.admin_get("/v1/connectors?account=acme").await;
    let names: Vec<_> = connectors["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("crm")], "{connectors}");
    let (_, connectors) = a.admin_get("/v1/connectors").await;
    assert_eq!(
        connectors["data"],
        json!([]),
        "the default account has none"
    );
}

#[actix_rt::test]
async fn accounts_with_the_same_ids_receive_only_their_own_on_sqlite() {
    let (acme, bravo) = (Receiver::start(), Receiver::start());
    let hub = TestHub::start(two_accounts(&acme, &bravo)).await;
    same_ids_stay_apart(&hub, &hub, &acme, &bravo).await;
    hub.stop().await;
}

#[actix_rt::test]
async fn accounts_with_the_same_ids_receive_only_their_own_on_two_postgres_nodes() {
    let Some(pg) = pg("accounts_two_nodes").await else {
        return;
    };
    let (acme, bravo) = (Receiver::start(), Receiver::start());
    let config = || two_accounts(&acme, &bravo).storage_url(&pg.url);
    let a = TestHub::start(config().node("a")).await;
    let b = TestHub::start(config().node("b")).await;
    same_ids_stay_apart(&a, &b, &acme, &bravo).await;
    runtime_endpoints_stay_in_their_account(&a, &b, 1).await;
    a.stop().await;
    b.stop().await;
    pg.drop().await;
}

#[actix_rt::test]
async fn a_malformed_account_is_refused_naming_it() {
    let hub = TestHub::start(TestConfig::default()).await;
    for bad in [json!("a b"), json!(""), json!(7), json!("x".repeat(65))] {
        let mut ev = fresh_event("call.started");
        ev["account"] = bad.clone();
        let (status, body) = hub.post_event(&ev).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["error"]["path"], "/account", "{body}");
        let id = ev["id"].as_str().unwrap();
        let (status, _) = hub.admin_get(&format!("/v1/events/{id}")).await;
        assert_eq!(status, 404, "nothing is stored for a refused event");
    }
    let (status, body) = hub.admin_get("/v1/deliveries?account=a%20b").await;
    assert_eq!(status, 400, "{body}");
    hub.stop().await;
}

#[actix_rt::test]
async fn runtime_endpoints_belong_to_the_account_they_were_made_in_on_sqlite() {
    let hub = TestHub::start(TestConfig::default()).await;
    runtime_endpoints_stay_in_their_account(&hub, &hub, 0).await;
    hub.stop().await;
}

/// An endpoint made in `acme` through `a` receives acme's events posted to
/// `b` and no one else's, and is unknown to every endpoint route of another
/// account. acme and bravo have `configured` connectors each (taking every
/// type), the default account none.
async fn runtime_endpoints_stay_in_their_account(a: &TestHub, b: &TestHub, configured: u64) {
    let rx = Receiver::start();
    let (status, ep) = a
        .admin_post(
            "/v1/endpoints?account=acme",
            json!({"url": format!("{}/zap", rx.url)}),
        )
        .await;
    assert_eq!(status, 201, "{ep}");
    let id = ep["id"].as_str().unwrap().to_owned();

    let picked_up = wait_until(Duration::from_secs(5), async || {
        let mut ev = fresh_event("call.started");
        ev["account"] = "acme".into();
        b.post_event(&ev).await.1["deliveries"] == configured + 1
    })
    .await;
    assert!(picked_up, "acme's events never reached its endpoint");
    settle(&rx, 1).await;
    let before = rx.count();
    let mut other = fresh_event("call.started");
    other["account"] = "bravo".into();
    let (status, body) = b.post_event(&other).await;
    assert_eq!(
        (status, &body["deliveries"]),
        (202, &json!(configured)),
        "{body}"
    );
    let (status, body) = b.post_event(&fresh_event("call.started")).await;
    assert_eq!((status, &body["deliveries"]), (202, &json!(0)), "{body}");
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rx.count(),
        before,
        "another account's event reached the endpoint"
    );
    assert!(rx.received().iter().all(|r| r.json()["account"] == "acme"));

    let (_, list) = b.admin_get("/v1/endpoints?account=bravo").await;
    assert_eq!(list["data"], json!([]), "{list}");
    let (_, list) = b.admin_get("/v1/endpoints?account=acme").await;
    assert_eq!(list["data"][0]["id"], id.as_str(), "{list}");
    for (method, path, body) in [
        (Method::GET, format!("/v1/endpoints/{id}"), None),
        (
            Method::PATCH,
            format!("/v1/endpoints/{id}?account=bravo"),
            Some(json!({"enabled": false})),
        ),
        (
            Method::POST,
            format!("/v1/endpoints/{id}/rotate-secret?account=bravo"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/endpoints/{id}/test?account=bravo"),
            Some(json!({"event_type": "call.started"})),
        ),
        (
            Method::DELETE,
            format!("/v1/endpoints/{id}?account=bravo"),
            None,
        ),
    ] {
        let (status, answer) = b.admin_send(method, &path, body).await;
        assert_eq!(status, 404, "{path}: {answer}");
    }
    let (status, _) = a
        .admin_send(
            Method::DELETE,
            &format!("/v1/endpoints/{id}?account=acme"),
            None,
        )
        .await;
    assert_eq!(status, 204);
}

#[test]
fn names_are_unique_per_account_and_the_example_config_checks() {
    let twice = |second: &str| {
        TestConfig::default()
            .connector(TestConnector::webhook("crm", "https://a.example/h").set("account", "acme"))
            .connector(TestConnector::webhook("crm", "https://b.example/h").set("account", second))
            .load()
    };
    assert!(twice("bravo").is_ok(), "one name in two accounts");
    let err = twice("acme").unwrap_err().to_string();
    assert!(err.contains("used twice"), "{err}");
    let bad = TestConfig::default()
        .connector(TestConnector::webhook("crm", "https://a.example/h").set("account", "a b"))
        .load();
    assert!(bad.is_err(), "a malformed account in the file");

    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/accounts.toml");
    let key = switchboard_core::signing::SigningKey::generate();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["check", "--config", example])
        .env("SWITCHBOARD_INGEST_TOKEN", "i")
        .env("SWITCHBOARD_ADMIN_TOKEN", "a")
        .env("OPS_WEBHOOK_SECRET", &key)
        .env("ACME_WEBHOOK_SECRET", &key)
        .env("BRIGHT_DENTAL_HUBSPOT_TOKEN", "pat-na1-x")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
