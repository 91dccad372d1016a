//! The `Store` contract, run against SQLite and PostgreSQL alike.

use std::{collections::HashSet, sync::Arc};
use switchboard_core::account::Scope;

use switchboard_core::{
    delivery::{AttemptRecord, DeliveryState, NextStep},
    event::{Event, EventType},
    ids,
    outbound::SentRequest,
    storage::{
        Admission, Backlog, ConnectorHealth, DeliveryFilter, DisabledConnector, Lease, NewDelivery,
        NewEvent, PageRequest, ReplaySelector, Replayed, StateScope, Store,
    },
    time::now_ms,
};

use super::support::Backend;

/// Runs each named check once per back-end.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let b = super::Backend::sqlite().await;
                super::$name(b.store.clone()).await;
                b.close().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(b) = super::Backend::postgres(stringify!($name)).await else {
                    return;
                };
                super::$name(b.store.clone()).await;
                b.close().await;
            }
        }
    )*};
}

contract!(
    ingest_is_idempotent,
    concurrent_duplicate_ids_create_once,
    leases_are_exclusive_across_leasers,
    expired_leases_are_taken_over,
    released_until_waits_for_the_pause_end,
    attempts_move_deliveries_on,
    attempts_keep_the_request_sent,
    replay_makes_deliveries_due,
    deliveries_page_and_filter,
    next_due_tracks_retries_and_leases,
    disabling_parks_active_deliveries,
    parked_deliveries_wait_unleased,
    endpoints_are_stored_and_deleted,
    endpoint_pages_carry_state_and_health,
    health_merges_attempt_outcomes,
    backlog_counts_active_deliveries,
    bulk_replay_counts_every_delivery,
    connector_state_is_scoped_and_replaced,
);

fn event(id: &str) -> Event {
    let body = format!(r#"{{"id":"{id}","type":"call.started","created":1715199700,"data":{{}}}}"#);
    Event::from_stored(id.to_owned(), EventType::CallStarted, 1_715_199_700, body)
}

fn new_event(id: &str, connectors: &[(&str, Admission)]) -> NewEvent {
    NewEvent {
        event: event(id),
        deliveries: connectors
            .iter()
            .map(|(c, admission)| NewDelivery {
                id: ids::delivery_id(),
                connector: Arc::from(*c),
                admission: *admission,
            })
            .collect(),
    }
}

/// A lease that has already run out: deliveries ingested with it are due for anyone.
fn lapsed(node: &str) -> Lease {
    let now = now_ms();
    Lease {
        node: node.into(),
        until: now - 1,
        now,
    }
}

fn lease(node: &str, ms: i64) -> Lease {
    let now = now_ms();
    Lease {
        node: node.into(),
        until: now + ms,
        now,
    }
}

fn record(id: &str, node: &str, status: Option<u16>, error: Option<&str>) -> AttemptRecord {
    AttemptRecord {
        delivery_id: id.to_owned(),
        started_at: now_ms(),
        duration_ms: 3,
        status_code: status,
        error: error.map(str::to_owned),
        response_excerpt: Some("body".into()),
        node: node.to_owned(),
        request: None,
    }
}

/// The ids of `new`'s deliveries, in its order (the dispatched ones are
/// leased to the ingesting node).
fn delivery_ids(new: &NewEvent) -> Vec<String> {
    new.deliveries.iter().map(|d| d.id.clone()).collect()
}

fn replay_count(connector: &str, count: u64) -> Replayed {
    Replayed {
        connector: connector.to_owned(),
        count,
    }
}

fn all() -> PageRequest {
    PageRequest {
        cursor: None,
        limit: 1000,
    }
}

async fn ingest_is_idempotent(store: Arc<dyn Store>) {
    let first = store
        .ingest(
            new_event(
                "evt_idem",
                &[("a", Admission::Dispatch), ("b", Admission::Disabled)],
            ),
            lease("n1", 60_000),
        )
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(first.deliveries, 2);
    assert!(
        store
            .lease_due("a", &lease("n2", 60_000), 10)
            .await
            .unwrap()
            .is_empty(),
        "the dispatched delivery is leased to the ingesting node"
    );

    let again = store
        .ingest(
            new_event("evt_idem", &[("a", Admission::Dispatch)]),
            lease("n2", 60_000),
        )
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.deliveries, 2, "reports the original delivery count");

    let rec = store
        .event(&Scope::default(), "evt_idem")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(rec.event.body, event("evt_idem").body);
    assert_eq!(rec.event.kind, EventType::CallStarted);
    assert_eq!(rec.deliveries.len(), 2);
    let states: HashSet<_> = rec.deliveries.iter().map(|d| d.status).collect();
    assert_eq!(
        states,
        HashSet::from([DeliveryState::Pending, DeliveryState::Disabled])
    );
    assert!(store
        .event(&Scope::default(), "evt_missing")
        .await
        .unwrap()
        .is_none());
}

