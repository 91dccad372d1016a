//! Storage: the one source of truth for events, deliveries and attempts.
//!
//! [`Store`] is implemented by [`sqlite::SqliteStore`] (embedded default) and
//! [`postgres::PostgresStore`] (several nodes). Both must behave the same; the
//! shared test suite in `tests/it/storage.rs` runs against each.

mod batch;
pub mod postgres;
mod rows;
mod seal;
pub mod sqlite;
mod types;

use async_trait::async_trait;

pub use batch::Batcher;
pub use seal::{SealError, Sealer, SEALED_PREFIX};
pub use types::*;

use crate::{
    config::StorageConfig,
    delivery::{AttemptRecord, DeliveryDetail, Job, NextStep},
    endpoints::EndpointRecord,
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    health::{HealthDelta, HealthRecord},
    time::Millis,
};

/// A storage failure. Ingest answers 503 on any of these: nothing was acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The disk holding the database is full; writes fail until space returns.
    #[error("the database's disk is full ({0}); free space on it, writes resume by themselves")]
    Full(String),
    /// The database file or its folder cannot be written.
    #[error("the database is read-only ({0}); make the file and its folder writable by the hub")]
    ReadOnly(String),
    /// The database could not be opened safely at start-up (locked, damaged,
    /// unwritable); the message says which and what to do.
    #[error("{0}")]
    Open(String),
    /// Migrations could not be applied.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data that does not parse (a bug or manual edits).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A grouped write failed; the message is the database's.
    #[error("database error: {0}")]
    Failed(String),
    /// A stored secret could not be sealed or opened (key missing or wrong).
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The store's writer task is gone (shutting down).
    #[error("storage is shutting down")]
    Closed,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let Some(db) = e.as_database_error() else {
            return StoreError::Database(e);
        };
        let code = db.code().unwrap_or_default();
        // SQLite's extended codes keep the primary code in the low byte.
        let sqlite = code.parse::<i32>().ok().map(|c| c & 0xff);
        match (sqlite, code.as_ref()) {
            // SQLITE_FULL; PostgreSQL disk_full
            (Some(13), _) | (_, "53100") => StoreError::Full(db.message().to_owned()),
            // SQLITE_READONLY; PostgreSQL read_only_sql_transaction
            (Some(8), _) | (_, "25006") => StoreError::ReadOnly(db.message().to_owned()),
            _ => StoreError::Database(e),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Full(e.to_string()),
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly(e.to_string()),
            _ => StoreError::Failed(e.to_string()),
        }
    }
}

impl StoreError {
    /// A copy for every caller of a failed grouped write (the original is
    /// shared, and `sqlx::Error` cannot be cloned); keeps the kind of failure.
    pub fn shared_copy(&self) -> StoreError {
        match self {
            StoreError::Full(m) => StoreError::Full(m.clone()),
            StoreError::ReadOnly(m) => StoreError::ReadOnly(m.clone()),
            StoreError::Closed => StoreError::Closed,
            other => StoreError::Failed(other.to_string()),
        }
    }
}

