//! The function invocation log, on SQLite and PostgreSQL alike.

use std::sync::Arc;
use switchboard_core::account::Scope;

use switchboard_core::{
    functions::{invocation_id, InvocationFilter, InvocationRecord, Outcome},
    storage::{PageRequest, Store},
    time::now_ms,
};

use super::support::Backend;

fn record(function: &str, call_id: &str, outcome: Outcome) -> InvocationRecord {
    let ok = outcome == Outcome::Ok;
    InvocationRecord {
        id: invocation_id(),
        account: Default::default(),
        function: function.into(),
        call_id: call_id.into(),
        outcome,
        status_code: if ok { 200 } else { 504 },
        upstream_status: ok.then_some(200),
        arguments: r#"{"date":"2026-03-09"}"#.into(),
        result: ok.then(|| r#"{"available":true}"#.into()),
        error: (!ok).then(|| "timed out".into()),
        response_excerpt: None,
        attempts: 1,
        started_at: now_ms(),
        duration_us: 1234,
        node: "n1".into(),
    }
}

async fn log_round_trip(store: Arc<dyn Store>) {
    let mut batch: Vec<_> = (0..25)
        .map(|i| record("availability", &format!("call_{}", i % 5), Outcome::Ok))
        .collect();
    batch.push(record("availability", "call_x", Outcome::Timeout));
    batch.push(record("lookup", "call_x", Outcome::Ok));
    let mut ids: Vec<_> = batch
        .iter()
        .filter(|r| r.function == "availability")
        .map(|r| r.id.clone())
        .collect();
    ids.sort();
    ids.reverse();
    store.record_invocations(batch.clone()).await.unwrap();
    // A repeated id (a record written twice) is ignored, not an error.
    store
        .record_invocations(vec![batch[0].clone()])
        .await
        .unwrap();

    let filter = InvocationFilter {
        function: Some("availability".into()),
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .invocations(
                &Scope::default(),
                &filter,
                &PageRequest { cursor, limit: 10 },
            )
            .await
            .unwrap();
        seen.extend(page.data.iter().map(|r| r.id.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every record once, newest first");

    let by_call = InvocationFilter {
        function: Some("availability".into()),
        call_id: Some("call_x".into()),
        outcome: Some(Outcome::Timeout),
    };
    let page = store
        .invocations(
            &Scope::default(),
            &by_call,
            &PageRequest {
                cursor: None,
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    let r = &page.data[0];
    assert_eq!(
        (r.status_code, r.upstream_status, r.attempts),
        (504, None, 1)
    );
    assert_eq!(r.error.as_deref(), Some("timed out"));
    assert_eq!(r.arguments, r#"{"date":"2026-03-09"}"#);
    assert_eq!(r.duration_us, 1234);
    let ok = InvocationFilter {
        call_id: Some("call_0".into()),
        ..Default::default()
    };
    let page = store
        .invocations(
            &Scope::default(),
            &ok,
            &PageRequest {
                cursor: None,
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.data.len(), 5);
    assert!(page
        .data
        .iter()
        .all(|r| r.result.as_deref() == Some(r#"{"available":true}"#)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocation_log_on_sqlite() {
    let b = Backend::sqlite().await;
    log_round_trip(b.store.clone()).await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocation_log_on_postgres() {
    let Some(b) = Backend::postgres("invocation_log").await else {
        return;
    };
    log_round_trip(b.store.clone()).await;
    b.close().await;
}
