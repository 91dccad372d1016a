//! The connector on a real SQLite file, without a hub: a row per event, a
//! retry adds none, an event of no call gets a NULL `call_id`, and a table
//! that lost a column refuses at once with the database's words.

use serde_json::json;
use sqlx::{Connection, SqliteConnection};
use switchboard_connector_sql::PLUGIN;
use switchboard_core::{
    connector::{testing, Connector, Verdict},
    event::{Event, EventType},
};

struct File {
    url: String,
    _dir: tempfile::TempDir,
}

fn file() -> File {
    let dir = tempfile::tempdir().unwrap();
    File {
        url: format!("sqlite://{}", dir.path().join("own.db").display()),
        _dir: dir,
    }
}

fn connector(f: &File) -> std::sync::Arc<dyn Connector> {
    testing::build(&PLUGIN, &testing::config("sql", json!({"url": f.url}))).unwrap()
}

async fn rows(f: &File) -> Vec<(String, Option<String>)> {
    let mut c = SqliteConnection::connect(&f.url).await.unwrap();
    sqlx::query_as("SELECT id, call_id FROM switchboard_events ORDER BY id")
        .fetch_all(&mut c)
        .await
        .unwrap()
}

#[tokio::test]
async fn one_row_per_event_a_retry_adds_none_and_no_call_is_null() {
    let f = file();
    let c = connector(&f);
    c.start().await.unwrap();
    let lead = testing::sample(EventType::LeadCaptured);
    for _ in 0..2 {
        assert_eq!(
            testing::deliver(&*c, &lead).await.verdict,
            Verdict::Delivered
        );
    }
    let callless = Event::from_stored(
        "evt_no_call".into(),
        EventType::CallStarted,
        1_715_200_000,
        r#"{"id":"evt_no_call","type":"call.started","created":1715200000,"data":{}}"#.into(),
    );
    assert_eq!(
        testing::deliver(&*c, &callless).await.verdict,
        Verdict::Delivered
    );
    assert_eq!(
        rows(&f).await,
        [
            (
                lead.id.clone(),
                Some("call_01J9Z3K8Q2M4N6P8R0S2T4V6X8".into())
            ),
            ("evt_no_call".into(), None),
        ]
    );
}

#[tokio::test]
async fn a_table_that_lost_a_column_refuses_at_once() {
    let f = file();
    let c = connector(&f);
    c.start().await.unwrap();
    let mut conn = SqliteConnection::connect(&f.url).await.unwrap();
    sqlx::query("ALTER TABLE switchboard_events DROP COLUMN call_id")
        .execute(&mut conn)
        .await
        .unwrap();
    let outcome = testing::deliver(&*c, &testing::sample(EventType::LeadCaptured)).await;
    assert_eq!(outcome.verdict, Verdict::Reject);
    let error = outcome.error.unwrap();
    assert!(
        error.contains("call_id") && error.contains("switchboard_events"),
        "{error}"
    );
}

#[test]
fn bad_settings_are_named_at_build() {
    for (settings, named) in [
        (
            json!({"url": "mysql://root@localhost/db"}),
            "not supported yet",
        ),
        (json!({"url": "redis://x"}), "sqlite://"),
        (
            json!({"url": "sqlite://x.db", "table": "x; DROP TABLE y"}),
            "`table`",
        ),
        (
            json!({"url": "sqlite://x.db", "base_url": "http://x"}),
            "base_url",
        ),
    ] {
        let err = testing::build(&PLUGIN, &testing::config("sql", settings))
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains(named), "{err}");
    }
}

#[tokio::test]
async fn an_unreachable_database_does_not_stop_start_up_and_deliveries_retry() {
    let c = testing::build(
        &PLUGIN,
        &testing::config(
            "sql",
            json!({"url": "postgres://postgres@127.0.0.1:1/nowhere"}),
        ),
    )
    .unwrap();
    c.start().await.expect("start-up goes on");
    let outcome = testing::deliver(&*c, &testing::sample(EventType::LeadCaptured)).await;
    assert!(
        matches!(outcome.verdict, Verdict::Retry { .. }),
        "{outcome:?}"
    );
}
