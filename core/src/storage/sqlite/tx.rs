//! Write transactions that cannot outlive a failure.
//!
//! sqlx's `Transaction` rolls back on drop by queueing a `ROLLBACK` for the
//! connection's next use. After SQLITE_FULL (disk full) that left a
//! transaction open on the pooled writer, so every later "committed" batch
//! ran inside it and vanished: acknowledged events silently lost. Here a
//! transaction is a plain `BEGIN IMMEDIATE` / `COMMIT` on a connection taken
//! from the pool, and on any error (or a drop before `COMMIT` succeeded) the
//! connection is closed instead of returned. Closing a SQLite connection
//! rolls back whatever it had open, so the next batch starts on a clean one.

use sqlx::{pool::PoolConnection, Executor, Sqlite, SqliteConnection, SqlitePool};

use crate::storage::StoreError;

/// An open write transaction; commit it or drop it to roll back.
pub(super) struct WriteTx {
    conn: Option<PoolConnection<Sqlite>>,
}

impl WriteTx {
    /// Takes the writer connection and starts an immediate (write-locking) transaction.
    pub(super) async fn begin(pool: &SqlitePool) -> Result<Self, StoreError> {
        let mut conn = pool.acquire().await?;
        if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
            conn.close_on_drop();
            return Err(e.into());
        }
        Ok(WriteTx { conn: Some(conn) })
    }

    /// The connection to run the transaction's statements on.
    pub(super) fn conn(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("open until commit or drop")
    }

    /// Commits; on failure the connection is closed, rolling everything back.
    pub(super) async fn commit(mut self) -> Result<(), StoreError> {
        let mut conn = self.conn.take().expect("open until commit or drop");
        match conn.execute("COMMIT").await {
            Ok(_) => Ok(()),
            Err(e) => {
                conn.close_on_drop();
                Err(e.into())
            }
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // Not committed: an error (or a cancelled future) ended the work.
        if let Some(mut conn) = self.conn.take() {
            conn.close_on_drop();
        }
    }
}
