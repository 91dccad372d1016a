//! The call view (DESIGN.md section 12) through the admin API, on SQLite and
//! PostgreSQL: `GET /v1/calls/{call_id}` shows a call's events in time order
//! with their deliveries (connector, status, attempts, last error) and its
//! function invocations; `GET /v1/calls` finds calls by the caller's phone
//! (any common format), email (any case) or call id.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{
    storage::support::pg,
    support::{
        fresh_event, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub, SECRET,
    },
};

const CALL: &str = "call_timeline_1";

/// An event of `kind` in call `call`, created at `created` (Unix seconds).
fn event_of(kind: &str, call: &str, created: i64) -> Value {
    let mut ev = fresh_event(kind);
    ev["data"]["call_id"] = call.into();
    ev["created"] = created.into();
    ev
}

/// A hub with `crm` (answers 200, every event) and `pager` (answers 500,
/// leads only), and a function `lookup`.
async fn start(
    storage: Option<&str>,
    ok: &Receiver,
    down: &Receiver,
    answers: &Receiver,
) -> TestHub {
    let config = TestConfig::default()
        .connector(TestConnector::hook("crm", &ok.url))
        .connector(TestConnector::hook("pager", &down.url).set("events", ["lead.captured"]))
        .function(
            json!({"name": "lookup", "url": format!("{}/lookup", answers.url), "secret": SECRET}),
        );
    TestHub::start(match storage {
        Some(url) => config.storage_url(url),
        None => config,
    })
    .await
}

async fn call_view(storage: Option<&str>) {
    let (ok, down, answers) = (Receiver::start(), Receiver::start(), Receiver::start());
    down.set_default(Reply::Status(500, None));
    answers.set_default(Reply::Json(json!({"found": true})));
    let hub = start(storage, &ok, &down, &answers).await;
    // Posted out of order: the view orders by the envelopes' `created`.
    let completed = event_of("call.completed", CALL, 1_715_200_300);
    let started = event_of("call.started", CALL, 1_715_200_000);
    let lead = event_of("lead.captured", CALL, 1_715_200_100);
    let other = event_of("call.started", "call_someone_else", 1_715_200_050);
    for ev in [&completed, &started, &lead, &other] {
        assert_eq!(hub.post_event(ev).await.0, 202);
    }
    let invoked = hub
        .client
        .post(format!("{}/v1/functions/lookup/invoke", hub.url))
        .bearer_auth(crate::support::INGEST)
        .json(&json!({"call_id": CALL, "arguments": {"q": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(invoked.status(), 200);

    let path = format!("/v1/calls/{CALL}");
    let settled = wait_until(Duration::from_secs(10), async || {
        let (status, view) = hub.admin_get(&path).await;
        status == 200
            && view["invocations"].as_array().is_some_and(|i| i.len() == 1)
            && view["events"][1]["deliveries"]
                .as_array()
                .is_some_and(|d| d.iter().all(|d| d["attempt_count"].as_u64() >= Some(1)))
    })
    .await;
    let (status, view) = hub.admin_get(&path).await;
    assert!(settled, "{status}: {view:#}");
    assert_eq!(view["call_id"], CALL);
    let ids: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = [&started, &lead, &completed]
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, want, "events in time order, the other call's left out");
    assert_eq!(view["events"][0]["type"], "call.started");
    assert_eq!(view["events"][0]["created"], "2024-05-08T20:26:40.000Z");

    let deliveries = view["events"][1]["deliveries"].as_array().unwrap();
    let by = |name: &str| {
        deliveries
            .iter()
            .find(|d| d["connector"] == name)
            .unwrap()
            .clone()
    };
    let (crm, pager) = (by("crm"), by("pager"));
    assert_eq!(deliveries.len(), 2);
    assert_eq!(crm["status"], "succeeded");
    assert_eq!(crm["attempts"][0]["status_code"], 200);
    assert_eq!(pager["status"], "retrying");
    assert_eq!(pager["attempts"][0]["status_code"], 500);
    assert!(
        pager["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("500")),
        "{pager:#}"
    );
    assert_eq!(
        view["events"][0]["deliveries"].as_array().unwrap().len(),
        1,
        "only crm takes call.started"
    );

    let invocation = &view["invocations"][0];
    assert_eq!(invocation["function"], "lookup");
    assert_eq!(invocation["outcome"], "ok");
    assert_eq!(invocation["arguments"], json!({"q": 1}));

    let (status, missing) = hub.admin_get("/v1/calls/call_nobody").await;
    assert_eq!(
        (status, &missing["error"]["code"]),
        (404, &json!("not_found"))
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn a_call_shows_its_events_deliveries_and_invocations_on_sqlite() {
    call_view(None).await;
}

#[actix_rt::test]
async fn a_call_shows_its_events_deliveries_and_invocations_on_postgres() {
    let Some(pg) = pg("call_view").await else {
        return;
    };
    call_view(Some(&pg.url)).await;
    pg.drop().await;
}

/// The fixtures' caller is +1 555 123 4567, jordan@example.com.
async fn call_search(storage: Option<&str>) {
    let (ok, down, answers) = (Receiver::start(), Receiver::start(), Receiver::start());
    let hub = start(storage, &ok, &down, &answers).await;
    let mut transfer = event_of("transfer.requested", "call_other_caller", 1_715_200_000);
    transfer["data"]["from_number"] = "+15559876543".into();
    for ev in [
        event_of("call.started", CALL, 1_715_200_000),
        event_of("lead.captured", CALL, 1_715_200_100),
        transfer,
    ] {
        assert_eq!(hub.post_event(&ev).await.0, 202);
    }
    let found = async |query: &str| {
        let (status, page) = hub.admin_get(&format!("/v1/calls?{query}")).await;
        assert_eq!(status, 200, "{query}: {page}");
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["call_id"].as_str().unwrap().to_owned(),
                    c["events"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let ours = vec![(CALL.to_owned(), 2)];
    for query in [
        "phone=%2B15551234567",
        "phone=(555)%20123-4567",
        "phone=555.123.4567",
        "phone=1-555-123-4567",
        "email=JORDAN%40Example.COM",
        "call_id=call_timeline_1",
    ] {
        assert_eq!(found(query).await, ours, "{query}");
    }
    // The business's own number (`to_number`) is not a caller.
    assert_eq!(found("phone=%2B15557654321").await, vec![]);
    assert_eq!(found("phone=%2B15550000000").await, vec![]);
    assert_eq!(found("email=nobody%40example.com").await, vec![]);
    assert_eq!(found("call_id=call_nobody").await, vec![]);
    assert_eq!(
        found("call_id=x%00").await,
        vec![],
        "NUL names nothing, even on PostgreSQL"
    );
    for bad in [
        "",
        "phone=12",
        "email=jordan",
        "phone=5551234567&email=a%40b.c",
        "call_id=",
    ] {
        let (status, body) = hub.admin_get(&format!("/v1/calls?{bad}")).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (400, &json!("invalid_parameter")),
            "{bad}: {body}"
        );
    }
    hub.stop().await;
}

#[actix_rt::test]
async fn calls_are_found_by_phone_email_or_call_id_on_sqlite() {
    call_search(None).await;
}

#[actix_rt::test]
async fn calls_are_found_by_phone_email_or_call_id_on_postgres() {
    let Some(pg) = pg("call_search").await else {
        return;
    };
    call_search(Some(&pg.url)).await;
    pg.drop().await;
}
