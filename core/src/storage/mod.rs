//! Storage: the one source of truth for events, deliveries and attempts.
//!
//! [`Store`] is implemented once, by [`SqlStore`], over either database:
//! [`sqlite::SqliteStore`] (embedded default) or [`postgres::PostgresStore`]
//! (several nodes). The cold queries are written once, in `sql/`, generic
//! over sqlx's `Database`; each back-end's folder holds only what its
//! strategy makes different (the hot writes, leases, opening, notices), with
//! the same file name for the same operation. Both must behave the same; the
//! contract suite in `tests/it/storage/` runs against each.

mod accounts;
mod batch;
mod calls;
mod error;
mod lifecycle;
pub mod postgres;
mod rows;
mod seal;
mod sql;
pub mod sqlite;
mod store;
mod transitions;
mod types;

use async_trait::async_trait;

pub use accounts::{DeletedAccount, StoredAccount, StoredCounts, TokenRecord};
pub use batch::Batcher;
pub use calls::CallLog;
pub use error::StoreError;
pub use lifecycle::{CallerRows, Cutoffs, Erased, ErasurePage, ErasureRecord, Pruned};
pub use seal::{SealError, Sealer, SEALED_PREFIX};
pub use store::SqlStore;
pub use transitions::{Alerted, TargetLifecycle, Transition};
pub use types::*;

use crate::{
    account::Scope,
    config::StorageConfig,
    delivery::{AttemptRecord, DeliveryDetail, Job, NextStep},
    endpoints::EndpointRecord,
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    health::{HealthDelta, HealthRecord},
    lifecycle::Identifier,
    time::Millis,
};

