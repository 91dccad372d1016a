//! Shared by the storage tests: back-ends to run against, PostgreSQL schemas,
//! a loopback receiver that watches for concurrent attempts.

use std::{
    collections::HashMap,
    net::TcpListener,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use sqlx::{Connection, PgConnection};
use switchboard_core::{
    config::StorageConfig,
    storage::{self, Store},
};

/// The server every PostgreSQL test uses.
pub const PG_SERVER: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A schema of its own for one test, dropped by [`Pg::drop`].
pub struct Pg {
    /// Storage URL selecting the schema.
    pub url: String,
    schema: String,
}

/// Connects to the test server, or explains why not: panics under `CI=true`,
/// otherwise prints a notice and returns `None` (the caller returns early).
pub async fn pg(test: &str) -> Option<Pg> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let connected = tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(PG_SERVER))
        .await
        .map_err(|_| "timed out".to_owned())
        .and_then(|r| r.map_err(|e| e.to_string()));
    if let Err(e) = connected {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("PostgreSQL at {PG_SERVER} is required when CI=true: {e}");
        }
        eprintln!("NOTICE: skipping PostgreSQL test {test}: {PG_SERVER} unreachable ({e})");
        return None;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000_000;
    let schema = format!(
        "t_{}_{}_{}_{}",
        test.to_ascii_lowercase()
            .chars()
            .take(30)
            .collect::<String>(),
        std::process::id(),
        nanos,
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    Some(Pg {
        url: format!("{PG_SERVER}?options=-csearch_path%3D{schema}"),
        schema,
    })
}

impl Pg {
    /// Drops the test's schema and everything in it.
    pub async fn drop(self) {
        let mut conn = PgConnection::connect(PG_SERVER).await.expect("connect");
        sqlx::query(&format!(
            "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
            self.schema
        ))
        .execute(&mut conn)
        .await
        .expect("drop schema");
    }

    /// Runs one query in the schema (for checks the `Store` API does not offer).
    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        self.scalar(sql).await
    }

    /// One value of any type from a query in the schema.
    pub async fn scalar<T>(&self, sql: &str) -> T
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
    {
        let mut conn = PgConnection::connect(&self.url).await.expect("connect");
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect("query")
    }
}

/// Storage settings for a URL, with the defaults otherwise.
pub fn storage_config(url: &str) -> StorageConfig {
    StorageConfig {
        url: url.to_owned(),
        ..StorageConfig::default()
    }
}

/// A store under test and what keeps it alive.
pub struct Backend {
    /// The store.
    pub store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    pg: Option<Pg>,
}

impl Backend {
    /// A fresh SQLite file.
    pub async fn sqlite() -> Backend {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = storage::open(&storage_config(&url)).await.expect("open");
        Backend {
            store,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL schema (`None`: skipped, see [`pg`]).
    pub async fn postgres(test: &str) -> Option<Backend> {
        let pg = pg(test).await?;
        let store = storage::open(&storage_config(&pg.url)).await.expect("open");
        Some(Backend {
            store,
            _dir: None,
            pg: Some(pg),
        })
    }

    /// Drops the PostgreSQL schema, if any.
    pub async fn close(self) {
        if let Some(pg) = self.pg {
            pg.drop().await;
        }
    }
}

/// What a receiver saw of one delivery.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// The event id (`webhook-id`).
    pub event: String,
    /// Requests received, in order: (sending node, start).
    pub requests: Vec<(String, Instant)>,
    /// Requests answered 2xx.
    pub succeeded: u32,
    /// Requests in progress now.
    pub in_flight: u32,
    /// Times a request arrived while another for the same delivery was in progress.
    pub overlaps: u32,
}

/// A loopback webhook target keyed by delivery id (`x-oncallclerk-delivery`).
#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    /// Per delivery id.
    pub seen: Arc<Mutex<HashMap<String, Seen>>>,
}

/// Decrements the in-flight count even if the handler is dropped mid-way.
struct InFlight(Arc<Mutex<HashMap<String, Seen>>>, String);

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(s) = self.0.lock().unwrap().get_mut(&self.1) {
            s.in_flight -= 1;
        }
    }
}

impl Receiver {
    /// Starts a receiver that answers 503 to the first `fail_first` requests
    /// of each delivery and 200 afterwards, each after `delay`. Needs an actix runtime.
    pub fn start(fail_first: u32, delay: Duration, workers: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let seen: Arc<Mutex<HashMap<String, Seen>>> = Arc::default();
        let shared = seen.clone();
        let server = HttpServer::new(move || {
            let seen = shared.clone();
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest| {
                    let seen = seen.clone();
                    async move { answer(seen, req, fail_first, delay).await }
                }),
            )
        })
        .workers(workers)
        .backlog(4096)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        actix_rt::spawn(server);
        Receiver { url, seen }
    }

    /// Deliveries answered 2xx at least once.
    pub fn delivered(&self) -> usize {
        let seen = self.seen.lock().unwrap();
        seen.values().filter(|s| s.succeeded > 0).count()
    }

    /// A copy of everything seen.
    pub fn snapshot(&self) -> HashMap<String, Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until `n` deliveries succeeded, or `limit` passes; returns the count.
    pub async fn wait_delivered(&self, n: usize, limit: Duration) -> usize {
        crate::support::wait_until(limit, async || self.delivered() >= n).await;
        self.delivered()
    }
}

async fn answer(
    seen: Arc<Mutex<HashMap<String, Seen>>>,
    req: HttpRequest,
    fail_first: u32,
    delay: Duration,
) -> HttpResponse {
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("x-oncallclerk-delivery");
    let number = {
        let mut all = seen.lock().unwrap();
        let s = all.entry(id.clone()).or_default();
        s.event = header("webhook-id");
        s.requests.push((header("x-node"), Instant::now()));
        s.in_flight += 1;
        if s.in_flight > 1 {
            s.overlaps += 1;
        }
        s.requests.len() as u32
    };
    let _guard = InFlight(seen.clone(), id.clone());
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if number <= fail_first {
        return HttpResponse::ServiceUnavailable().body("try again");
    }
    if let Some(s) = seen.lock().unwrap().get_mut(&id) {
        s.succeeded += 1;
    }
    HttpResponse::Ok().body("ok")
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
