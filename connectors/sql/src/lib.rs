//! The `sql` connector: "your own database". Each event becomes one row of
//! the operator's table (`id`, `type`, `created`, `call_id`, `envelope`),
//! in SQLite (`sqlite://`) or PostgreSQL (`postgres://`).
//!
//! # Layout
//!
//! - [`config`]: the settings and the factory ([`build`]).
//! - [`table`]: the table name (checked, quoted) and the statements.
//! - `shape`: creating the table if missing and checking its columns.
//! - [`db`]: the connection, the start-up check, the insert.
//! - `classify`: what a failed insert means.
//!
//! Idempotent: the event id is the table's primary key and the insert is
//! `ON CONFLICT (id) DO NOTHING`, so a retry or a replay never adds a row.
//! Every value is a bound parameter.

mod classify;
pub mod config;
pub mod db;
mod shape;
pub mod table;

use async_trait::async_trait;
use switchboard_core::{
    config::Secret,
    connector::{Connector, DeliveryRequest, MappingError, Outcome, Plugin, StartError},
    outbound::{OutboundClient, OutboundRequest},
};
use tokio::sync::OnceCell;

pub use config::build;
use db::{Database, OpenError, Row, Target};
use table::TableName;

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "sql";

/// What `src/registry.rs` registers. No templates: the row is the envelope.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: &[],
};

/// How long start-up waits for the database: one that does not answer by
/// then does not hold the hub back (its deliveries wait and retry).
const START_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The databases a `url` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite:`.
    Sqlite,
    /// `postgres://` or `postgresql://`.
    Postgres,
}

impl Backend {
    /// The database `url` names, or what to write instead.
    pub fn of(url: &str) -> Result<Backend, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            Err("`url`: MySQL and MariaDB are not supported yet: use sqlite://PATH or postgres://USER@HOST/DB".into())
        } else {
            Err("`url` must be sqlite://PATH or postgres://USER@HOST/DB".into())
        }
    }
}

/// A `sql` connector instance.
pub struct Sql {
    url: Secret,
    backend: Backend,
    table: TableName,
    connections: u32,
    /// Connected (and the table checked) on first use: at start-up, or at
    /// the first delivery if the database was down then.
    db: OnceCell<Database>,
}

impl Sql {
    fn new(url: Secret, backend: Backend, table: TableName, connections: u32) -> Self {
        Sql {
            url,
            backend,
            table,
            connections,
            db: OnceCell::new(),
        }
    }

    async fn database(&self) -> Result<&Database, OpenError> {
        self.db
            .get_or_try_init(|| {
                Database::open(Target {
                    url: self.url.expose(),
                    backend: self.backend,
                    table: &self.table,
                    connections: self.connections,
                })
            })
            .await
    }
}

#[async_trait]
impl Connector for Sql {
    /// Nothing goes over HTTP: the row is written by [`deliver`](Self::deliver).
    fn prepare(&self, _req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        Ok(Vec::new())
    }

    /// A table of the wrong shape stops start-up; a database that does not
    /// answer yet does not (deliveries wait for it).
    async fn start(&self) -> Result<(), StartError> {
        let Ok(opened) = tokio::time::timeout(START_WAIT, self.database()).await else {
            warn_unreachable(&self.table, &"no answer within 5 s");
            return Ok(());
        };
        match opened {
            Ok(_) => Ok(()),
            Err(e) if e.is_transient() => {
                warn_unreachable(&self.table, &e);
                Ok(())
            }
            Err(e) => Err(StartError(e.to_string())),
        }
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, _http: &OutboundClient) -> Outcome {
        let db = match self.database().await {
            Ok(db) => db,
            Err(e) if e.is_transient() => return Outcome::retry(e.to_string()),
            Err(e) => return Outcome::rejected(e.to_string()),
        };
        match db.insert(&Row::of(req.event)).await {
            Ok(_) => Outcome::delivered_without_request(),
            Err(e) => classify::failed_insert(&self.table, &e),
        }
    }
}

fn warn_unreachable(table: &TableName, e: &dyn std::fmt::Display) {
    tracing::warn!(table = %table, error = %e, "database not reachable at start-up; deliveries will retry");
}
