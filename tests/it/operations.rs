//! Operational events and the failing-target lifecycle (DESIGN section 16),
//! end to end with compressed timings: on SQLite, and on two hub nodes
//! sharing one PostgreSQL schema (still one alert per transition).

use std::time::Duration;

use serde_json::{json, Value};

use crate::storage::support::pg;
use crate::support::{
    fresh_event, ms, wait_until, Received, Receiver, Reply, TestConfig, TestConnector, TestHub,
    SECRET,
};

/// The hub's own event types a request carried.
fn kind(r: &Received) -> String {
    r.header("x-oncallclerk-event").unwrap_or("").to_owned()
}

/// Requests of one type.
fn of_type(rx: &Receiver, t: &str) -> Vec<Received> {
    rx.received().into_iter().filter(|r| kind(r) == t).collect()
}

/// A target `crm` (one attempt at a time, subscribed to its own `failing`
/// type too, which it must never get) and the operator's receiver.
fn lifecycle_config(target: &Receiver, ops: &Receiver) -> TestConfig {
    TestConfig::default()
        .delivery("first_retry", ms(20))
        .delivery("warn_after", ms(300))
        .delivery("disable_after", ms(900))
        .delivery("probe_every", ms(300))
        .operations("url", format!("{}/ops", ops.url))
        .operations("secret", SECRET)
        .connector(
            TestConnector::hook("crm", &target.url)
                .set("concurrency", 1)
                .set("events", ["call.started", "switchboard.endpoint.failing"]),
        )
}

