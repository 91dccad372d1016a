//! The start-up check: a database file that is locked, damaged or unwritable
//! stops the hub with an error saying which and what to do, before anything
//! is accepted (and before the file is modified in any way a damaged database
//! could make worse).

use std::time::Duration;

use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection, Executor};

use crate::storage::StoreError;

/// How long start-up waits for another process's lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(2);
/// `quick_check` lines quoted in the error.
const SHOWN_PROBLEMS: usize = 3;

/// Opens one connection, checks the file's structure and takes (and releases)
/// the write lock.
pub(super) async fn check(options: &SqliteConnectOptions) -> Result<(), StoreError> {
    let path = options.get_filename().display().to_string();
    let fail = |e: sqlx::Error| explain(&path, &e);
    // Fresh options on purpose: no `journal_mode` pragma, which would
    // rewrite the header of a file that may turn out to be damaged.
    let mut conn = SqliteConnectOptions::new()
        .filename(options.get_filename())
        .create_if_missing(true)
        .busy_timeout(LOCK_WAIT)
        .connect()
        .await
        .map_err(fail)?;
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_all(&mut conn)
        .await
        .map_err(fail)?;
    if problems != ["ok"] {
        let shown: Vec<_> = problems.iter().take(SHOWN_PROBLEMS).cloned().collect();
        return Err(damaged(&path, &shown.join("; ")));
    }
    conn.execute("BEGIN IMMEDIATE").await.map_err(fail)?;
    conn.execute("ROLLBACK").await.map_err(fail)?;
    conn.close().await.map_err(fail)
}

fn damaged(path: &str, detail: &str) -> StoreError {
    StoreError::Open(format!(
        "database file {path} is damaged or not a Switchboard database ({detail}); \
         the hub will not write to it: restore it from a backup, or move it aside to start with an empty one"
    ))
}

/// Turns a SQLite error at open into an operator-facing explanation.
pub(super) fn explain(path: &str, e: &sqlx::Error) -> StoreError {
    let Some(db) = e.as_database_error() else {
        return StoreError::Open(format!("cannot open database file {path}: {e}"));
    };
    let msg = db.message();
    let primary = db
        .code()
        .and_then(|c| c.parse::<i32>().ok())
        .map(|c| c & 0xff);
    StoreError::Open(match primary {
        // SQLITE_BUSY, SQLITE_LOCKED
        Some(5 | 6) => format!(
            "database file {path} is locked by another process ({msg}); is another hub or tool using it? \
             Stop it, or point [storage] url at another file"
        ),
        // SQLITE_CORRUPT, SQLITE_NOTADB
        Some(11 | 26) => return damaged(path, msg),
        // SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM
        Some(8 | 14 | 3) => format!(
            "cannot open database file {path} for writing ({msg}); make the file and its folder \
             writable by the hub's user, on a file system mounted read-write"
        ),
        // SQLITE_FULL
        Some(13) => format!(
            "the disk holding database file {path} is full ({msg}); free space, then start again"
        ),
        _ => format!("cannot open database file {path}: {msg}"),
    })
}
