//! PostgreSQL: one database shared by several hub nodes.
//!
//! Every node may ingest and every node leases due deliveries with
//! `FOR UPDATE SKIP LOCKED`, so a delivery is attempted by one node at a time;
//! a lease that runs out (its node died) lets any node take the delivery over.
//! Unlike SQLite, PostgreSQL takes concurrent writers, so the hot writes
//! (ingest, attempt records) go through a few [`Batcher`]s in parallel, each
//! grouping its callers into one transaction. Changes other nodes must act
//! on are announced with `LISTEN/NOTIFY`.

mod ingest;
mod lease;
mod notify;
mod open;
mod record;

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use sqlx::{PgPool, Postgres};
use tokio::sync::mpsc::UnboundedReceiver;

use super::{
    sql::Sql,
    store::{Engine, SqlStore},
    Batcher, Ingested, Lease, NewEvent, RecordReq, Sealer, StoreError,
};
use crate::{
    config::StorageConfig,
    delivery::Job,
    health::{HealthDelta, HealthRecord},
};

pub use notify::{ENDPOINT_CHANNEL, WORK_CHANNEL};

/// [`Store`](super::Store) on a PostgreSQL database (optionally one schema of it).
pub type PostgresStore = SqlStore<PostgresEngine>;

/// PostgreSQL's hot paths: parallel batch lanes, `SKIP LOCKED` leases and
/// notices to other nodes. Health merges are single statements here (no
/// single writer to share).
pub struct PostgresEngine {
    pool: PgPool,
    sql: Sql<Postgres>,
    ingest: Lanes<(NewEvent, Lease), Ingested>,
    record: Lanes<RecordReq, ()>,
    notify: notify::Notifier,
}

const MAX_BATCH: usize = 512;

/// A few batchers used in turn: each commits one transaction at a time, so
/// parallel lanes keep the database busy while one lane waits on its commit.
struct Lanes<Req, Resp> {
    lanes: Vec<Batcher<Req, Resp>>,
    next: AtomicUsize,
}

impl<Req: Send + 'static, Resp: Send + 'static> Lanes<Req, Resp> {
    fn new(batchers: Vec<Batcher<Req, Resp>>) -> Self {
        Lanes {
            lanes: batchers,
            next: AtomicUsize::new(0),
        }
    }

    async fn submit(&self, req: Req) -> Result<Resp, StoreError> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.lanes.len();
        self.lanes[i].submit(req).await
    }
}

impl PostgresStore {
    /// Connects to `config.url` (a `search_path` given in its `options` picks
    /// the schema, created if missing) and applies migrations.
    pub async fn open(config: &StorageConfig) -> Result<Self, StoreError> {
        let pool = open::pool(config).await?;
        let sql = Sql::<Postgres> {
            read: pool.clone(),
            write: pool.clone(),
            sealer: Sealer::new(config.secret_key.as_ref())?,
        };
        sql.seal_plain().await?;
        // Two lanes per kind of write leave connections for leases and reads.
        let lanes = (config.max_connections as usize / 4).clamp(1, 4);
        let ingest = Lanes::new(
            (0..lanes)
                .map(|_| {
                    let p = pool.clone();
                    Batcher::spawn(MAX_BATCH, move |batch| ingest::ingest(p.clone(), batch))
                })
                .collect(),
        );
        let record = Lanes::new(
            (0..lanes)
                .map(|_| {
                    let p = pool.clone();
                    Batcher::spawn(MAX_BATCH, move |batch| record::record(p.clone(), batch))
                })
                .collect(),
        );
        Ok(SqlStore {
            engine: PostgresEngine {
                notify: notify::Notifier::new(pool.clone()),
                sql: sql.clone(),
                pool,
                ingest,
                record,
            },
            sql,
        })
    }

    /// The connection pool, for tools and tests.
    pub fn pool(&self) -> &PgPool {
        &self.engine.pool
    }
}

#[async_trait]
impl Engine for PostgresEngine {
    type Db = Postgres;

    async fn ingest(&self, event: NewEvent, lease: Lease) -> Result<Ingested, StoreError> {
        self.ingest.submit((event, lease)).await
    }

    async fn lease_due(
        &self,
        connector: &str,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        lease::lease_due(&self.pool, connector, lease, limit).await
    }

    async fn record_attempt(&self, req: RecordReq) -> Result<(), StoreError> {
        self.record.submit(req).await
    }

    async fn record_health(
        &self,
        name: &str,
        delta: &HealthDelta,
    ) -> Result<HealthRecord, StoreError> {
        self.sql.merge_health(name, delta).await
    }

    async fn announce_work(&self, connectors: Vec<String>) {
        self.notify.work(connectors).await;
    }

    async fn announce_endpoint(&self, id: &str) {
        self.notify.endpoint(id).await;
    }

    fn work_notices(&self) -> Option<UnboundedReceiver<String>> {
        Some(notify::listen(self.pool.clone(), WORK_CHANNEL))
    }

    fn endpoint_notices(&self) -> Option<UnboundedReceiver<String>> {
        Some(notify::listen(self.pool.clone(), ENDPOINT_CHANNEL))
    }
}
