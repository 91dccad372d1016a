//! The `sql` connector through a real hub: one row per event in the
//! operator's own database, a real SQLite file and this machine's real
//! PostgreSQL; a replay adds no row; a table of the wrong shape stops
//! start-up with a message naming what is missing.

use std::time::Duration;

use serde_json::Value;
use sqlx::{Connection, PgConnection, SqliteConnection};
use switchboard_core::event::EventType;
use switchboard_testkit::sparse;

use crate::{
    storage::support::{pg, Pg, PG_SERVER},
    support::{fresh_event, wait_until, TestConfig, TestConnector, TestHub},
};

/// One row as the test reads it back.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: String,
    kind: String,
    created: i64,
    call_id: Option<String>,
    envelope: Value,
}

/// The operator's database the connector writes to.
enum Customer {
    Sqlite {
        url: String,
        _dir: tempfile::TempDir,
    },
    Postgres {
        pg: Pg,
        table: String,
    },
}

impl Customer {
    fn sqlite() -> Customer {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("customer.db").display());
        Customer::Sqlite { url, _dir: dir }
    }

    /// A schema of its own on the test server (`None`: skipped, see `pg`).
    async fn postgres(test: &str) -> Option<Customer> {
        let pg = pg(test).await?;
        let schema = pg.url.rsplit("%3D").next().unwrap().to_owned();
        let mut conn = PgConnection::connect(PG_SERVER).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
            .execute(&mut conn)
            .await
            .unwrap();
        Some(Customer::Postgres {
            table: format!("{schema}.call_events"),
            pg,
        })
    }

    fn connector(&self) -> TestConnector {
        let c = TestConnector::new("warehouse", "sql");
        match self {
            Customer::Sqlite { url, .. } => c.set("url", url.as_str()),
            Customer::Postgres { table, .. } => {
                c.set("url", PG_SERVER).set("table", table.as_str())
            }
        }
    }

    /// Runs one statement (a test's own table setup).
    async fn execute(&self, sql: &str) {
        match self {
            Customer::Sqlite { url, .. } => {
                let mut c = SqliteConnection::connect(&format!("{url}?mode=rwc"))
                    .await
                    .unwrap();
                sqlx::query(sql).execute(&mut c).await.unwrap();
            }
            Customer::Postgres { pg, .. } => {
                let mut c = PgConnection::connect(&pg.url).await.unwrap();
                sqlx::query(sql).execute(&mut c).await.unwrap();
            }
        }
    }

    async fn rows(&self) -> Vec<Row> {
        type Raw = (String, String, i64, Option<String>, String);
        let raw: Vec<Raw> = match self {
            Customer::Sqlite { url, .. } => {
                let mut c = SqliteConnection::connect(url).await.unwrap();
                sqlx::query_as("SELECT id, type, created, call_id, envelope FROM switchboard_events ORDER BY id")
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
            }
            Customer::Postgres { pg, table } => {
                let mut c = PgConnection::connect(&pg.url).await.unwrap();
                sqlx::query_as(&format!(
                    "SELECT id, type, created, call_id, envelope::text FROM {table} ORDER BY id"
                ))
                .fetch_all(&mut c)
                .await
                .unwrap()
            }
        };
        raw.into_iter()
            .map(|(id, kind, created, call_id, envelope)| Row {
                id,
                kind,
                created,
                call_id,
                envelope: serde_json::from_str(&envelope).unwrap(),
            })
            .collect()
    }

    async fn close(self) {
        if let Customer::Postgres { pg, .. } = self {
            pg.drop().await;
        }
    }
}

/// Waits until every delivery of `id` succeeded with `attempts` attempts.
async fn settled(hub: &TestHub, id: &str, attempts: u64) {
    let done = wait_until(Duration::from_secs(10), async || {
        hub.deliveries_of(id).await.first().is_some_and(|d| {
            d["status"] == "succeeded" && d["attempt_count"].as_u64() == Some(attempts)
        })
    })
    .await;
    assert!(done, "{id}: {:?}", hub.deliveries_of(id).await);
}

