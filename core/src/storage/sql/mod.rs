//! The cold queries, written once for both databases.
//!
//! Everything here is plain SQL with `$N` placeholders (sqlx's SQLite driver
//! reads them by number too), generic over sqlx's `Database` and run through
//! [`Run`] (`run.rs` says why not sqlx's `QueryBuilder`). What really differs
//! between SQLite and PostgreSQL is a handful of words, kept in [`Dialect`].
//! The hot paths, where the strategies differ (SQLite's single rusqlite
//! writer, PostgreSQL's `unnest` batches and `SKIP LOCKED` leases), live in
//! the back-ends' own folders.

mod accounts;
mod admin;
mod calls;
mod endpoints;
mod erase;
mod health;
mod invocations;
mod kv;
mod prune;
mod read;
mod run;
mod transitions;
mod tx;

use sqlx::{Database, Pool};

pub(super) use health::MERGE as HEALTH_MERGE;
pub(crate) use run::{Fields, Run, Statement};
pub(crate) use tx::WriteTx;

use super::{Sealer, StoreError};

/// The SQL that differs between the databases.
pub trait Dialect: Run + Database<Row: Fields> {
    /// Starts a write transaction. SQLite takes the write lock at once
    /// (`IMMEDIATE`), so a transaction never fails half-way on a busy lock.
    const BEGIN_WRITE: &'static str;
    /// Makes a read transaction one snapshot, if its first read does not already.
    const SNAPSHOT: Option<&'static str>;
    /// The function giving the larger of two values (NULLs aside).
    const GREATEST: &'static str;
    /// Statements that keep a value rewritten in place from staying readable
    /// in the database's files: run inside the transaction before and after
    /// the rewrite, and once after its commit.
    const SCRUB: Option<Scrub>;
    /// Appended to a `SELECT` of rows a transaction is about to delete, so
    /// that a concurrent change (a replay) waits for it and two nodes
    /// pruning at once take different rows. SQLite's write lock already
    /// excludes both.
    const LOCK_SKIP: &'static str;
    /// Appended to a `SELECT` of rows a transaction must delete all of: a
    /// concurrent attempt record waits until they are gone.
    const LOCK: &'static str;
}

/// See [`Dialect::SCRUB`].
pub struct Scrub {
    /// Before the rewrite.
    pub on: &'static str,
    /// After the rewrite, before the commit.
    pub off: &'static str,
    /// After the commit.
    pub flush: &'static str,
}

impl Dialect for sqlx::Sqlite {
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    // A deferred transaction reads one snapshot from its first read on.
    const SNAPSHOT: Option<&'static str> = None;
    const GREATEST: &'static str = "MAX";
    // `secure_delete` zeroes the space the old value leaves in its page; the
    // checkpoint writes those pages back and empties the WAL.
    const SCRUB: Option<Scrub> = Some(Scrub {
        on: "PRAGMA secure_delete = ON",
        off: "PRAGMA secure_delete = OFF",
        flush: "PRAGMA wal_checkpoint(TRUNCATE)",
    });
    const LOCK_SKIP: &'static str = "";
    const LOCK: &'static str = "";
}

impl Dialect for sqlx::Postgres {
    const BEGIN_WRITE: &'static str = "BEGIN";
    const SNAPSHOT: Option<&'static str> =
        Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const GREATEST: &'static str = "GREATEST";
    const SCRUB: Option<Scrub> = None;
    const LOCK_SKIP: &'static str = " FOR UPDATE SKIP LOCKED";
    const LOCK: &'static str = " FOR UPDATE";
}

/// The pools and the sealer the shared queries run with.
pub(crate) struct Sql<DB: Database> {
    /// For reads (on SQLite a read-only pool that never waits on writes).
    pub(crate) read: Pool<DB>,
    /// For writes (on SQLite its single write connection).
    pub(crate) write: Pool<DB>,
    /// Seals and opens stored secrets.
    pub(crate) sealer: Sealer,
}

impl<DB: Database> Clone for Sql<DB> {
    fn clone(&self) -> Self {
        Sql {
            read: self.read.clone(),
            write: self.write.clone(),
            sealer: self.sealer.clone(),
        }
    }
}

impl<DB: Dialect> Sql<DB> {
    /// Every row of `stmt`, read on the read pool.
    async fn read_all(&self, stmt: &Statement) -> Result<Vec<DB::Row>, StoreError> {
        DB::fetch_all(&mut *self.read.acquire().await?, stmt).await
    }

    /// The first row of `stmt`, if any, read on the read pool.
    async fn read_optional(&self, stmt: &Statement) -> Result<Option<DB::Row>, StoreError> {
        DB::fetch_optional(&mut *self.read.acquire().await?, stmt).await
    }

    /// Every row `stmt` returns, run on its own on the write pool.
    async fn write_all(&self, stmt: &Statement) -> Result<Vec<DB::Row>, StoreError> {
        DB::fetch_all(&mut *self.write.acquire().await?, stmt).await
    }

    /// Runs `stmt` on its own on the write pool; returns how many rows it changed.
    async fn write(&self, stmt: &Statement) -> Result<u64, StoreError> {
        DB::execute(&mut *self.write.acquire().await?, stmt).await
    }
}