/// Everything the hub needs from a database.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Commits an event with all its deliveries in one transaction (grouped
    /// with concurrent callers'), returning only once durable. Idempotent on
    /// the event id: a known id creates nothing and reports the existing
    /// delivery count. New deliveries are leased to `lease` so the ingesting
    /// node makes the first attempt without another query.
    async fn ingest(&self, event: NewEvent, lease: Lease) -> Result<Ingested, StoreError>;

    /// Leases up to `limit` due, unleased deliveries of a connector, oldest due first.
    async fn lease_due(
        &self,
        connector: &str,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError>;

    /// The earliest time something of this connector may become due (its
    /// next attempt, or the expiry of another node's lease), if anything is active.
    async fn next_due(&self, connector: &str) -> Result<Option<Millis>, StoreError>;

    /// Logs an attempt and moves the delivery on, releasing its lease.
    async fn record_attempt(
        &self,
        attempt: AttemptRecord,
        next: NextStep,
        first_attempt_at: Millis,
    ) -> Result<(), StoreError>;

    /// Fails an active delivery without an attempt, with `reason` as its
    /// error: its retry window ran out while it waited (circuit breaker).
    async fn expire(&self, delivery_id: &str, reason: &str) -> Result<(), StoreError>;

    /// Gives deliveries `node` leased back without an attempt (shutdown,
    /// overflow, waited too long). A lease another node took since (after
    /// this one ran out) is left alone.
    async fn release(&self, node: &str, delivery_ids: Vec<String>) -> Result<(), StoreError>;

    /// [`release`](Self::release), each delivery due no earlier than
    /// `due_at`: its connector is paused until then, so no node takes it
    /// sooner (a pause longer than the lease costs one write per delivery,
    /// not a lease taken over into a storm of refused requests).
    async fn release_until(
        &self,
        node: &str,
        delivery_ids: Vec<String>,
        due_at: Millis,
    ) -> Result<(), StoreError>;

    /// Releases every lease a node holds on a connector (its actor restarted).
    async fn release_node(&self, connector: &str, node: &str) -> Result<(), StoreError>;

    /// Makes deliveries due now again; returns how many per connector.
    async fn replay(&self, selector: &ReplaySelector) -> Result<Vec<(String, u64)>, StoreError>;

    /// One event with its deliveries.
    async fn event(&self, id: &str) -> Result<Option<EventRecord>, StoreError>;

    /// A page of deliveries, newest first.
    async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> Result<Page, StoreError>;

    /// One delivery with its attempts.
    async fn delivery(&self, id: &str) -> Result<Option<DeliveryDetail>, StoreError>;

    /// Delivery counts per connector and state.
    async fn counts(&self) -> Result<Vec<StateCount>, StoreError>;

    /// Per connector with active deliveries: how many are `pending` or
    /// `retrying`, and the creation time of the oldest (read at scrape time).
    async fn backlog(&self) -> Result<Vec<Backlog>, StoreError>;

    /// Marks a connector disabled (with a reason) or enabled (`None`); a
    /// disabled connector's active deliveries become `disabled`. Enabling
    /// also forgets its stored health, so an old failure streak cannot
    /// disable it again at once.
    async fn set_disabled(&self, connector: &str, reason: Option<&str>) -> Result<(), StoreError>;

    /// Connectors currently disabled, with their reasons.
    async fn disabled(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Appends function invocation records (written in one transaction).
    async fn record_invocations(&self, records: Vec<InvocationRecord>) -> Result<(), StoreError>;

    /// A page of function invocations, newest first.
    async fn invocations(
        &self,
        filter: &InvocationFilter,
        page: &PageRequest,
    ) -> Result<InvocationPage, StoreError>;

    /// Cheap liveness check for `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Merges a connector's recent attempt outcomes into its stored health
    /// and returns the result.
    async fn record_health(
        &self,
        name: &str,
        delta: &HealthDelta,
    ) -> Result<HealthRecord, StoreError>;

    /// The stored health of every connector that has made attempts.
    async fn health(&self) -> Result<Vec<(String, HealthRecord)>, StoreError>;

    /// Creates or replaces a runtime endpoint (and tells other nodes).
    async fn save_endpoint(&self, endpoint: &EndpointRecord) -> Result<(), StoreError>;

    /// Every runtime endpoint, oldest first.
    async fn endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError>;

    /// One runtime endpoint.
    async fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, StoreError>;

    /// Deletes a runtime endpoint and its disabled state; its active
    /// deliveries become `disabled` (never attempted). Returns whether it existed.
    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError>;

    /// Ids of runtime endpoints other nodes created, changed or deleted, as
    /// they announce it; an empty id means "reload all". `None` when the
    /// back-end has no such channel (one node only).
    fn endpoint_notices(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
        None
    }

    /// Connector names whose work other nodes made due (replay, released
    /// leases), as they announce it; an empty name means "look at all".
    /// `None` when the back-end has no such channel (one node only).
    fn work_notices(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
        None
    }
}

/// Opens the store named by `[storage] url`, applying migrations.
pub async fn open(config: &StorageConfig) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if config.url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(
            sqlite::SqliteStore::open(config).await?,
        ))
    } else if config.url.starts_with("postgres://") || config.url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(
            postgres::PostgresStore::open(config).await?,
        ))
    } else {
        Err(StoreError::Corrupt(format!(
            "storage url '{}' is not supported by this build",
            config.url
        )))
    }
}