async fn concurrent_duplicate_ids_create_once(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for copy in 0..8 {
        for i in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let id = format!("evt_dup_{i}");
                let r = store
                    .ingest(
                        new_event(&id, &[("a", Admission::Dispatch)]),
                        lease(&format!("n{copy}"), 60_000),
                    )
                    .await
                    .unwrap();
                (id, r.created, r.deliveries)
            }));
        }
    }
    let mut created = std::collections::HashMap::<String, u32>::new();
    for t in tasks {
        let (id, c, n) = t.await.unwrap();
        assert_eq!(n, 1);
        *created.entry(id).or_default() += u32::from(c);
    }
    assert_eq!(created.len(), 40);
    assert!(
        created.values().all(|&c| c == 1),
        "exactly one post per id creates: {created:?}"
    );
    let page = store
        .deliveries(&Scope::default(), &DeliveryFilter::default(), &all())
        .await
        .unwrap();
    assert_eq!(page.data.len(), 40, "one delivery per event, no copies");
}

async fn leases_are_exclusive_across_leasers(store: Arc<dyn Store>) {
    let mut expected = HashSet::new();
    for i in 0..200 {
        let new = new_event(&format!("evt_l{i}"), &[("a", Admission::Dispatch)]);
        let ids = delivery_ids(&new);
        store.ingest(new, lapsed("ingester")).await.unwrap();
        expected.insert(ids[0].clone());
    }
    let leaser = |node: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let jobs = store.lease_due("a", &lease(node, 60_000), 7).await.unwrap();
                if jobs.is_empty() {
                    return got;
                }
                got.extend(jobs.into_iter().map(|j| j.delivery_id));
            }
        })
    };
    let (x, y) = (leaser("x"), leaser("y"));
    let (x, y) = (x.await.unwrap(), y.await.unwrap());
    let xs: HashSet<_> = x.iter().cloned().collect();
    let ys: HashSet<_> = y.iter().cloned().collect();
    assert_eq!(xs.len(), x.len(), "x never got a delivery twice");
    assert_eq!(ys.len(), y.len(), "y never got a delivery twice");
    assert!(xs.is_disjoint(&ys), "no delivery leased by both");
    assert_eq!(&xs | &ys, expected, "every due delivery leased");
    assert!(store
        .lease_due("a", &lease("z", 60_000), 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .lease_due("other", &lease("z", 60_000), 10)
        .await
        .unwrap()
        .is_empty());
}

async fn expired_leases_are_taken_over(store: Arc<dyn Store>) {
    let new = new_event("evt_take", &[("a", Admission::Dispatch)]);
    let ids = delivery_ids(&new);
    store.ingest(new, lease("dead", 200)).await.unwrap();
    let id = ids[0].clone();
    assert!(
        store
            .lease_due("a", &lease("live", 60_000), 10)
            .await
            .unwrap()
            .is_empty(),
        "the ingesting node's lease holds"
    );
    let later = Lease {
        node: "live".into(),
        now: now_ms() + 300,
        until: now_ms() + 60_000,
    };
    let jobs = store.lease_due("a", &later, 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].delivery_id, id);
    assert_eq!(jobs[0].event.body, event("evt_take").body);

    // Only the holder's release counts: "dead" ran out and "live" took it.
    store.release("dead", vec![id.clone()]).await.unwrap();
    assert!(
        store
            .lease_due("a", &lease("third", 60_000), 10)
            .await
            .unwrap()
            .is_empty(),
        "a node cannot release a lease another node holds"
    );
    store.release("live", vec![id.clone()]).await.unwrap();
    let jobs = store
        .lease_due("a", &lease("third", 60_000), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "a released delivery is due at once");
    store.release_node("a", "third").await.unwrap();
    let jobs = store
        .lease_due("a", &lease("fourth", 60_000), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "release_node gives the node's leases back");
}

