//! `DELETE /v1/accounts/{account}`: everything the account holds is gone
//! (no row on either back-end; on SQLite no trace of its callers' phone
//! numbers in the database file or its WAL), the other account's data
//! stays, and the answer counts what was removed.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::storage::support::pg;
use crate::support::{fresh_event, wait_until, Receiver, TestConfig, TestConnector, TestHub};

/// Phone numbers only acme's and only bravo's events carry.
const ACME_PHONE: &str = "+15550109999";
const BRAVO_PHONE: &str = "+15550108888";

/// acme holds a runtime endpoint, a token and a lead; bravo a connector and
/// a lead. Waits until both leads are delivered.
async fn two_accounts_with_data(hub: &TestHub, rx: &Receiver) {
    let (status, ep) = hub
        .admin_post(
            "/v1/endpoints?account=acme",
            json!({"url": format!("{}/acme", rx.url)}),
        )
        .await;
    assert_eq!(status, 201, "{ep}");
    let (status, _) = hub
        .admin_post("/v1/accounts/acme/tokens", json!({"name": "zapier"}))
        .await;
    assert_eq!(status, 201);
    for (account, phone) in [("acme", ACME_PHONE), ("bravo", BRAVO_PHONE)] {
        let mut ev = fresh_event("lead.captured");
        ev["account"] = account.into();
        ev["data"]["lead"]["phone"] = phone.into();
        let (status, body) = hub.post_event(&ev).await;
        assert_eq!((status, &body["deliveries"]), (202, &json!(1)), "{body}");
    }
    assert!(wait_until(Duration::from_secs(5), async || rx.count() >= 2).await);
    let settled = wait_until(Duration::from_secs(5), async || {
        let mut done = true;
        for account in ["acme", "bravo"] {
            let (_, page) = hub
                .admin_get(&format!(
                    "/v1/deliveries?account={account}&status=succeeded"
                ))
                .await;
            done &= page["data"].as_array().is_some_and(|d| d.len() == 1);
        }
        done
    })
    .await;
    assert!(settled, "both leads delivered and recorded");
}

fn config(rx: &Receiver) -> TestConfig {
    TestConfig::default().connector(TestConnector::hook("crm", &rx.url).set("account", "bravo"))
}

/// Deletes acme and checks the answer and what the API still shows.
async fn delete_acme(hub: &TestHub) {
    let (status, body) = hub
        .admin_send(Method::DELETE, "/v1/accounts/default", None)
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = hub
        .admin_send(Method::DELETE, "/v1/accounts/nobody", None)
        .await;
    assert_eq!(status, 404);
    let (status, accounts) = hub.admin_get("/v1/accounts").await;
    assert_eq!(status, 200);
    let ids: Vec<&Value> = accounts["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert_eq!(ids, [&json!("acme"), &json!("bravo")], "{accounts}");

    let (status, counts) = hub
        .admin_send(Method::DELETE, "/v1/accounts/acme", None)
        .await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(
        counts,
        json!({"events": 1, "deliveries": 1, "endpoints": 1, "connectors": 0,
               "functions": 0, "invocations": 0, "tokens": 1})
    );
    let (status, _) = hub.admin_get("/v1/accounts/acme").await;
    assert_eq!(status, 404, "acme owns nothing any more");
    let (status, _) = hub.admin_get("/v1/endpoints?account=acme").await;
    assert_eq!(status, 200);
    let (status, bravo) = hub.admin_get("/v1/accounts/bravo").await;
    assert_eq!(status, 200);
    assert_eq!(bravo["counts"]["events"], 1, "bravo's data stays: {bravo}");
    assert_eq!(bravo["counts"]["deliveries"], 1, "{bravo}");
}

/// Whether `needle` appears in the file at `path` (absent file: no).
fn file_holds(path: &std::path::Path, needle: &str) -> bool {
    std::fs::read(path)
        .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

#[actix_rt::test]
async fn deleting_an_account_leaves_no_trace_in_the_sqlite_file_or_wal() {
    let rx = Receiver::start();
    let hub = TestHub::start(config(&rx)).await;
    two_accounts_with_data(&hub, &rx).await;
    let db = hub.dir.path().join("hub.db");
    let wal = hub.dir.path().join("hub.db-wal");
    assert!(
        file_holds(&db, ACME_PHONE) || file_holds(&wal, ACME_PHONE),
        "the test would prove nothing: acme's phone is not stored"
    );
    delete_acme(&hub).await;
    assert!(
        !file_holds(&db, ACME_PHONE),
        "acme's phone is still in the file"
    );
    assert!(
        !file_holds(&wal, ACME_PHONE),
        "acme's phone is still in the WAL"
    );
    assert!(
        file_holds(&db, BRAVO_PHONE) || file_holds(&wal, BRAVO_PHONE),
        "bravo's data must stay"
    );
    // Still serving: acme may start again from nothing.
    let mut ev = fresh_event("call.started");
    ev["account"] = "acme".into();
    assert_eq!(hub.post_event(&ev).await.0, 202);
    hub.stop().await;
}

#[actix_rt::test]
async fn deleting_an_account_leaves_no_row_on_postgres() {
    let Some(pg) = pg("accounts_deletion").await else {
        return;
    };
    let rx = Receiver::start();
    let hub = TestHub::start(config(&rx).storage_url(&pg.url)).await;
    two_accounts_with_data(&hub, &rx).await;
    delete_acme(&hub).await;
    for table in [
        "events",
        "deliveries",
        "endpoints",
        "function_invocations",
        "account_tokens",
    ] {
        let left = pg
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM {table} WHERE account = 'acme'"
            ))
            .await;
        assert_eq!(left, 0, "{table}");
    }
    for table in ["connector_state", "connector_health"] {
        let left = pg
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM {table} WHERE name LIKE 'acme/%'"
            ))
            .await;
        assert_eq!(left, 0, "{table}");
    }
    let attempts = pg
        .scalar_i64("SELECT COUNT(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id")
        .await;
    assert_eq!(attempts, 1, "bravo's attempt stays, acme's is gone");
    let orphans = pg
        .scalar_i64(
            "SELECT COUNT(*) FROM attempts WHERE delivery_id NOT IN (SELECT id FROM deliveries)",
        )
        .await;
    assert_eq!(orphans, 0);
    assert_eq!(
        pg.scalar_i64("SELECT COUNT(*) FROM account_deletions")
            .await,
        1
    );
    hub.stop().await;
    pg.drop().await;
}
