//! `POST /v1/erasure` by phone (any format), email (any case) and call id:
//! the caller's events, deliveries, attempts and invocations go, nobody
//! else's, and on SQLite not a byte of them stays in the file or the WAL.

use std::{path::Path, time::Duration};

use serde_json::{json, Value};
use switchboard_core::{
    functions::{invocation_id, InvocationRecord, Outcome},
    lifecycle::Identifier,
    time::now_ms,
};

use crate::{
    storage::support::pg,
    support::{fresh_event, wait_until, Receiver, Reply, TestConfig, TestConnector, TestHub},
};

/// Strings only Ana's events hold; none may survive her erasure.
const ANA_TRACES: [&str; 6] = [
    "5125550142",
    "555-0142",
    "555.0142",
    "ana.marquez@example.com",
    "zyxwana",
    "call_erase_a",
];
/// A string only Bob's event holds: it must still be found (the search works).
const BOB_TRACE: &str = "qqbobkeep";

fn event(kind: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut ev = fresh_event(kind);
    edit(&mut ev["data"]);
    ev
}

/// Ana's events: E.164 and formatted phones, an upper-case email, a call of
/// hers with no phone at all; and Bob's.
fn events() -> (Vec<Value>, Value) {
    let ana = vec![
        event("lead.captured", |d| {
            d["call_id"] = "call_erase_a1".into();
            d["from_number"] = "+15125550142".into();
            d["lead"]["phone"] = "(512) 555-0142".into();
            d["lead"]["email"] = "Ana.Marquez@Example.com".into();
            d["lead"]["name"] = "Ana ZyxwAna Marquez".into();
        }),
        event("call.completed", |d| {
            d["call_id"] = "call_erase_a2".into();
            d["from_number"] = "512.555.0142".into();
            d["summary"]["text"] = "ZyxwAna asked for a quote".into();
        }),
        event("booking.created", |d| {
            d["call_id"] = "call_erase_a3".into();
            let customer = &mut d["booking"]["customer"];
            customer["name"] = "ZyxwAna".into();
            customer["phone"] = "+15550000001".into();
            customer["email"] = "ANA.MARQUEZ@example.COM".into();
        }),
        event("call.started", |d| {
            d["call_id"] = "call_erase_a4".into();
            d["from_number"] = "+15550000002".into();
        }),
    ];
    let bob = event("lead.captured", |d| {
        d["call_id"] = "call_keep_b".into();
        d["lead"]["name"] = "Bob QqBobKeep".into();
        d["lead"]["email"] = "bob@example.com".into();
        d["lead"]["phone"] = "+15125559999".into();
        d["from_number"] = "+15125559999".into();
    });
    (ana, bob)
}

fn invocation(call_id: &str, arguments: Value) -> InvocationRecord {
    InvocationRecord {
        id: invocation_id(),
        function: "availability".into(),
        call_id: call_id.into(),
        outcome: Outcome::Ok,
        status_code: 200,
        upstream_status: Some(200),
        arguments: arguments.to_string(),
        result: Some("{}".into()),
        error: None,
        response_excerpt: None,
        attempts: 1,
        started_at: now_ms(),
        duration_us: 10,
        node: "n1".into(),
        account: Default::default(),
    }
}

