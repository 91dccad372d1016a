//! The SSRF guard end to end: private targets (by address or by a name that
//! resolves to one) are refused before any byte is sent, and redirects are
//! never followed. DNS rebinding is covered in `core/src/outbound/guard.rs`.

use std::time::Duration;

use serde_json::Value;

use crate::support::{
    fresh_event, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub,
};

/// The first attempt of each delivery of a fresh event, once all have one.
async fn first_attempts(hub: &TestHub, n: usize) -> Vec<Value> {
    let ev = fresh_event("lead.captured");
    assert_eq!(hub.post_event(&ev).await.0, 202);
    let id = ev["id"].as_str().unwrap().to_owned();
    let mut out = Vec::new();
    let done = wait_until(Duration::from_secs(15), async || {
        out.clear();
        for d in hub.deliveries_of(&id).await {
            let (_, detail) = hub
                .admin_get(&format!("/v1/deliveries/{}", d["id"].as_str().unwrap()))
                .await;
            if let Some(a) = detail["attempts"].get(0) {
                out.push(a.clone());
            }
        }
        out.len() == n
    })
    .await;
    assert!(done, "{n} attempts recorded: {out:?}");
    out
}

#[actix_rt::test]
async fn private_targets_are_refused_by_address_and_by_name() {
    let rx = Receiver::start();
    let port = rx.url.rsplit(':').next().unwrap().to_owned();
    let connectors = [
        TestConnector::hook("by-address", &rx.url),
        TestConnector::webhook("by-name", &format!("http://localhost:{port}/hook")),
        TestConnector::webhook(
            "mapped-v6",
            &format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        ),
    ];
    let hub = TestHub::start(
        TestConfig::default()
            .delivery("allow_private_targets", false)
            .connectors(connectors),
    )
    .await;
    for a in first_attempts(&hub, 3).await {
        let error = a["error"].as_str().unwrap();
        assert!(
            error.contains("allow_private_targets = true"),
            "the refusal says how to allow it: {error}"
        );
        assert!(a["status_code"].is_null());
    }
    assert_eq!(rx.count(), 0, "not one request reached the private target");
}

#[actix_rt::test]
async fn redirects_are_not_followed() {
    let elsewhere = Receiver::start();
    let rx = Receiver::start();
    rx.set_default(Reply::Redirect(307, format!("{}/stolen", elsewhere.url)));
    let hub =
        TestHub::start(TestConfig::default().connector(TestConnector::hook("crm", &rx.url))).await;
    let attempts = first_attempts(&hub, 1).await;
    assert_eq!(attempts[0]["status_code"], 307, "{attempts:?}");
    assert!(wait_until(Duration::from_secs(5), async || rx.count() >= 2).await);
    assert_eq!(elsewhere.count(), 0, "the redirect target got nothing");
}
