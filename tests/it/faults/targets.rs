//! Targets that misbehave: every attempt ends, bounded in time (the attempt
//! timeout) and in memory (at most 64 KiB of an answer is read).

use std::{sync::atomic::Ordering, time::Duration};

use serde_json::Value;

use crate::support::{
    badtarget::{BadTarget, Misbehaviour},
    fresh_event, ms, wait_until, TestConfig, TestConnector, TestHub,
};

/// Attempt timeout of the connector under test.
const TIMEOUT_MS: u64 = 700;

async fn hub_for(target: &BadTarget) -> TestHub {
    let bad = TestConnector::hook("bad", &target.url).set("timeout", ms(TIMEOUT_MS));
    TestHub::start(TestConfig::default().connector(bad)).await
}

/// Posts one event and waits until its delivery has `attempts` attempts; returns the detail.
async fn attempts_of_one_event(hub: &TestHub, attempts: usize) -> Value {
    let ev = fresh_event("lead.captured");
    assert_eq!(hub.post_event(&ev).await.0, 202);
    let id = ev["id"].as_str().unwrap();
    let mut detail = Value::Null;
    let done = wait_until(Duration::from_secs(20), async || {
        let Some(d) = hub.deliveries_of(id).await.first().cloned() else {
            return false;
        };
        detail = hub
            .admin_get(&format!("/v1/deliveries/{}", d["id"].as_str().unwrap()))
            .await
            .1;
        detail["attempts"]
            .as_array()
            .is_some_and(|a| a.len() >= attempts)
    })
    .await;
    assert!(done, "attempts were recorded: {detail}");
    detail
}

fn assert_bounded_in_time(attempt: &Value) {
    let ms = attempt["duration_ms"].as_u64().unwrap();
    // The bound under test, with room for a loaded machine; not a speed check.
    assert!(ms < TIMEOUT_MS + 5_000, "attempt took {ms} ms: {attempt}");
}

#[actix_rt::test]
async fn a_target_that_never_answers_times_out_and_is_retried() {
    let target = BadTarget::start(Misbehaviour::Silent).await;
    let hub = hub_for(&target).await;
    let detail = attempts_of_one_event(&hub, 2).await;
    for a in detail["attempts"].as_array().unwrap() {
        assert!(a["error"].as_str().unwrap().contains("timed out"), "{a}");
        assert!(a["status_code"].is_null());
        assert_bounded_in_time(a);
    }
    assert_eq!(detail["status"], "retrying");
}

#[actix_rt::test]
async fn a_target_that_resets_connections_is_retried() {
    let target = BadTarget::start(Misbehaviour::Reset).await;
    let hub = hub_for(&target).await;
    let detail = attempts_of_one_event(&hub, 3).await;
    for a in detail["attempts"].as_array().unwrap() {
        assert!(a["error"].as_str().unwrap().contains("connection"), "{a}");
        assert_bounded_in_time(a);
    }
    assert!(target.counters.connections.load(Ordering::SeqCst) >= 3);
}

#[actix_rt::test]
async fn a_10_mb_answer_is_read_only_up_to_the_limit() {
    let ten_mb = 10 * 1024 * 1024;
    let target = BadTarget::start(Misbehaviour::Huge(ten_mb)).await;
    let hub = hub_for(&target).await;
    let detail = attempts_of_one_event(&hub, 1).await;
    let a = &detail["attempts"][0];
    assert_eq!(a["status_code"], 200, "{a}");
    assert_eq!(detail["status"], "succeeded");
    let excerpt = a["response_excerpt"].as_str().unwrap();
    assert_eq!(excerpt.len(), 4096, "the log keeps the first 4 KiB");
    assert_bounded_in_time(a);
    // The hub hung up instead of swallowing 10 MB: the target's writes fail
    // once the kernel buffers (a few MB at most) are full.
    let cut = wait_until(Duration::from_secs(10), async || {
        target.counters.cut_off.load(Ordering::SeqCst) == 1
    })
    .await;
    assert!(cut, "the hub closed the connection early");
    assert!(target.written() < ten_mb, "sent {}", target.written());
}

#[actix_rt::test]
async fn an_endless_body_is_cut_off() {
    let target = BadTarget::start(Misbehaviour::Endless).await;
    let hub = hub_for(&target).await;
    let detail = attempts_of_one_event(&hub, 1).await;
    let a = &detail["attempts"][0];
    assert_eq!(a["status_code"], 200, "{a}");
    assert_bounded_in_time(a);
    let cut = wait_until(Duration::from_secs(10), async || {
        target.counters.cut_off.load(Ordering::SeqCst) == 1
    })
    .await;
    assert!(cut, "the hub closed the never-ending answer");
    let written = target.written();
    assert!(written < 64 * 1024 * 1024, "sent {written}");
    println!("endless body: the target got {written} bytes out before the hub hung up");
}

#[actix_rt::test]
async fn a_body_that_trickles_forever_times_out() {
    let target = BadTarget::start(Misbehaviour::Trickle).await;
    let hub = hub_for(&target).await;
    let detail = attempts_of_one_event(&hub, 1).await;
    let a = &detail["attempts"][0];
    assert!(a["error"].as_str().unwrap().contains("timed out"), "{a}");
    assert_bounded_in_time(a);
}
