//! Write transactions that cannot outlive a failure.
//!
//! sqlx's `Transaction` rolls back on drop by queueing a `ROLLBACK` for the
//! connection's next use. After SQLITE_FULL (disk full) that left a
//! transaction open on the pooled SQLite writer, so every later "committed"
//! batch ran inside it and vanished: acknowledged events silently lost. Here
//! a transaction is a plain `BEGIN` / `COMMIT` on a connection taken from
//! the pool, and on any error (or a drop before `COMMIT` succeeded) the
//! connection is closed instead of returned. Closing a connection rolls back
//! whatever it had open, so the next write starts on a clean one.

use sqlx::{pool::PoolConnection, Database, Pool};

use super::{Dialect, Statement};
use crate::storage::StoreError;

/// An open write transaction; commit it or drop it to roll back.
pub(crate) struct WriteTx<DB: Database> {
    conn: Option<PoolConnection<DB>>,
}

impl<DB: Dialect> WriteTx<DB> {
    /// Takes a write connection and starts a transaction
    /// ([`Dialect::BEGIN_WRITE`]).
    pub(crate) async fn begin(pool: &Pool<DB>) -> Result<Self, StoreError> {
        let mut conn = pool.acquire().await?;
        if let Err(e) = DB::raw(&mut conn, DB::BEGIN_WRITE).await {
            conn.close_on_drop();
            return Err(e);
        }
        Ok(WriteTx { conn: Some(conn) })
    }

    /// The connection to run the transaction's statements on.
    pub(crate) fn conn(&mut self) -> &mut DB::Connection {
        self.conn.as_mut().expect("open until commit or drop")
    }

    /// Every row of `stmt`, run in the transaction.
    pub(crate) async fn fetch_all(&mut self, stmt: &Statement) -> Result<Vec<DB::Row>, StoreError> {
        DB::fetch_all(self.conn(), stmt).await
    }

    /// Runs `stmt` in the transaction; returns how many rows it changed.
    pub(crate) async fn execute(&mut self, stmt: &Statement) -> Result<u64, StoreError> {
        DB::execute(self.conn(), stmt).await
    }

    /// Commits; on failure the connection is closed, rolling everything back.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        let mut conn = self.conn.take().expect("open until commit or drop");
        let committed = DB::raw(&mut conn, "COMMIT").await;
        if committed.is_err() {
            conn.close_on_drop();
        }
        committed
    }
}

impl<DB: Database> Drop for WriteTx<DB> {
    fn drop(&mut self) {
        // Not committed: an error (or a cancelled future) ended the work.
        if let Some(mut conn) = self.conn.take() {
            conn.close_on_drop();
        }
    }
}
