//! The embedded default: one SQLite file in WAL mode.
//!
//! SQLite has one writer at a time, so writes go through a single-connection
//! pool and the hot ones (ingest, attempt records) are grouped by one
//! [`Batcher`] into shared transactions; reads use their own pool and never
//! wait on writes.

mod endpoints;
mod health;
mod ingest;
mod invocations;
mod open;
mod read;
mod record;
mod tx;
mod write;
mod writer;

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqlitePool,
};

use super::{
    batch::Shape, Backlog, Batcher, DeliveryFilter, EventRecord, Ingested, Lease, NewEvent, Page,
    PageRequest, ReplaySelector, Sealer, StateCount, Store, StoreError,
};
use crate::{
    config::StorageConfig,
    delivery::{AttemptRecord, DeliveryDetail, Job, NextStep},
    endpoints::EndpointRecord,
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    health::{HealthDelta, HealthRecord},
    time::Millis,
};

type RecordReq = (AttemptRecord, NextStep, Millis);

/// [`Store`] on a SQLite file.
pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    writer: Batcher<writer::Write, writer::Written>,
    sealer: Sealer,
}

const MAX_BATCH: usize = 512;
/// Attempt records and health merges per transaction. When many attempts
/// end at once (ten targets timing out together) their records go over
/// several commits, and ingests arriving meanwhile wait for one, not for all.
const MAX_RECORDS: usize = 64;

impl SqliteStore {
    /// A store on a fresh file in a temporary folder, which lives as long as
    /// the returned guard (unit tests).
    #[cfg(test)]
    pub(super) async fn temp() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = StorageConfig {
            url: format!("sqlite://{}", dir.path().join("t.db").display()),
            ..StorageConfig::default()
        };
        let store = SqliteStore::open(&config).await.expect("open");
        (dir, store)
    }

    /// Opens (creating if needed) the file named by `config.url` and migrates it.
    pub async fn open(config: &StorageConfig) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(&config.url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        open::check(&options).await?;
        // The check cannot see everything (SQLite opens an unwritable file
        // read-only without a word); opening errors get the same explanation.
        let path = options.get_filename().display().to_string();
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| open::explain(&path, &e))?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let sealer = Sealer::new(config.secret_key.as_ref())?;
        endpoints::seal_plain(&write, &sealer).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .connect_with(options.read_only(true))
            .await?;
        let w = write.clone();
        let shape = Shape {
            max: MAX_BATCH,
            max_deferrable: MAX_RECORDS,
            urgent: |w| matches!(w, writer::Write::Ingest(..)),
        };
        let writer = Batcher::spawn_on_thread("sqlite-writer", shape, move |batch| {
            writer::commit(w.clone(), batch)
        });
        Ok(SqliteStore {
            write,
            read,
            writer,
            sealer,
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ingest(&self, event: NewEvent, lease: Lease) -> Result<Ingested, StoreError> {
        match self
            .writer
            .submit(writer::Write::Ingest(event, lease))
            .await?
        {
            writer::Written::Ingested(ingested) => Ok(ingested),
            _ => unreachable!("an ingest is answered with its outcome"),
        }
    }

    async fn lease_due(
        &self,
        connector: &str,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        write::lease_due(&self.write, connector, lease, limit).await
    }

    async fn next_due(&self, connector: &str) -> Result<Option<Millis>, StoreError> {
        read::next_due(&self.read, connector).await
    }

    async fn record_attempt(
        &self,
        attempt: AttemptRecord,
        next: NextStep,
        first: Millis,
    ) -> Result<(), StoreError> {
        self.writer
            .submit(writer::Write::Record((attempt, next, first)))
            .await
            .map(drop)
    }

    async fn expire(&self, delivery_id: &str, reason: &str) -> Result<(), StoreError> {
        write::expire(&self.write, delivery_id, reason).await
    }

    async fn release(&self, node: &str, ids: Vec<String>) -> Result<(), StoreError> {
        write::release(&self.write, node, ids, 0).await
    }

    async fn release_until(
        &self,
        node: &str,
        ids: Vec<String>,
        due_at: Millis,
    ) -> Result<(), StoreError> {
        write::release(&self.write, node, ids, due_at).await
    }

    async fn release_node(&self, connector: &str, node: &str) -> Result<(), StoreError> {
        write::release_node(&self.write, connector, node).await
    }

    async fn replay(&self, selector: &ReplaySelector) -> Result<Vec<(String, u64)>, StoreError> {
        write::replay(&self.write, selector).await
    }

    async fn event(&self, id: &str) -> Result<Option<EventRecord>, StoreError> {
        read::event(&self.read, id).await
    }

    async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> Result<Page, StoreError> {
        read::deliveries(&self.read, filter, page).await
    }

    async fn delivery(&self, id: &str) -> Result<Option<DeliveryDetail>, StoreError> {
        read::delivery(&self.read, id).await
    }

    async fn counts(&self) -> Result<Vec<StateCount>, StoreError> {
        read::counts(&self.read).await
    }

    async fn backlog(&self) -> Result<Vec<Backlog>, StoreError> {
        read::backlog(&self.read).await
    }

    async fn set_disabled(&self, connector: &str, reason: Option<&str>) -> Result<(), StoreError> {
        write::set_disabled(&self.write, connector, reason).await
    }

    async fn disabled(&self) -> Result<Vec<(String, String)>, StoreError> {
        read::disabled(&self.read).await
    }

    async fn record_invocations(&self, records: Vec<InvocationRecord>) -> Result<(), StoreError> {
        invocations::record(&self.write, records).await
    }

    async fn invocations(
        &self,
        filter: &InvocationFilter,
        page: &PageRequest,
    ) -> Result<InvocationPage, StoreError> {
        invocations::page(&self.read, filter, page).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn record_health(
        &self,
        name: &str,
        delta: &HealthDelta,
    ) -> Result<HealthRecord, StoreError> {
        match self
            .writer
            .submit(writer::Write::Health(name.to_owned(), delta.clone()))
            .await?
        {
            writer::Written::Health(record) => Ok(record),
            _ => unreachable!("a merge is answered with the merged record"),
        }
    }

    async fn health(&self) -> Result<Vec<(String, HealthRecord)>, StoreError> {
        health::all(&self.read).await
    }

    async fn save_endpoint(&self, endpoint: &EndpointRecord) -> Result<(), StoreError> {
        endpoints::save(&self.write, &self.sealer, endpoint).await
    }

    async fn endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError> {
        endpoints::all(&self.read, &self.sealer).await
    }

    async fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, StoreError> {
        endpoints::one(&self.read, &self.sealer, id).await
    }

    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        endpoints::delete(&self.write, id).await
    }
}
