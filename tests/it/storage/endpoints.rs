//! Runtime endpoints shared by two hub nodes on one PostgreSQL schema: an
//! endpoint created or deleted on one node is applied by the other at once
//! (LISTEN/NOTIFY), without a restart.

use std::time::Duration;

use serde_json::json;

use super::support::pg;
use crate::support::{fresh_event, wait_until, Receiver, TestConfig, TestHub};

async fn node(url: &str, id: &str) -> TestHub {
    TestHub::start(TestConfig::default().storage_url(url).node(id)).await
}

#[actix_rt::test]
async fn endpoints_made_on_one_node_run_on_the_other() {
    let Some(pg) = pg("endpoints_two_nodes").await else {
        return;
    };
    let rx = Receiver::start();
    let a = node(&pg.url, "a").await;
    let b = node(&pg.url, "b").await;
    let (status, ep) = a
        .admin_post("/v1/endpoints", json!({"url": format!("{}/hook", rx.url)}))
        .await;
    assert_eq!(status, 201, "{ep}");
    let id = ep["id"].as_str().unwrap().to_owned();

    // Node b subscribes it without a restart: its ingests now fan out to it.
    let picked_up = wait_until(Duration::from_secs(5), async || {
        b.post_event(&fresh_event("call.started")).await.1["deliveries"] == 1
    })
    .await;
    assert!(picked_up, "node b never subscribed the endpoint");
    assert!(wait_until(Duration::from_secs(5), async || rx.count() >= 1).await);
    let (status, shown) = b.admin_get(&format!("/v1/endpoints/{id}")).await;
    assert_eq!((status, &shown["id"]), (200, &json!(id)));

    let (status, _) = a
        .admin_send(
            reqwest::Method::DELETE,
            &format!("/v1/endpoints/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let dropped = wait_until(Duration::from_secs(5), async || {
        b.post_event(&fresh_event("call.started")).await.1["deliveries"] == 0
    })
    .await;
    assert!(dropped, "node b kept delivering to a deleted endpoint");
    a.stop().await;
    b.stop().await;
    pg.drop().await;
}
