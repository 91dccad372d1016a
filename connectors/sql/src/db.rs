//! The operator's database: connecting, making sure the table is there and
//! has the shape rows are written in, and inserting one row.

use sqlx::{postgres::PgPoolOptions, sqlite::SqliteConnectOptions, PgPool, SqlitePool};
use switchboard_core::event::Event;

use crate::{
    table::{self, TableName, COLUMNS},
    Backend,
};

/// Why the table cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The database did not answer: deliveries wait and retry.
    #[error("cannot connect: {0}")]
    Connect(#[source] sqlx::Error),
    /// The table is missing and cannot be created, or has another shape:
    /// the operator must fix it.
    #[error("table `{table}`: {message}")]
    Shape {
        /// The table.
        table: TableName,
        /// What is wrong, and what Switchboard writes.
        message: String,
    },
}

impl OpenError {
    /// Whether waiting can fix it.
    pub fn is_transient(&self) -> bool {
        matches!(self, OpenError::Connect(_))
    }
}

/// One event as a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    /// The event id (the primary key).
    pub id: &'a str,
    /// The event type.
    pub kind: &'a str,
    /// Unix seconds.
    pub created: i64,
    /// `data.call_id`; NULL for events that belong to no call.
    pub call_id: Option<String>,
    /// The envelope as the hub stored it (unknown fields kept).
    pub envelope: &'a str,
}

impl<'a> Row<'a> {
    /// The row of `event`.
    pub fn of(event: &'a Event) -> Self {
        let call_id = event.envelope().ok().and_then(|e| {
            e.pointer("/data/call_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        });
        Row {
            id: &event.id,
            kind: event.kind.as_str(),
            created: event.created,
            call_id,
            envelope: &event.body,
        }
    }
}

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connected database with a table ready for rows.
pub struct Database {
    pool: Pool,
    insert: String,
}

/// What [`Database::open`] needs.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The database's URL.
    pub url: &'a str,
    /// Which database it is.
    pub backend: Backend,
    /// The table.
    pub table: &'a TableName,
    /// Connections at most.
    pub connections: u32,
}

impl Database {
    /// Connects, creates the table if it is missing, and checks its shape.
    pub async fn open(t: Target<'_>) -> Result<Database, OpenError> {
        let pool = connect(t).await.map_err(OpenError::Connect)?;
        let shape = |message: String| OpenError::Shape {
            table: t.table.clone(),
            message,
        };
        let envelope = match &pool {
            Pool::Sqlite(p) => crate::shape::sqlite(p, t.table).await,
            Pool::Postgres(p) => crate::shape::postgres(p, t.table).await,
        }
        .map_err(|e| match e {
            crate::shape::ShapeError::Db(e) if is_connection(&e) => OpenError::Connect(e),
            other => shape(other.to_string()),
        })?;
        let db = Database {
            pool,
            insert: table::insert(t.table, envelope),
        };
        db.probe().await.map_err(|e| {
            shape(format!(
                "a test row (rolled back) was refused: {e}; Switchboard writes {} \
                 with `id` PRIMARY KEY or UNIQUE",
                COLUMNS.join(", ")
            ))
        })?;
        Ok(db)
    }

    /// Inserts `row`; `false` if a row with its id was already there.
    pub async fn insert(&self, row: &Row<'_>) -> Result<bool, sqlx::Error> {
        let done = match &self.pool {
            Pool::Sqlite(p) => bind(sqlx::query(&self.insert), row)
                .execute(p)
                .await?
                .rows_affected(),
            Pool::Postgres(p) => bind(sqlx::query(&self.insert), row)
                .execute(p)
                .await?
                .rows_affected(),
        };
        Ok(done > 0)
    }

    /// Inserts a row and rolls it back: the constraint `ON CONFLICT (id)`
    /// needs, and the column types, are checked before the first event.
    async fn probe(&self) -> Result<(), sqlx::Error> {
        let row = Row {
            id: "switchboard-probe",
            kind: "switchboard.probe",
            created: 0,
            call_id: None,
            envelope: "{}",
        };
        match &self.pool {
            Pool::Sqlite(p) => {
                let mut tx = p.begin().await?;
                bind(sqlx::query(&self.insert), &row)
                    .execute(&mut *tx)
                    .await?;
                tx.rollback().await
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                bind(sqlx::query(&self.insert), &row)
                    .execute(&mut *tx)
                    .await?;
                tx.rollback().await
            }
        }
    }
}

/// Binds a row's values, in [`COLUMNS`] order.
fn bind<'q, DB>(
    q: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
    row: &'q Row<'_>,
) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    q.bind(row.id)
        .bind(row.kind)
        .bind(row.created)
        .bind(row.call_id.as_deref())
        .bind(row.envelope)
}

/// How long connecting (or waiting for a free connection) may take: an
/// attempt against a database that does not answer fails in this time and
/// is retried, rather than holding the delivery for sqlx's 30 s.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(4);

async fn connect(t: Target<'_>) -> Result<Pool, sqlx::Error> {
    Ok(match t.backend {
        Backend::Sqlite => {
            let options: SqliteConnectOptions = t.url.parse()?;
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(t.connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options.create_if_missing(true))
                .await?;
            Pool::Sqlite(pool)
        }
        Backend::Postgres => Pool::Postgres(
            PgPoolOptions::new()
                .max_connections(t.connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect(t.url)
                .await?,
        ),
    })
}

/// Errors of the connection rather than of the statement.
pub fn is_connection(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed
    )
}