async fn connector(hub: &TestHub, name: &str) -> Value {
    let (_, list) = hub.admin_get("/v1/connectors").await;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

/// The scenario of issue 25 over one or two nodes (`nodes[i % n]` takes
/// the i-th post): fail for good, hold, recover through the probe.
async fn fails_for_good_then_comes_back(nodes: &[&TestHub], target: &Receiver, ops: &Receiver) {
    let hub = |i: usize| nodes[i % nodes.len()];
    target.set_default(Reply::Status(500, None));
    let first = fresh_event("call.started");
    assert_eq!(hub(0).post_event(&first).await.0, 202);

    let disabled = wait_until(Duration::from_secs(10), async || {
        !of_type(ops, "switchboard.endpoint.disabled").is_empty()
    })
    .await;
    assert!(
        disabled,
        "no disabled alert; ops got {:?}",
        ops.received().iter().map(kind).collect::<Vec<_>>()
    );
    let failing = of_type(ops, "switchboard.endpoint.failing");
    assert_eq!(failing.len(), 1, "one failing alert");
    let alert = failing[0].json();
    assert_eq!(
        alert["data"]["target"],
        json!({"kind": "webhook", "name": "crm"})
    );
    assert_eq!(alert["data"]["account"], "default");
    assert!(
        alert["data"]["last_error"]
            .as_str()
            .unwrap()
            .contains("500"),
        "{alert}"
    );
    assert!(failing[0].signed_by(SECRET));
    let off = of_type(ops, "switchboard.endpoint.disabled")[0].json();
    assert_eq!(off["data"]["reason"]["code"], "no_success", "{off}");

    // Events posted while it is disabled are held, never dropped.
    let mut held = vec![first];
    for i in 1..4 {
        let ev = fresh_event("call.started");
        assert_eq!(hub(i).post_event(&ev).await.0, 202);
        held.push(ev);
    }
    let ids: Vec<String> = held
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let all_held = wait_until(Duration::from_secs(5), async || {
        for id in &ids {
            if hub(0).deliveries_of(id).await[0]["status"] != "disabled" {
                return false;
            }
        }
        true
    })
    .await;
    assert!(all_held, "every delivery to the disabled target is held");
    let shown = connector(hub(0), "crm").await;
    assert_eq!(
        (&shown["state"], &shown["disabled_cause"], &shown["held"]),
        (&json!("disabled"), &json!("no_success"), &json!(4)),
        "{shown}"
    );

    // The target comes back: a probe re-enables it, the held events follow.
    let before = target.count();
    target.set_default(Reply::Status(200, None));
    let delivered = wait_until(Duration::from_secs(10), async || {
        target.received()[before..]
            .iter()
            .filter(|r| kind(r) == "call.started")
            .count()
            >= ids.len()
    })
    .await;
    assert!(delivered, "held events not sent after the target came back");
    let recovered = wait_until(Duration::from_secs(5), async || {
        !of_type(ops, "switchboard.endpoint.recovered").is_empty()
    })
    .await;
    assert!(recovered, "no recovered alert");
    // A few more checks' worth of time: nothing fires twice.
    actix_rt::time::sleep(ms(600)).await;
    let after: Vec<Received> = target.received()[before..].to_vec();
    assert_eq!(
        kind(&after[0]),
        "switchboard.probe",
        "the probe comes first"
    );
    assert!(after[0].signed_by(SECRET), "the probe is signed");
    let sent: Vec<String> = after
        .iter()
        .filter(|r| kind(r) != "switchboard.probe")
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(sent, ids, "every held event once, oldest first");
    for id in &ids {
        assert_eq!(hub(1).deliveries_of(id).await[0]["status"], "succeeded");
    }
    let types: Vec<String> = ops.received().iter().map(kind).collect();
    assert_eq!(
        types,
        [
            "switchboard.endpoint.failing",
            "switchboard.endpoint.disabled",
            "switchboard.endpoint.recovered"
        ],
        "one alert per transition"
    );
    assert!(
        target
            .received()
            .iter()
            .all(|r| !kind(r).starts_with("switchboard.endpoint")),
        "a target never gets alerts about itself"
    );
    assert_eq!(connector(hub(1), "crm").await["state"], "active");
}

#[actix_rt::test]
async fn a_target_that_fails_for_good_is_held_probed_and_recovered() {
    let (target, ops) = (Receiver::start(), Receiver::start());
    let hub = TestHub::start(lifecycle_config(&target, &ops)).await;
    fails_for_good_then_comes_back(&[&hub], &target, &ops).await;
    hub.stop().await;
}

#[actix_rt::test]
async fn two_postgres_nodes_alert_once_per_transition() {
    let Some(pg) = pg("ops_lifecycle").await else {
        return;
    };
    let (target, ops) = (Receiver::start(), Receiver::start());
    let config = |id: &str| {
        lifecycle_config(&target, &ops)
            .storage_url(&pg.url)
            .storage("poll_interval", ms(100))
            .node(id)
    };
    let a = TestHub::start(config("a")).await;
    let b = TestHub::start(config("b")).await;
    fails_for_good_then_comes_back(&[&a, &b], &target, &ops).await;
    a.stop().await;
    b.stop().await;
    pg.drop().await;
}

async fn exhausting(storage: Option<&str>) {
    let (target, ops) = (Receiver::start(), Receiver::start());
    target.set_default(Reply::Status(500, None));
    let mut config = TestConfig::default()
        .delivery("first_retry", ms(20))
        .delivery("retry_for", ms(200))
        .operations("url", format!("{}/ops", ops.url))
        .operations("secret", SECRET)
        .connector(TestConnector::hook("crm", &target.url));
    if let Some(url) = storage {
        config = config.storage_url(url);
    }
    let hub = TestHub::start(config).await;
    for _ in 0..3 {
        hub.post_event(&fresh_event("call.started")).await;
    }
    let alerted = wait_until(Duration::from_secs(10), async || {
        !of_type(&ops, "switchboard.delivery.exhausted").is_empty()
    })
    .await;
    assert!(alerted, "no exhausted alert");
    actix_rt::time::sleep(ms(800)).await;
    let exhausted = of_type(&ops, "switchboard.delivery.exhausted");
    assert_eq!(exhausted.len(), 1, "at most one per failing period");
    let data = exhausted[0].json()["data"].clone();
    assert_eq!(data["target"]["name"], "crm");
    assert!(data["count"].as_u64().unwrap() >= 1, "{data}");
    hub.stop().await;
}

#[actix_rt::test]
async fn a_delivery_that_exhausts_its_retries_yields_one_exhausted() {
    exhausting(None).await;
}

#[actix_rt::test]
async fn exhausted_once_on_postgres() {
    let Some(pg) = pg("ops_exhausted").await else {
        return;
    };
    exhausting(Some(&pg.url)).await;
    pg.drop().await;
}

#[actix_rt::test]
async fn ingest_refuses_operational_types_and_serves_their_schemas() {
    let hub = TestHub::start(TestConfig::default()).await;
    let body = json!({"type": "switchboard.endpoint.failing", "data": {"account": "default", "target": {"kind": "webhook"}}});
    let (status, answer) = hub.post_event(&body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["path"], "/type");
    for t in [
        "switchboard.endpoint.failing",
        "switchboard.endpoint.disabled",
        "switchboard.endpoint.recovered",
        "switchboard.delivery.exhausted",
        "switchboard.connector.auth_failed",
    ] {
        let res = hub
            .client
            .get(format!("{}/v1/schemas/{t}", hub.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{t}");
        let schema: Value = res.json().await.unwrap();
        assert_eq!(schema["properties"]["type"]["const"], t);
    }
    hub.stop().await;
}

#[actix_rt::test]
async fn operator_disables_hold_until_a_person_re_enables() {
    let target = Receiver::start();
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("probe_every", ms(50))
            .connector(TestConnector::hook("crm", &target.url).set("concurrency", 1)),
    )
    .await;
    let patch = |enabled: bool| {
        hub.admin_send(
            reqwest::Method::PATCH,
            "/v1/connectors/crm",
            Some(json!({"enabled": enabled})),
        )
    };
    assert_eq!(patch(false).await.0, 200);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let ev = fresh_event("call.started");
        hub.post_event(&ev).await;
        ids.push(ev["id"].as_str().unwrap().to_owned());
    }
    // Probes are for targets disabled for no success; this one waits.
    actix_rt::time::sleep(ms(400)).await;
    assert_eq!(target.count(), 0, "an operator's disable is not probed");
    assert_eq!(connector(&hub, "crm").await["held"], 3);
    assert_eq!(patch(true).await.0, 200);
    let sent = wait_until(Duration::from_secs(5), async || target.count() >= 3).await;
    assert!(
        sent,
        "target got {} of 3; crm: {}",
        target.count(),
        connector(&hub, "crm").await
    );
    actix_rt::time::sleep(ms(200)).await;
    let sent: Vec<String> = target
        .received()
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(sent, ids, "held deliveries go out oldest first");
    hub.stop().await;
}

#[actix_rt::test]
async fn a_vendor_refusing_credentials_yields_one_auth_failed() {
    let (vendor, ops) = (Receiver::start(), Receiver::start());
    vendor.set_default(Reply::Status(401, None));
    let helpdesk = TestConnector::new("helpdesk", "zendesk")
        .set("events", ["transfer.requested"])
        .set("base_url", vendor.url.as_str())
        .set("email", "agent@acme.test")
        .set("api_token", "revoked");
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("retry_for", ms(400))
            .operations("url", format!("{}/ops", ops.url))
            .operations("secret", SECRET)
            .connector(helpdesk),
    )
    .await;
    for _ in 0..3 {
        hub.post_event(&fresh_event("transfer.requested")).await;
    }
    let alerted = wait_until(Duration::from_secs(10), async || {
        !of_type(&ops, "switchboard.connector.auth_failed").is_empty()
    })
    .await;
    assert!(
        alerted,
        "no auth_failed alert; vendor saw {}",
        vendor.count()
    );
    actix_rt::time::sleep(ms(500)).await;
    let alerts = of_type(&ops, "switchboard.connector.auth_failed");
    assert_eq!(alerts.len(), 1, "once until a success");
    let data = alerts[0].json()["data"].clone();
    assert_eq!(
        data["target"],
        json!({"kind": "zendesk", "name": "helpdesk"})
    );
    assert!(alerts[0].signed_by(SECRET));
    hub.stop().await;
}
