//! SIGKILL in the middle of a prune or an erasure: every batch and every
//! erasure is one transaction, so a restarted hub has lost nothing that
//! should stay, and finishing the work leaves nothing that should go.

use std::{path::Path, time::Duration};

use futures::future::join_all;
use serde_json::{json, Value};
use sqlx::{Connection, SqliteConnection};
use switchboard_client::HubClient;

use crate::support::{
    fresh_event, ms,
    process::{free_port, post, process_config, Proc},
    wait_until, Receiver, Reply, TestConnector,
};

/// Posts events, 50 at a time; all must be acknowledged.
async fn post_all(api: &HubClient, events: &[Value]) {
    for chunk in events.chunks(50) {
        let answers = join_all(chunk.iter().map(|e| post(api, e))).await;
        assert!(answers.iter().all(|a| *a == Some(202)), "{answers:?}");
    }
}

async fn status_of(api: &HubClient, id: &str) -> u16 {
    api.admin_get(&format!("/v1/events/{id}"))
        .await
        .unwrap()
        .status
}

/// What a consistent file holds: no delivery without its event, no
/// attempt without its delivery, and SQLite's own check passes.
async fn assert_consistent(db: &Path) {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    for orphans in [
        "SELECT COUNT(*) FROM deliveries WHERE event_id NOT IN (SELECT id FROM events)",
        "SELECT COUNT(*) FROM attempts WHERE delivery_id NOT IN (SELECT id FROM deliveries)",
    ] {
        let n: i64 = sqlx::query_scalar(orphans)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 0, "{orphans}");
    }
}

#[actix_rt::test]
async fn a_sigkill_mid_prune_loses_nothing_that_should_stay() {
    let _machine = crate::support::heavy_load().await;
    let (ok, down) = (Receiver::start(), Receiver::start());
    down.set_default(Reply::Status(503, None));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = process_config(port, &ok.url)
        .connector(TestConnector::hook("down", &down.url).set("events", ["call.completed"]))
        .section("retention", "succeeded", ms(1500))
        .section("retention", "interval", ms(50))
        .in_dir(dir.path())
        .write(dir.path());
    let mut hub = Proc::spawn(&file, port).await;
    let delivered: Vec<Value> = (0..3000).map(|_| fresh_event("lead.captured")).collect();
    let active: Vec<Value> = (0..20).map(|_| fresh_event("call.completed")).collect();
    post_all(&hub.api(), &active).await;
    post_all(&hub.api(), &delivered).await;
    let sent = wait_until(Duration::from_secs(60), async || ok.count() >= 3020).await;
    assert!(sent, "only {} delivered", ok.count());
    hub.kill();

    // Past the age, restart and kill again and again while the prune runs.
    actix_rt::time::sleep(Duration::from_millis(1600)).await;
    for pause in [40, 90, 25, 140] {
        let mut hub = Proc::spawn(&file, port).await;
        actix_rt::time::sleep(Duration::from_millis(pause)).await;
        hub.kill();
        assert_consistent(&dir.path().join("hub.db")).await;
    }

    let hub = Proc::spawn(&file, port).await;
    let api = hub.api();
    let pruned = wait_until(Duration::from_secs(30), async || {
        status_of(&api, delivered.last().unwrap()["id"].as_str().unwrap()).await == 404
    })
    .await;
    assert!(pruned, "the prune did not finish after the restarts");
    for ev in &delivered {
        assert_eq!(status_of(&api, ev["id"].as_str().unwrap()).await, 404);
    }
    for ev in &active {
        let id = ev["id"].as_str().unwrap();
        let (_, page) = answered(&api, &format!("/v1/deliveries?event_id={id}")).await;
        let left = page["data"].as_array().unwrap();
        assert_eq!(left.len(), 1, "{page}");
        assert_eq!(left[0]["connector"], "down");
    }
    let mut hub = hub;
    hub.kill();
    assert_consistent(&dir.path().join("hub.db")).await;
}

async fn answered(api: &HubClient, path: &str) -> (u16, Value) {
    let a = api.admin_get(path).await.unwrap();
    (a.status, a.json())
}

#[actix_rt::test]
async fn a_sigkill_mid_erasure_erases_all_or_nothing() {
    let _machine = crate::support::heavy_load().await;
    let ok = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = process_config(port, &ok.url)
        .in_dir(dir.path())
        .write(dir.path());
    let hub = Proc::spawn(&file, port).await;
    let caller: Vec<Value> = (0..400)
        .map(|_| {
            let mut ev = fresh_event("lead.captured");
            ev["data"]["lead"]["phone"] = "+1 512 555 0142".into();
            ev
        })
        .collect();
    let others: Vec<Value> = (0..100).map(|_| fresh_event("call.completed")).collect();
    post_all(&hub.api(), &caller).await;
    post_all(&hub.api(), &others).await;

    let mut hub = hub;
    let api = hub.api();
    let erasing = actix_rt::spawn(async move {
        api.admin_post("/v1/erasure", &json!({"phone": "5125550142"}))
            .await
            .ok()
            .map(|a| a.status)
    });
    actix_rt::time::sleep(Duration::from_millis(30)).await;
    hub.kill();
    let answered_before_kill = erasing.await.unwrap() == Some(200);
    assert_consistent(&dir.path().join("hub.db")).await;

    let hub = Proc::spawn(&file, port).await;
    let api = hub.api();
    let mut left = 0;
    for ev in &caller {
        left += usize::from(status_of(&api, ev["id"].as_str().unwrap()).await == 200);
    }
    assert!(
        left == 0 || left == caller.len(),
        "a partial erasure: {left} of {} left",
        caller.len()
    );
    assert!(
        !(answered_before_kill && left > 0),
        "an answered erasure was undone"
    );
    for ev in &others {
        assert_eq!(status_of(&api, ev["id"].as_str().unwrap()).await, 200);
    }
    let redo = api
        .admin_post("/v1/erasure", &json!({"phone": "(512) 555-0142"}))
        .await
        .unwrap();
    assert_eq!(redo.json()["events"], left as u64);
    for ev in &caller {
        assert_eq!(status_of(&api, ev["id"].as_str().unwrap()).await, 404);
    }
    let mut hub = hub;
    hub.kill();
}