async fn released_until_waits_for_the_pause_end(store: Arc<dyn Store>) {
    let new = new_event("evt_pause", &[("a", Admission::Dispatch)]);
    let ids = delivery_ids(&new);
    store.ingest(new, lease("n1", 60_000)).await.unwrap();
    let id = ids[0].clone();
    let resume = now_ms() + 30_000;
    // Only the holder's give-back counts.
    store
        .release_until("n2", vec![id.clone()], resume)
        .await
        .unwrap();
    assert!(
        store.next_due("a").await.unwrap().unwrap() > resume,
        "still n1's until its lease runs out"
    );
    store
        .release_until("n1", vec![id.clone()], resume)
        .await
        .unwrap();
    assert_eq!(
        store.next_due("a").await.unwrap(),
        Some(resume),
        "due at the pause end"
    );
    assert!(
        store
            .lease_due("a", &lease("n2", 60_000), 10)
            .await
            .unwrap()
            .is_empty(),
        "no node takes it during the pause"
    );
    let after = Lease {
        node: "n2".into(),
        now: resume,
        until: resume + 60_000,
    };
    let jobs = store.lease_due("a", &after, 10).await.unwrap();
    assert_eq!(jobs.len(), 1, "due once the pause is over");
    assert_eq!(jobs[0].delivery_id, id);
}

/// The masked request an attempt sent comes back as written; an attempt
/// without one (a webhook) reads `None`.
async fn attempts_keep_the_request_sent(store: Arc<dyn Store>) {
    let new = new_event("evt_req", &[("crm", Admission::Dispatch)]);
    let ids = delivery_ids(&new);
    store.ingest(new, lease("n1", 60_000)).await.unwrap();
    let id = ids[0].clone();
    let sent = SentRequest {
        method: "PUT".into(),
        url: "https://api.example.com/v2/tickets?x=1".into(),
        headers: [
            ("authorization".to_owned(), "****".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ]
        .into(),
        body: r#"{"note":"caf\u00e9 ☕ \"quoted\""}"#.into(),
        body_truncated: true,
    };
    let first = now_ms();
    let with = AttemptRecord {
        request: Some(Arc::new(sent.clone())),
        ..record(&id, "n1", Some(500), Some("target answered 500"))
    };
    store
        .record_attempt(with, NextStep::RetryAt(now_ms() - 5), first)
        .await
        .unwrap();
    store
        .record_attempt(
            record(&id, "n1", Some(200), None),
            NextStep::Succeeded,
            first,
        )
        .await
        .unwrap();
    let d = store
        .delivery(&Scope::default(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.attempts.len(), 2);
    assert_eq!(d.attempts[0].request.as_ref(), Some(&sent));
    assert_eq!(d.attempts[1].request, None);
}

async fn attempts_move_deliveries_on(store: Arc<dyn Store>) {
    let new = new_event(
        "evt_att",
        &[("ok", Admission::Dispatch), ("bad", Admission::Dispatch)],
    );
    let ids = delivery_ids(&new);
    store.ingest(new, lease("n1", 60_000)).await.unwrap();
    let (ok, bad) = (ids[0].clone(), ids[1].clone());
    let first = now_ms();
    store
        .record_attempt(
            record(&ok, "n1", Some(200), None),
            NextStep::Succeeded,
            first,
        )
        .await
        .unwrap();
    let retry_at = now_ms() - 5;
    store
        .record_attempt(
            record(&bad, "n1", Some(503), Some("HTTP 503")),
            NextStep::RetryAt(retry_at),
            first,
        )
        .await
        .unwrap();

    let d = store
        .delivery(&Scope::default(), &ok)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.delivery.status, DeliveryState::Succeeded);
    assert_eq!(d.delivery.attempt_count, 1);
    assert!(d.delivery.next_attempt_at.is_none());
    assert_eq!(d.attempts.len(), 1);
    assert_eq!(d.attempts[0].node, "n1");
    assert_eq!(d.attempts[0].status_code, Some(200));

    let d = store
        .delivery(&Scope::default(), &bad)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.delivery.status, DeliveryState::Retrying);
    assert_eq!(d.delivery.last_error.as_deref(), Some("HTTP 503"));
    assert!(d.delivery.next_attempt_at.is_some());

    // The lease was released with the record: the retry is due for anyone.
    let jobs = store
        .lease_due("bad", &lease("n2", 60_000), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].attempts_made, 1);
    assert_eq!(jobs[0].first_attempt_at, Some(first));
    store
        .record_attempt(
            record(&bad, "n2", None, Some("connection refused")),
            NextStep::Failed,
            first,
        )
        .await
        .unwrap();
    let d = store
        .delivery(&Scope::default(), &bad)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.delivery.status, DeliveryState::Failed);
    assert_eq!(d.delivery.attempt_count, 2);
    let attempts: Vec<_> = d
        .attempts
        .iter()
        .map(|a| (a.number, a.node.as_str()))
        .collect();
    assert_eq!(attempts, vec![(1, "n1"), (2, "n2")]);
    assert_eq!(d.attempts[1].error.as_deref(), Some("connection refused"));
    assert!(store
        .lease_due("bad", &lease("n2", 60_000), 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .delivery(&Scope::default(), "dlv_missing")
        .await
        .unwrap()
        .is_none());

    let counts = store.counts().await.unwrap();
    let count = |c: &str, s| {
        counts
            .iter()
            .find(|x| x.connector == c && x.state == s)
            .map_or(0, |x| x.count)
    };
    assert_eq!(count("ok", DeliveryState::Succeeded), 1);
    assert_eq!(count("bad", DeliveryState::Failed), 1);
}