async fn one_row_per_event_and_a_replay_adds_none(customer: &Customer, storage: TestConfig) {
    let hub = TestHub::start(storage.connector(customer.connector())).await;
    let mut posted = Vec::new();
    for (kind, _) in switchboard_core::event::fixtures() {
        let event = fresh_event(kind.as_str());
        let (status, _) = hub.post_event(&event).await;
        assert_eq!(status, 202);
        settled(&hub, event["id"].as_str().unwrap(), 1).await;
        posted.push(event);
    }
    let first = posted[0]["id"].as_str().unwrap();
    let (status, _) = hub
        .admin_post(&format!("/v1/events/{first}/replay"), Value::Null)
        .await;
    assert_eq!(status, 202);
    settled(&hub, first, 2).await;
    hub.stop().await;

    let rows = customer.rows().await;
    assert_eq!(
        rows.len(),
        posted.len(),
        "N events, N rows, after a replay too"
    );
    posted.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    for (row, event) in rows.iter().zip(&posted) {
        assert_eq!(row.id, event["id"].as_str().unwrap());
        assert_eq!(row.kind, event["type"].as_str().unwrap());
        assert_eq!(row.created, event["created"].as_i64().unwrap());
        assert_eq!(row.call_id.as_deref(), event["data"]["call_id"].as_str());
        assert_eq!(row.envelope, *event, "the envelope as posted");
    }
}

#[actix_rt::test]
async fn events_become_one_row_each_in_a_sqlite_file_and_a_replay_adds_none() {
    let customer = Customer::sqlite();
    one_row_per_event_and_a_replay_adds_none(&customer, TestConfig::default()).await;
}

#[actix_rt::test]
async fn events_become_one_row_each_in_postgres_and_a_replay_adds_none() {
    let Some(customer) = Customer::postgres("sql_rows").await else {
        return;
    };
    let Some(storage) = pg("sql_rows_hub").await else {
        return;
    };
    one_row_per_event_and_a_replay_adds_none(
        &customer,
        TestConfig::default().storage_url(&storage.url),
    )
    .await;
    storage.drop().await;
    customer.close().await;
}

async fn sparse_events_insert(customer: &Customer) {
    let hub = TestHub::start(TestConfig::default().connector(customer.connector())).await;
    let sparsest: Vec<Value> = EventType::ALL
        .into_iter()
        .flat_map(sparse::variants)
        .filter(|v| v.name.contains("sparsest (required fields only)"))
        .map(|v| {
            let mut e = v.event.value();
            e["id"] = switchboard_core::ids::event_id().into();
            e
        })
        .collect();
    assert_eq!(sparsest.len(), EventType::ALL.len());
    for event in &sparsest {
        let (status, body) = hub.post_event(event).await;
        assert_eq!(status, 202, "{body}");
        settled(&hub, event["id"].as_str().unwrap(), 1).await;
    }
    hub.stop().await;
    let rows = customer.rows().await;
    assert_eq!(rows.len(), sparsest.len());
    for row in rows {
        let event = sparsest
            .iter()
            .find(|e| e["id"] == row.id.as_str())
            .unwrap();
        assert_eq!(row.envelope, *event, "only the required fields, as posted");
    }
}

#[actix_rt::test]
async fn the_sparsest_events_insert_on_sqlite_and_postgres() {
    let customer = Customer::sqlite();
    sparse_events_insert(&customer).await;
    if let Some(customer) = Customer::postgres("sql_sparse").await {
        sparse_events_insert(&customer).await;
        customer.close().await;
    }
}

async fn a_wrong_shape_stops_start_up(customer: Customer, table: &str) {
    customer
        .execute(&format!(
            "CREATE TABLE {table} (id TEXT PRIMARY KEY, type TEXT, created BIGINT)"
        ))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = TestConfig::default()
        .in_dir(dir.path())
        .connector(customer.connector())
        .build();
    let err = switchboard_core::hub::Hub::start(&config, &switchboard::registry::registry())
        .await
        .err()
        .expect("the hub refuses to start");
    let text = err.to_string();
    assert!(
        text.contains("warehouse") && text.contains("call_id, envelope"),
        "{text}"
    );
    customer.close().await;
}

#[actix_rt::test]
async fn a_table_without_the_columns_stops_start_up_on_sqlite_and_postgres() {
    a_wrong_shape_stops_start_up(Customer::sqlite(), "switchboard_events").await;
    if let Some(customer) = Customer::postgres("sql_shape").await {
        let table = match &customer {
            Customer::Postgres { table, .. } => table.clone(),
            Customer::Sqlite { .. } => unreachable!(),
        };
        a_wrong_shape_stops_start_up(customer, &table).await;
    }
}