/// Everything the hub needs from a database.
#[async_trait]
pub trait Store: CallLog + Send + Sync + 'static {
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

    /// Makes deliveries of `scope`'s account due now again; returns how
    /// many per connector (by target key).
    async fn replay(
        &self,
        scope: &Scope,
        selector: &ReplaySelector,
    ) -> Result<Vec<Replayed>, StoreError>;

    /// One event of `scope`'s account with its deliveries.
    async fn event(&self, scope: &Scope, id: &str) -> Result<Option<EventRecord>, StoreError>;

    /// A page of `scope`'s account's deliveries, newest first.
    async fn deliveries(
        &self,
        scope: &Scope,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> Result<Page, StoreError>;

    /// One delivery of `scope`'s account with its attempts.
    async fn delivery(&self, scope: &Scope, id: &str)
        -> Result<Option<DeliveryDetail>, StoreError>;

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
    async fn disabled(&self) -> Result<Vec<DisabledConnector>, StoreError>;

    /// Why one connector is disabled; `None` when it is enabled.
    async fn disabled_reason(&self, connector: &str) -> Result<Option<String>, StoreError>;

    /// Appends function invocation records (written in one transaction).
    async fn record_invocations(&self, records: Vec<InvocationRecord>) -> Result<(), StoreError>;

    /// A page of `scope`'s account's function invocations, newest first.
    async fn invocations(
        &self,
        scope: &Scope,
        filter: &InvocationFilter,
        page: &PageRequest,
    ) -> Result<InvocationPage, StoreError>;

    /// Deletes one batch (at most `limit` rows of each kind) of what is past
    /// its retention cutoff; see [`Cutoffs`].
    async fn prune(&self, cutoffs: &Cutoffs, limit: usize) -> Result<Pruned, StoreError>;

    /// Gives the space pruning freed back to the file system, a little at a
    /// time (SQLite); nothing to do on PostgreSQL, whose autovacuum reuses it.
    async fn compact(&self) -> Result<(), StoreError>;

    /// The events and function invocations that mention a caller.
    async fn find_caller(&self, scope: &Scope, who: &Identifier) -> Result<CallerRows, StoreError>;

    /// Deletes those rows for good (with the events' deliveries and
    /// attempts) and logs the erasure as asked by `requested_by`.
    async fn erase(
        &self,
        scope: &Scope,
        rows: &CallerRows,
        who: &Identifier,
        requested_by: &str,
    ) -> Result<ErasureRecord, StoreError>;

    /// A page of erasure records, newest first.
    async fn erasures(&self, scope: &Scope, page: &PageRequest) -> Result<ErasurePage, StoreError>;

    /// Cheap liveness check for `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Merges a connector's recent attempt outcomes into its stored health
    /// and returns the result.
    async fn record_health(
        &self,
        name: &str,
        delta: &HealthDelta,
    ) -> Result<HealthRecord, StoreError>;

    /// The stored health of every connector that has made attempts, by name.
    async fn health(&self) -> Result<Vec<ConnectorHealth>, StoreError>;

    /// The stored health of one connector; `None` before its first attempt.
    async fn health_of(&self, connector: &str) -> Result<Option<HealthRecord>, StoreError>;

    /// Every target's lifecycle record (health, disabled state, what was
    /// alerted), for the periodic lifecycle check.
    async fn lifecycles(&self) -> Result<Vec<TargetLifecycle>, StoreError>;

    /// Applies a transition if it still holds; `Some` when this caller won
    /// it (with the exhausted count for [`Transition::ClaimExhausted`]).
    async fn transition(&self, target: &str, change: Transition)
        -> Result<Option<u64>, StoreError>;

    /// How many deliveries each of these targets holds as `disabled`.
    async fn held(
        &self,
        targets: &[String],
    ) -> Result<std::collections::HashMap<String, u64>, StoreError>;

    /// The error of a target's latest failed attempt, for alerts.
    async fn last_error(&self, target: &str) -> Result<Option<String>, StoreError>;

    /// Creates or replaces a runtime endpoint (and tells other nodes).
    async fn save_endpoint(&self, endpoint: &EndpointRecord) -> Result<(), StoreError>;

    /// Every runtime endpoint of every account, oldest first (a node
    /// starting, or catching up).
    async fn endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError>;

    /// A page of `scope`'s account's runtime endpoints, newest first, each
    /// with its disabled reason and stored health.
    async fn endpoint_page(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> Result<EndpointPage, StoreError>;

    /// One runtime endpoint of `scope`'s account.
    async fn endpoint(&self, scope: &Scope, id: &str)
        -> Result<Option<EndpointRecord>, StoreError>;

    /// Deletes a runtime endpoint of `scope`'s account and its disabled
    /// state; its active deliveries become `disabled` (never attempted).
    /// Returns whether it existed.
    async fn delete_endpoint(&self, scope: &Scope, id: &str) -> Result<bool, StoreError>;

    /// A connector's stored value for `key`, if any (see
    /// [`ConnectorState`](crate::connector::ConnectorState)).
    async fn state_get(&self, scope: &StateScope, key: &str) -> Result<Option<String>, StoreError>;

    /// Stores `value` for a connector's `key`, replacing any earlier value.
    async fn state_put(&self, scope: &StateScope, key: &str, value: &str)
        -> Result<(), StoreError>;

    /// Forgets a connector's `key` (nothing happens if it is not stored).
    async fn state_delete(&self, scope: &StateScope, key: &str) -> Result<(), StoreError>;

    /// Every account holding anything in storage, with what it holds.
    async fn accounts(&self) -> Result<Vec<StoredAccount>, StoreError>;

    /// What `scope`'s account holds in storage (all zero when nothing).
    async fn account_counts(&self, scope: &Scope) -> Result<StoredCounts, StoreError>;

    /// Removes everything `scope`'s account holds (events, deliveries and
    /// their attempts, runtime endpoints, invocations, tokens, target state
    /// and health) in one transaction, keeps a deletion record without
    /// identifiers, and leaves nothing readable in the database's files
    /// (`Dialect::SCRUB`). Other nodes retire the endpoints.
    async fn delete_account(&self, scope: &Scope) -> Result<DeletedAccount, StoreError>;

    /// Stores a newly issued account token (its hash only).
    async fn save_token(&self, token: &TokenRecord) -> Result<(), StoreError>;

    /// `scope`'s account's tokens, oldest first.
    async fn tokens(&self, scope: &Scope) -> Result<Vec<TokenRecord>, StoreError>;

    /// The token with this id, whatever its account: how a presented token
    /// finds the account it is confined to. Read from storage on every
    /// request, so a revocation holds at once on every node.
    async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError>;

    /// Revokes a token of `scope`'s account; returns whether it existed.
    async fn revoke_token(&self, scope: &Scope, id: &str) -> Result<bool, StoreError>;

    /// Target keys of runtime endpoints other nodes created, changed or
    /// deleted, as they announce it; an empty key means "reload all". `None` when the
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

/// The database a `[storage] url` names, told by its scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite:`: one embedded file, one node.
    Sqlite,
    /// `postgres://` or `postgresql://`: one database, several nodes.
    Postgres,
}

impl Backend {
    /// The back-end of `url`, or an error saying which URLs are supported.
    pub fn of(url: &str) -> Result<Backend, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(format!(
                "'{url}' is not supported: use sqlite://FILE or postgres://USER@HOST/DB"
            ))
        }
    }

    /// Whether several nodes may share the database (and so must look for
    /// work the others released).
    pub fn is_shared(self) -> bool {
        self == Backend::Postgres
    }
}

/// Opens the store named by `[storage] url`, applying migrations.
pub async fn open(config: &StorageConfig) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Ok(match Backend::of(&config.url).map_err(StoreError::Open)? {
        Backend::Sqlite => std::sync::Arc::new(sqlite::SqliteStore::open(config).await?),
        Backend::Postgres => std::sync::Arc::new(postgres::PostgresStore::open(config).await?),
    })
}
