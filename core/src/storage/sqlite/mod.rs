//! The embedded default: one SQLite file in WAL mode.
//!
//! SQLite has one writer at a time, so writes go through a single-connection
//! pool, and the hot ones (ingest, attempt records, health merges) are
//! grouped by one [`Batcher`] into shared transactions that rusqlite runs on
//! the writer's own thread (`writer.rs`). Reads use their own read-only pool
//! and never wait on writes.

mod backup;
mod compact;
mod health;
mod ingest;
mod lease;
mod open;
mod record;
mod writer;

use std::{str::FromStr, time::Duration};

pub use backup::backup;

use async_trait::async_trait;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Sqlite, SqlitePool,
};
use tokio::sync::oneshot;

use super::{
    batch::Shape,
    sql::Sql,
    store::{Engine, SqlStore},
    Batcher, Ingested, Lease, NewEvent, RecordReq, Sealer, StoreError,
};
use crate::{
    config::StorageConfig,
    delivery::Job,
    health::{HealthDelta, HealthRecord},
};

/// [`Store`](super::Store) on a SQLite file.
pub type SqliteStore = SqlStore<SqliteEngine>;

/// SQLite's hot paths: the single writer and leases on the write connection.
pub struct SqliteEngine {
    write: SqlitePool,
    writer: Batcher<writer::Write, ()>,
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
        compact::ensure_incremental(&write).await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .connect_with(options.read_only(true))
            .await?;
        let sql = Sql::<Sqlite> {
            read,
            write: write.clone(),
            sealer: Sealer::new(config.secret_key.as_ref())?,
        };
        sql.seal_plain().await?;
        let w = write.clone();
        let shape = Shape {
            max: MAX_BATCH,
            max_deferrable: MAX_RECORDS,
            urgent: |w| matches!(w, writer::Write::Ingest(..)),
        };
        let writer = Batcher::spawn_on_thread("sqlite-writer", shape, move |batch| {
            writer::commit(w.clone(), batch)
        });
        Ok(SqlStore {
            engine: SqliteEngine { write, writer },
            sql,
        })
    }
}

impl SqliteEngine {
    /// Queues a write that answers with `T`; waits for its commit.
    async fn submit<T>(
        &self,
        write: impl FnOnce(writer::Answer<T>) -> writer::Write,
    ) -> Result<T, StoreError> {
        let (answer, outcome) = oneshot::channel();
        self.writer.submit(write(answer)).await?;
        // Committed: the writer sent the answer before replying.
        outcome.await.map_err(|_| StoreError::Closed)
    }
}

#[async_trait]
impl Engine for SqliteEngine {
    type Db = Sqlite;

    async fn ingest(&self, event: NewEvent, lease: Lease) -> Result<Ingested, StoreError> {
        self.submit(|answer| writer::Write::Ingest(event, lease, answer))
            .await
    }

    async fn lease_due(
        &self,
        connector: &str,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        lease::lease_due(&self.write, connector, lease, limit).await
    }

    async fn record_attempt(&self, req: RecordReq) -> Result<(), StoreError> {
        self.writer.submit(writer::Write::Record(req)).await
    }

    async fn compact(&self) -> Result<(), StoreError> {
        compact::compact(&self.write).await
    }

    async fn record_health(
        &self,
        name: &str,
        delta: &HealthDelta,
    ) -> Result<HealthRecord, StoreError> {
        let (name, delta) = (name.to_owned(), delta.clone());
        self.submit(|answer| writer::Write::Health(name, delta, answer))
            .await
    }
}
