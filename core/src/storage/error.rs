//! What can go wrong in storage, and how database errors map onto it.

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
    Seal(#[from] super::SealError),
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
