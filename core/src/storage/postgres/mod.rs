//! PostgreSQL: one database shared by several hub nodes.
//!
//! Every node may ingest and every node leases due deliveries with
//! `FOR UPDATE SKIP LOCKED`, so a delivery is attempted by one node at a time;
//! a lease that runs out (its node died) lets any node take the delivery over.
//! Unlike SQLite, PostgreSQL takes concurrent writers, so the hot writes
//! (ingest, attempt records) go through a few [`Batcher`]s in parallel, each
//! grouping its callers into one transaction.

mod admin;
mod connect;
mod endpoints;
mod health;
mod invocations;
mod notify;
mod read;
mod write;

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use sqlx::PgPool;

use super::{
    Backlog, Batcher, DeliveryFilter, EventRecord, Ingested, Lease, NewEvent, Page, PageRequest,
    ReplaySelector, Sealer, StateCount, Store, StoreError,
};
use crate::{
    config::StorageConfig,
    delivery::{AttemptRecord, DeliveryDetail, Job, NextStep},
    endpoints::EndpointRecord,
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    health::{HealthDelta, HealthRecord},
    time::Millis,
};

pub use notify::{ENDPOINT_CHANNEL, WORK_CHANNEL};

type RecordReq = (AttemptRecord, NextStep, Millis);

/// [`Store`] on a PostgreSQL database (optionally one schema of it).
pub struct PostgresStore {
    pool: PgPool,
    ingest: Lanes<(NewEvent, Lease), Ingested>,
    record: Lanes<RecordReq, ()>,
    notify: notify::Notifier,
    sealer: Sealer,
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
        let pool = connect::pool(config).await?;
        let sealer = Sealer::new(config.secret_key.as_ref())?;
        endpoints::seal_plain(&pool, &sealer).await?;
        // Two lanes per kind of write leave connections for leases and reads.
        let lanes = (config.max_connections as usize / 4).clamp(1, 4);
        let ingest = Lanes::new(
            (0..lanes)
                .map(|_| {
                    let p = pool.clone();
                    Batcher::spawn(MAX_BATCH, move |batch| write::ingest(p.clone(), batch))
                })
                .collect(),
        );
        let record = Lanes::new(
            (0..lanes)
                .map(|_| {
                    let p = pool.clone();
                    Batcher::spawn(MAX_BATCH, move |batch| write::record(p.clone(), batch))
                })
                .collect(),
        );
        Ok(PostgresStore {
            notify: notify::Notifier::new(pool.clone()),
            pool,
            ingest,
            record,
            sealer,
        })
    }

    /// The connection pool, for tools and tests.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ingest(&self, event: NewEvent, lease: Lease) -> Result<Ingested, StoreError> {
        self.ingest.submit((event, lease)).await
    }

    async fn lease_due(
        &self,
        connector: &str,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        write::lease_due(&self.pool, connector, lease, limit).await
    }

    async fn next_due(&self, connector: &str) -> Result<Option<Millis>, StoreError> {
        read::next_due(&self.pool, connector).await
    }

    async fn record_attempt(
        &self,
        attempt: AttemptRecord,
        next: NextStep,
        first: Millis,
    ) -> Result<(), StoreError> {
        self.record.submit((attempt, next, first)).await
    }

    async fn expire(&self, delivery_id: &str, reason: &str) -> Result<(), StoreError> {
        admin::expire(&self.pool, delivery_id, reason).await
    }

    async fn release(&self, node: &str, ids: Vec<String>) -> Result<(), StoreError> {
        let connectors = admin::release(&self.pool, node, ids, 0).await?;
        self.notify.work(connectors).await;
        Ok(())
    }

    async fn release_until(
        &self,
        node: &str,
        ids: Vec<String>,
        due_at: Millis,
    ) -> Result<(), StoreError> {
        // Not due before `due_at`: no node needs waking now; they find the
        // work by its due time.
        admin::release(&self.pool, node, ids, due_at)
            .await
            .map(drop)
    }

    async fn release_node(&self, connector: &str, node: &str) -> Result<(), StoreError> {
        if admin::release_node(&self.pool, connector, node).await? > 0 {
            self.notify.work(vec![connector.to_owned()]).await;
        }
        Ok(())
    }

    async fn replay(&self, selector: &ReplaySelector) -> Result<Vec<(String, u64)>, StoreError> {
        let counts = admin::replay(&self.pool, selector).await?;
        self.notify
            .work(counts.iter().map(|(c, _)| c.clone()).collect())
            .await;
        Ok(counts)
    }

    async fn event(&self, id: &str) -> Result<Option<EventRecord>, StoreError> {
        read::event(&self.pool, id).await
    }

    async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> Result<Page, StoreError> {
        read::deliveries(&self.pool, filter, page).await
    }

    async fn delivery(&self, id: &str) -> Result<Option<DeliveryDetail>, StoreError> {
        read::delivery(&self.pool, id).await
    }

    async fn counts(&self) -> Result<Vec<StateCount>, StoreError> {
        read::counts(&self.pool).await
    }

    async fn backlog(&self) -> Result<Vec<Backlog>, StoreError> {
        read::backlog(&self.pool).await
    }

    async fn set_disabled(&self, connector: &str, reason: Option<&str>) -> Result<(), StoreError> {
        admin::set_disabled(&self.pool, connector, reason).await
    }

    async fn disabled(&self) -> Result<Vec<(String, String)>, StoreError> {
        read::disabled(&self.pool).await
    }

    async fn record_invocations(&self, records: Vec<InvocationRecord>) -> Result<(), StoreError> {
        invocations::record(&self.pool, records).await
    }

    async fn invocations(
        &self,
        filter: &InvocationFilter,
        page: &PageRequest,
    ) -> Result<InvocationPage, StoreError> {
        invocations::page(&self.pool, filter, page).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn work_notices(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
        Some(notify::listen(self.pool.clone(), WORK_CHANNEL))
    }

    async fn record_health(
        &self,
        name: &str,
        delta: &HealthDelta,
    ) -> Result<HealthRecord, StoreError> {
        health::record(&self.pool, name, delta).await
    }

    async fn health(&self) -> Result<Vec<(String, HealthRecord)>, StoreError> {
        health::all(&self.pool).await
    }

    async fn save_endpoint(&self, endpoint: &EndpointRecord) -> Result<(), StoreError> {
        endpoints::save(&self.pool, &self.sealer, endpoint).await?;
        self.notify.endpoint(&endpoint.id).await;
        Ok(())
    }

    async fn endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError> {
        endpoints::all(&self.pool, &self.sealer).await
    }

    async fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, StoreError> {
        endpoints::one(&self.pool, &self.sealer, id).await
    }

    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        let gone = endpoints::delete(&self.pool, id).await?;
        if gone {
            self.notify.endpoint(id).await;
        }
        Ok(gone)
    }

    fn endpoint_notices(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
        Some(notify::listen(self.pool.clone(), ENDPOINT_CHANNEL))
    }
}
