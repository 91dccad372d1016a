//! Outbound network options: an HTTP proxy and a local source address, and
//! how the SSRF guard works through a proxy.

use std::time::Duration;

use crate::support::{
    fresh_event, wait_until, Proxy, Receiver, TestConfig, TestConnector, TestHub,
};

/// The default test config with a `crm` webhook connector posting to `url`.
fn webhook(url: &str) -> TestConfig {
    TestConfig::default().connector(TestConnector::webhook("crm", url))
}

#[actix_rt::test]
async fn webhooks_go_through_the_configured_proxy() {
    let rx = Receiver::start();
    let proxy = Proxy::start();
    let target = format!("{}/hook", rx.url);
    let hub = TestHub::start(webhook(&target).delivery("proxy", &proxy.url)).await;
    let (status, _) = hub.post_event(&fresh_event("lead.captured")).await;
    assert_eq!(status, 202);
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 1).await);
    assert_eq!(
        proxy.targets(),
        vec![target],
        "the request went via the proxy, in absolute form"
    );
    let r = &rx.received()[0];
    assert!(r.header("webhook-signature").unwrap().starts_with("v1,"));
    hub.stop().await;
}

#[actix_rt::test]
async fn through_a_proxy_the_guard_still_refuses_private_targets() {
    let rx = Receiver::start();
    let proxy = Proxy::start();
    // `localhost` resolves to loopback: refused before anything reaches the
    // proxy, although the proxy itself is on loopback (the operator chose it).
    let target = rx.url.replace("127.0.0.1", "localhost") + "/hook";
    let hub = TestHub::start(
        webhook(&target)
            .delivery("proxy", &proxy.url)
            .delivery("allow_private_targets", false),
    )
    .await;
    let ev = fresh_event("lead.captured");
    hub.post_event(&ev).await;
    let id = ev["id"].as_str().unwrap();
    assert!(hub.first_delivery_becomes(id, "failed").await);
    let d = &hub.deliveries_of(id).await[0];
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .contains("allow_private_targets"),
        "{d}"
    );
    assert!(proxy.targets().is_empty());
    assert_eq!(rx.count(), 0);
    hub.stop().await;
}

#[actix_rt::test]
async fn local_address_sets_the_source_ip() {
    // Linux routes all of 127.0.0.0/8 to loopback: send from 127.0.0.2 to a
    // receiver on 127.0.0.1 and look at the peer address it saw.
    let rx = Receiver::start();
    let hub =
        TestHub::start(webhook(&format!("{}/hook", rx.url)).delivery("local_address", "127.0.0.2"))
            .await;
    hub.post_event(&fresh_event("call.started")).await;
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 1).await);
    let peer = rx.received()[0].peer.unwrap();
    assert_eq!(peer.ip().to_string(), "127.0.0.2");
    hub.stop().await;

    // Without it, the kernel picks 127.0.0.1: the check above can tell.
    let rx = Receiver::start();
    let hub = TestHub::start(webhook(&format!("{}/hook", rx.url))).await;
    hub.post_event(&fresh_event("call.started")).await;
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 1).await);
    assert_eq!(rx.received()[0].peer.unwrap().ip().to_string(), "127.0.0.1");
    hub.stop().await;
}

#[test]
fn a_local_address_not_on_this_host_is_a_clear_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = TestConfig::default()
        .delivery("local_address", "192.0.2.77")
        .in_dir(dir.path())
        .load()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("delivery.local_address") && err.contains("192.0.2.77"),
        "{err}"
    );
}