async fn replay_makes_deliveries_due(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for i in 0..3 {
        let new = new_event(&format!("evt_r{i}"), &[("a", Admission::Dispatch)]);
        let id = new.deliveries[0].id.clone();
        store.ingest(new, lease("n1", 60_000)).await.unwrap();
        store
            .record_attempt(
                record(&id, "n1", Some(400), Some("HTTP 400")),
                NextStep::Failed,
                now_ms(),
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let one = store
        .replay(&Scope::default(), &ReplaySelector::Delivery(ids[0].clone()))
        .await
        .unwrap();
    assert_eq!(one, vec![replay_count("a", 1)]);
    let d = store
        .delivery(&Scope::default(), &ids[0])
        .await
        .unwrap()
        .unwrap()
        .delivery;
    assert_eq!(d.status, DeliveryState::Pending);
    assert!(d.last_error.is_none());
    let jobs = store
        .lease_due("a", &lease("n2", 60_000), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].first_attempt_at, None,
        "replay opens a new retry window"
    );

    let by_event = store
        .replay(&Scope::default(), &ReplaySelector::Event("evt_r1".into()))
        .await
        .unwrap();
    assert_eq!(by_event, vec![replay_count("a", 1)]);
    let bulk = store
        .replay(
            &Scope::default(),
            &ReplaySelector::Bulk(DeliveryFilter {
                status: Some(DeliveryState::Failed),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        bulk,
        vec![replay_count("a", 1)],
        "only evt_r2's is still failed"
    );
    // ids[0] is leased by n2 (in flight): replay leaves it alone.
    let leased = store
        .replay(&Scope::default(), &ReplaySelector::Delivery(ids[0].clone()))
        .await
        .unwrap();
    assert!(leased.is_empty());
}

async fn deliveries_page_and_filter(store: Arc<dyn Store>) {
    let t0 = now_ms();
    for i in 0..25 {
        let connector = if i % 5 == 0 { "b" } else { "a" };
        store
            .ingest(
                new_event(&format!("evt_p{i:02}"), &[(connector, Admission::Dispatch)]),
                lease("n1", 60_000),
            )
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .deliveries(
                &Scope::default(),
                &DeliveryFilter::default(),
                &PageRequest { cursor, limit: 10 },
            )
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.data.iter().map(|d| d.id.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first, no repeats across pages");

    let filter = |f: DeliveryFilter| {
        let store = store.clone();
        async move {
            store
                .deliveries(&Scope::default(), &f, &all())
                .await
                .unwrap()
                .data
        }
    };
    let b = filter(DeliveryFilter {
        connector: Some("b".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(b.len(), 5);
    assert!(b.iter().all(|d| d.connector == "b"));
    let one = filter(DeliveryFilter {
        event_id: Some("evt_p07".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].event_id, "evt_p07");
    assert_eq!(one[0].event_type, "call.started");
    let pending = filter(DeliveryFilter {
        status: Some(DeliveryState::Pending),
        since: Some(t0),
        until: Some(now_ms() + 1),
        ..Default::default()
    })
    .await;
    assert_eq!(pending.len(), 25);
    let none = filter(DeliveryFilter {
        status: Some(DeliveryState::Succeeded),
        ..Default::default()
    })
    .await;
    assert!(none.is_empty());
    let future = filter(DeliveryFilter {
        since: Some(now_ms() + 60_000),
        ..Default::default()
    })
    .await;
    assert!(future.is_empty());
}

async fn next_due_tracks_retries_and_leases(store: Arc<dyn Store>) {
    assert_eq!(store.next_due("a").await.unwrap(), None);
    let held = lease("n1", 60_000);
    let new = new_event("evt_nd", &[("a", Admission::Dispatch)]);
    let ids = delivery_ids(&new);
    store.ingest(new, held.clone()).await.unwrap();
    assert_eq!(
        store.next_due("a").await.unwrap(),
        Some(held.until),
        "a leased delivery may become due when its lease runs out"
    );
    let id = ids[0].clone();
    let at = now_ms() + 5_000;
    store
        .record_attempt(
            record(&id, "n1", Some(500), Some("HTTP 500")),
            NextStep::RetryAt(at),
            now_ms(),
        )
        .await
        .unwrap();
    assert_eq!(store.next_due("a").await.unwrap(), Some(at));
    store
        .record_attempt(
            record(&id, "n1", Some(200), None),
            NextStep::Succeeded,
            now_ms(),
        )
        .await
        .unwrap();
    assert_eq!(store.next_due("a").await.unwrap(), None);
}

async fn disabling_parks_active_deliveries(store: Arc<dyn Store>) {
    for i in 0..3 {
        store
            .ingest(
                new_event(&format!("evt_d{i}"), &[("a", Admission::Dispatch)]),
                lapsed("n1"),
            )
            .await
            .unwrap();
    }
    assert!(store.disabled().await.unwrap().is_empty());
    store.set_disabled("a", Some("410 Gone")).await.unwrap();
    assert_eq!(
        store.disabled().await.unwrap(),
        vec![DisabledConnector {
            name: "a".to_owned(),
            reason: "410 Gone".to_owned()
        }]
    );
    let all_a = store
        .deliveries(
            &Scope::default(),
            &DeliveryFilter {
                connector: Some("a".into()),
                ..Default::default()
            },
            &all(),
        )
        .await
        .unwrap()
        .data;
    assert_eq!(all_a.len(), 3);
    assert!(all_a.iter().all(|d| d.status == DeliveryState::Disabled
        && d.last_error.as_deref() == Some("410 Gone")
        && d.next_attempt_at.is_none()));
    assert!(store
        .lease_due("a", &lease("n2", 60_000), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.next_due("a").await.unwrap(), None);

    // Re-enabling sends what was held (DESIGN.md section 16): nothing is
    // left for a person to replay, and all three are due again.
    store.set_disabled("a", None).await.unwrap();
    assert!(store.disabled().await.unwrap().is_empty());
    let replayed = store
        .replay(
            &Scope::default(),
            &ReplaySelector::Bulk(DeliveryFilter {
                connector: Some("a".into()),
                status: Some(DeliveryState::Disabled),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(replayed, vec![], "re-enabling released the held deliveries");
    assert_eq!(
        store
            .lease_due("a", &lease("n2", 60_000), 10)
            .await
            .unwrap()
            .len(),
        3
    );
    store.ping().await.unwrap();
}

async fn parked_deliveries_wait_unleased(store: Arc<dyn Store>) {
    let ingested = store
        .ingest(
            new_event(
                "evt_park",
                &[("busy", Admission::Park), ("free", Admission::Dispatch)],
            ),
            lease("n1", 60_000),
        )
        .await
        .unwrap();
    assert!(ingested.created);
    let rec = store
        .event(&Scope::default(), "evt_park")
        .await
        .unwrap()
        .expect("stored");
    assert!(rec
        .deliveries
        .iter()
        .all(|d| d.status == DeliveryState::Pending));
    assert!(
        store.next_due("busy").await.unwrap().is_some(),
        "a parked delivery is due at once"
    );
    let taken = store
        .lease_due("busy", &lease("n2", 60_000), 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1, "any node may lease a parked delivery");
    assert_eq!(taken[0].event.id, "evt_park");
    assert!(store
        .lease_due("free", &lease("n2", 60_000), 10)
        .await
        .unwrap()
        .is_empty());
}

async fn endpoints_are_stored_and_deleted(store: Arc<dyn Store>) {
    use switchboard_core::{
        config::Secret,
        endpoints::{EndpointRecord, EndpointSecret},
        signing::SigningKey,
    };
    let id = ids::endpoint_id();
    let mut ep = EndpointRecord {
        id: id.clone(),
        account: Default::default(),
        url: Some("https://example.com/hook".into()),
        urls: [(EventType::LeadCaptured, "https://example.com/leads".into())].into(),
        events: Some(vec![EventType::LeadCaptured, EventType::CallStarted]),
        description: "Zapier".into(),
        secrets: vec![EndpointSecret {
            secret: Secret::new(SigningKey::generate()),
            expires_at: None,
        }],
        created_at: now_ms(),
        updated_at: now_ms(),
    };
    assert!(store
        .endpoint(&Scope::default(), &id)
        .await
        .unwrap()
        .is_none());
    store.save_endpoint(&ep).await.unwrap();
    let back = store
        .endpoint(&Scope::default(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (&back.url, &back.urls, &back.events, &back.description),
        (&ep.url, &ep.urls, &ep.events, &ep.description)
    );
    assert_eq!(back.secrets[0].secret, ep.secrets[0].secret);

    // Saving again replaces: a rotation keeps both secrets, newest first.
    let old = ep.secrets[0].secret.clone();
    let new = Secret::new(SigningKey::generate());
    ep.rotate(new.clone(), now_ms() + 60_000);
    ep.events = None;
    store.save_endpoint(&ep).await.unwrap();
    let other = EndpointRecord {
        id: ids::endpoint_id(),
        ..ep.clone()
    };
    store.save_endpoint(&other).await.unwrap();
    let listed = store.endpoints().await.unwrap();
    assert_eq!(
        listed.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        vec![id.as_str(), other.id.as_str()]
    );
    assert_eq!(listed[0].events, None);
    let secrets: Vec<_> = listed[0].secrets.iter().map(|s| &s.secret).collect();
    assert_eq!(secrets, vec![&new, &old]);

    // Deleting parks its active deliveries as disabled and forgets its state.
    store
        .ingest(
            new_event("evt_ep1", &[(id.as_str(), Admission::Dispatch)]),
            lapsed("n1"),
        )
        .await
        .unwrap();
    store.set_disabled(&id, Some("410 Gone")).await.unwrap();
    store.set_disabled(&id, None).await.unwrap();
    store
        .replay(&Scope::default(), &ReplaySelector::Event("evt_ep1".into()))
        .await
        .unwrap();
    assert!(store.delete_endpoint(&Scope::default(), &id).await.unwrap());
    assert!(!store.delete_endpoint(&Scope::default(), &id).await.unwrap());
    assert!(store
        .endpoint(&Scope::default(), &id)
        .await
        .unwrap()
        .is_none());
    assert!(store.disabled().await.unwrap().is_empty());
    let d = &store
        .event(&Scope::default(), "evt_ep1")
        .await
        .unwrap()
        .unwrap()
        .deliveries[0];
    assert_eq!(d.status, DeliveryState::Disabled);
    assert_eq!(d.last_error.as_deref(), Some("endpoint deleted"));
    assert!(store
        .lease_due(&id, &lease("n2", 60_000), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.endpoints().await.unwrap().len(), 1);
}

/// The admin listing pages endpoints newest first, each with its disabled
/// reason and stored health; the lookups by name read the same facts.
async fn endpoint_pages_carry_state_and_health(store: Arc<dyn Store>) {
    use switchboard_core::{
        config::Secret,
        endpoints::{EndpointRecord, EndpointSecret},
        health::HealthDelta,
        signing::SigningKey,
    };
    let mut made = Vec::new();
    for i in 0..3 {
        let ep = EndpointRecord {
            id: ids::endpoint_id(),
            account: Default::default(),
            url: Some(format!("https://example.com/hook/{i}")),
            urls: Default::default(),
            events: None,
            description: format!("endpoint {i}"),
            secrets: vec![EndpointSecret {
                secret: Secret::new(SigningKey::generate()),
                expires_at: None,
            }],
            created_at: now_ms(),
            updated_at: now_ms(),
        };
        store.save_endpoint(&ep).await.unwrap();
        made.push(ep.id);
    }
    made.sort_by(|a, b| b.cmp(a));
    let (newest, middle, oldest) = (&made[0], &made[1], &made[2]);
    store.set_disabled(middle, Some("410 Gone")).await.unwrap();
    let mut d = HealthDelta::default();
    d.add(false, 100);
    d.add(false, 200);
    let h = store.record_health(newest, &d).await.unwrap();

    let first = store
        .endpoint_page(
            &Scope::default(),
            &PageRequest {
                cursor: None,
                limit: 2,
            },
        )
        .await
        .unwrap();
    let shown: Vec<_> = first
        .data
        .iter()
        .map(|e| {
            (
                e.record.id.as_str(),
                e.disabled.as_deref(),
                e.health.clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (newest.as_str(), None, Some(h.clone())),
            (middle.as_str(), Some("410 Gone"), None),
        ]
    );
    assert_eq!(first.next_cursor.as_ref(), Some(middle));
    let rest = store
        .endpoint_page(
            &Scope::default(),
            &PageRequest {
                cursor: first.next_cursor,
                limit: 2,
            },
        )
        .await
        .unwrap();
    let ids: Vec<_> = rest.data.iter().map(|e| e.record.id.as_str()).collect();
    assert_eq!(ids, vec![oldest.as_str()]);
    assert_eq!(rest.next_cursor, None);

    assert_eq!(store.health_of(newest).await.unwrap(), Some(h));
    assert_eq!(store.health_of(oldest).await.unwrap(), None);
    assert_eq!(
        store.disabled_reason(middle).await.unwrap().as_deref(),
        Some("410 Gone")
    );
    assert_eq!(store.disabled_reason(newest).await.unwrap(), None);
    store.set_disabled(middle, None).await.unwrap();
    assert_eq!(store.disabled_reason(middle).await.unwrap(), None);
}

async fn health_merges_attempt_outcomes(store: Arc<dyn Store>) {
    use switchboard_core::health::HealthDelta;
    let mut d = HealthDelta::default();
    d.add(false, 100);
    d.add(false, 200);
    let h = store.record_health("a", &d).await.unwrap();
    assert_eq!(
        (h.consecutive_failures, h.failing_since, h.last_success_at),
        (2, Some(100), None)
    );
    // More failures extend the streak and keep its start.
    let mut d = HealthDelta::default();
    d.add(false, 300);
    let h = store.record_health("a", &d).await.unwrap();
    assert_eq!(
        (h.consecutive_failures, h.failing_since, h.last_failure_at),
        (3, Some(100), Some(300))
    );
    // A success restarts it with the failures after it.
    let mut d = HealthDelta::default();
    d.add(true, 400);
    d.add(false, 500);
    let h = store.record_health("a", &d).await.unwrap();
    assert_eq!(
        (
            h.consecutive_failures,
            h.failing_since,
            h.last_success_at,
            h.last_failure_at
        ),
        (1, Some(500), Some(400), Some(500))
    );
    let mut d = HealthDelta::default();
    d.add(true, 600);
    let h = store.record_health("a", &d).await.unwrap();
    assert_eq!((h.consecutive_failures, h.failing_since), (0, None));
    assert_eq!(
        store.health().await.unwrap(),
        vec![ConnectorHealth {
            name: "a".to_owned(),
            health: h
        }]
    );
    // Re-enabling a connector forgets its health.
    store.set_disabled("a", Some("x")).await.unwrap();
    store.set_disabled("a", None).await.unwrap();
    assert!(store.health().await.unwrap().is_empty());
}

async fn backlog_counts_active_deliveries(store: Arc<dyn Store>) {
    assert!(store.backlog().await.unwrap().is_empty(), "nothing yet");
    let before = now_ms();
    let mut ids = Vec::new();
    for i in 0..3 {
        let new = new_event(
            &format!("evt_bl{i}"),
            &[("q", Admission::Dispatch), ("off", Admission::Disabled)],
        );
        ids.push(new.deliveries[0].id.clone());
        store.ingest(new, lease("n1", 60_000)).await.unwrap();
    }
    let after = now_ms();
    // One succeeds (leaves the backlog), one retries (stays), one is untouched.
    store
        .record_attempt(
            record(&ids[0], "n1", Some(200), None),
            NextStep::Succeeded,
            after,
        )
        .await
        .unwrap();
    store
        .record_attempt(
            record(&ids[1], "n1", Some(500), Some("HTTP 500")),
            NextStep::RetryAt(now_ms() + 60_000),
            after,
        )
        .await
        .unwrap();
    let backlog = store.backlog().await.unwrap();
    assert_eq!(
        backlog.len(),
        1,
        "disabled deliveries are not waiting: {backlog:?}"
    );
    let Backlog {
        connector,
        depth,
        oldest_created_at,
    } = &backlog[0];
    assert_eq!(connector, "q");
    assert_eq!(*depth, 2, "the retrying and the pending one");
    assert!(
        (before..=after).contains(oldest_created_at),
        "{oldest_created_at} not within [{before}, {after}]"
    );
}

/// More deliveries than one replay chunk (SQLite replays 5,000 per
/// transaction), across two connectors: every one is replayed once and counted.
async fn bulk_replay_counts_every_delivery(store: Arc<dyn Store>) {
    let per_connector = 6_001;
    let connectors: Vec<(&str, Admission)> = (0..per_connector)
        .flat_map(|_| [("a", Admission::Park), ("b", Admission::Park)])
        .collect();
    store
        .ingest(new_event("evt_bulk", &connectors), lapsed("n"))
        .await
        .unwrap();
    let mut counts = store
        .replay(
            &Scope::default(),
            &ReplaySelector::Bulk(DeliveryFilter::default()),
        )
        .await
        .unwrap();
    counts.sort();
    assert_eq!(
        counts,
        vec![
            replay_count("a", per_connector),
            replay_count("b", per_connector)
        ]
    );
}

/// A connector's key/value state: per (account, connector, key), a put
/// replaces, a delete forgets, and nothing leaks between scopes.
async fn connector_state_is_scoped_and_replaced(store: Arc<dyn Store>) {
    let scope = |account: &str, connector: &str| StateScope {
        account: account.into(),
        connector: connector.into(),
    };
    let slack = scope("default", "slack");
    assert_eq!(store.state_get(&slack, "thread:c1").await.unwrap(), None);
    store.state_put(&slack, "thread:c1", "1.1").await.unwrap();
    store.state_put(&slack, "thread:c1", "2.2").await.unwrap();
    store
        .state_put(&scope("default", "other"), "thread:c1", "x")
        .await
        .unwrap();
    store
        .state_put(&scope("acme", "slack"), "thread:c1", "y")
        .await
        .unwrap();
    assert_eq!(
        store
            .state_get(&slack, "thread:c1")
            .await
            .unwrap()
            .as_deref(),
        Some("2.2")
    );
    store.state_delete(&slack, "thread:c1").await.unwrap();
    assert_eq!(store.state_get(&slack, "thread:c1").await.unwrap(), None);
    assert_eq!(
        store
            .state_get(&scope("acme", "slack"), "thread:c1")
            .await
            .unwrap()
            .as_deref(),
        Some("y")
    );
}
