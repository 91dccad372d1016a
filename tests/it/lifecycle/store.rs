//! Retention of function invocations at the store, on both back-ends.

use std::sync::Arc;

use switchboard_core::account::Scope;

use switchboard_core::{
    functions::{invocation_id, InvocationFilter, InvocationRecord, Outcome},
    storage::{Cutoffs, PageRequest, Store},
    time::now_ms,
};

use crate::storage::support::Backend;

fn invocation(started_at: i64) -> InvocationRecord {
    InvocationRecord {
        id: invocation_id(),
        function: "availability".into(),
        call_id: "call_1".into(),
        outcome: Outcome::Ok,
        status_code: 200,
        upstream_status: Some(200),
        arguments: "{}".into(),
        result: Some("{}".into()),
        error: None,
        response_excerpt: None,
        attempts: 1,
        started_at,
        duration_us: 10,
        node: "n1".into(),
        account: Default::default(),
    }
}

async fn old_invocations_go_in_batches(store: Arc<dyn Store>) {
    let now = now_ms();
    let old: Vec<_> = (0..7).map(|i| invocation(now - 10_000 - i)).collect();
    let fresh = invocation(now);
    let mut all = old.clone();
    all.push(fresh.clone());
    store.record_invocations(all).await.unwrap();
    let cutoffs = Cutoffs {
        invocations: Some(now - 5_000),
        ..Cutoffs::default()
    };
    let first = store.prune(&cutoffs, 5).await.unwrap();
    assert_eq!((first.invocations, first.more), (5, true));
    let second = store.prune(&cutoffs, 5).await.unwrap();
    assert_eq!((second.invocations, second.more), (2, false));
    store.compact().await.unwrap();
    let page = PageRequest {
        cursor: None,
        limit: 100,
    };
    let left = store
        .invocations(&Scope::default(), &InvocationFilter::default(), &page)
        .await
        .unwrap();
    let ids: Vec<_> = left.data.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [fresh.id.as_str()]);
}

#[actix_rt::test]
async fn old_invocations_are_pruned_in_batches_on_sqlite() {
    let b = Backend::sqlite().await;
    old_invocations_go_in_batches(b.store.clone()).await;
    b.close().await;
}

#[actix_rt::test]
async fn old_invocations_are_pruned_in_batches_on_postgres() {
    let Some(b) = Backend::postgres("prune_invocations").await else {
        return;
    };
    old_invocations_go_in_batches(b.store.clone()).await;
    b.close().await;
}