async fn erase(hub: &TestHub, body: Value) -> Value {
    let (status, answer) = hub.admin_post("/v1/erasure", body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn a_caller_is_erased_by_each_identifier(storage: Option<&str>) -> TestHub {
    let ok = Receiver::start();
    let down = Receiver::start();
    down.set_default(Reply::Status(503, None));
    let mut config = TestConfig::default()
        .delivery("max_backoff", Duration::from_millis(200))
        .connector(TestConnector::hook("ok", &ok.url))
        .connector(TestConnector::hook("down", &down.url));
    if let Some(url) = storage {
        config = config.storage_url(url);
    }
    let hub = TestHub::start(config).await;
    let (ana, bob) = events();
    for ev in ana.iter().chain([&bob]) {
        assert_eq!(hub.post_event(ev).await.0, 202);
    }
    hub.store
        .record_invocations(vec![
            invocation("call_erase_a1", json!({"date": "2026-03-09"})),
            invocation("call_other", json!({"callback": "+1 512 555 0142"})),
            invocation("call_keep_b", json!({"note": "qqbobkeep"})),
        ])
        .await
        .unwrap();
    let settled = wait_until(Duration::from_secs(5), async || {
        ok.count() >= 5 && down.count() >= 5
    })
    .await;
    assert!(settled, "deliveries were not attempted");

    // Two events carry her phone (E.164, formatted, dotted), two invocations.
    let by_phone = erase(&hub, json!({"phone": "+1 (512) 555 0142"})).await;
    assert_eq!(
        by_phone,
        json!({"events": 2, "deliveries": 4, "invocations": 2})
    );
    // Her email in another case.
    let by_email = erase(&hub, json!({"email": "ana.marquez@EXAMPLE.com"})).await;
    assert_eq!(
        by_email,
        json!({"events": 1, "deliveries": 2, "invocations": 0})
    );
    let by_call = erase(&hub, json!({"call_id": "call_erase_a4"})).await;
    assert_eq!(
        by_call,
        json!({"events": 1, "deliveries": 2, "invocations": 0})
    );
    // Nothing left to erase: zeros, still logged.
    let again = erase(&hub, json!({"phone": "5125550142"})).await;
    assert_eq!(
        again,
        json!({"events": 0, "deliveries": 0, "invocations": 0})
    );

    for ev in &ana {
        let id = ev["id"].as_str().unwrap();
        assert_eq!(hub.admin_get(&format!("/v1/events/{id}")).await.0, 404);
        assert!(hub.deliveries_of(id).await.is_empty());
    }
    let bob_id = bob["id"].as_str().unwrap();
    assert_eq!(hub.admin_get(&format!("/v1/events/{bob_id}")).await.0, 200);
    assert_eq!(hub.deliveries_of(bob_id).await.len(), 2);

    // Her retrying deliveries are not attempted again; Bob's still are.
    actix_rt::time::sleep(Duration::from_millis(800)).await;
    let recent: Vec<Value> = down
        .received()
        .iter()
        .filter(|r| r.at.elapsed() < Duration::from_millis(600))
        .map(|r| r.json()["id"].clone())
        .collect();
    assert!(!recent.is_empty(), "Bob's delivery is no longer retried");
    assert!(
        recent.iter().all(|id| *id == bob["id"]),
        "an erased event was sent again: {recent:?}"
    );

    let (_, log) = hub.admin_get("/v1/erasures").await;
    let records = log["data"].as_array().unwrap();
    assert_eq!(records.len(), 4, "{log}");
    let phone_hash = Identifier::phone("+15125550142").unwrap().hash();
    assert_eq!(records[3]["identifier_kind"], "phone");
    assert_eq!(records[3]["identifier_hash"], phone_hash.as_str());
    assert_eq!(records[3]["events"], 2);
    assert_eq!(records[2]["identifier_kind"], "email");
    assert!(records[0]["requested_by"]
        .as_str()
        .unwrap()
        .starts_with("admin:"));
    assert_eq!(records[0]["account"], "default");
    let text = log.to_string().to_lowercase();
    for trace in ANA_TRACES {
        assert!(!text.contains(trace), "the erasure log names {trace}");
    }
    hub
}

/// The database file and its WAL, lower-cased.
fn database_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).unwrap();
    if let Ok(wal) = std::fs::read(db.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    bytes.to_ascii_lowercase()
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[actix_rt::test]
async fn a_caller_is_erased_from_the_sqlite_file_and_wal() {
    let hub = a_caller_is_erased_by_each_identifier(None).await;
    let bytes = database_bytes(&hub.dir.path().join("hub.db"));
    for trace in ANA_TRACES {
        assert!(
            !holds(&bytes, trace),
            "{trace} is still in the database file or WAL"
        );
    }
    assert!(
        holds(&bytes, BOB_TRACE),
        "the byte search cannot find what stays"
    );
    hub.stop().await;
}

#[actix_rt::test]
async fn a_caller_is_erased_on_postgres() {
    let Some(pg) = pg("erasure_hub").await else {
        return;
    };
    let hub = a_caller_is_erased_by_each_identifier(Some(&pg.url)).await;
    hub.stop().await;
    for (table, column) in [("events", "body"), ("function_invocations", "arguments")] {
        let n = pg
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM {table} WHERE LOWER({column}) LIKE '%zyxwana%' \
                 OR {column} LIKE '%0142%'"
            ))
            .await;
        assert_eq!(n, 0, "{table} still mentions her");
    }
    pg.drop().await;
}

#[actix_rt::test]
async fn an_erasure_names_exactly_one_valid_identifier() {
    let hub = TestHub::start(TestConfig::default()).await;
    for body in [
        json!({}),
        json!({"phone": "123"}),
        json!({"email": "nobody"}),
        json!({"phone": "+14155550123", "email": "a@b.c"}),
        json!({"name": "Ana"}),
    ] {
        let (status, answer) = hub.admin_post("/v1/erasure", body.clone()).await;
        assert!(matches!(status, 400 | 422), "{body}: {status} {answer}");
    }
    let anonymous = hub
        .client
        .post(format!("{}/v1/erasure", hub.url))
        .json(&json!({"phone": "+14155550123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    hub.stop().await;
}
