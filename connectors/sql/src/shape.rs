//! Reading the table's columns: created if missing, then every column rows
//! are written to must be there, and the envelope column must hold JSON or
//! text. Parameters only: the table name is bound, never spliced, here.

use sqlx::{PgPool, SqlitePool};

use crate::{
    table::{self, EnvelopeColumn, TableName, COLUMNS},
    Backend,
};

/// Why the table cannot take rows.
#[derive(Debug, thiserror::Error)]
pub enum ShapeError {
    /// A statement failed (creating the table, reading its columns).
    #[error("{0}")]
    Db(#[from] sqlx::Error),
    /// Columns rows are written to are missing.
    #[error(
        "has no column {missing}: Switchboard writes id, type, created, call_id, envelope \
         (add the columns, or point `table` at a new name to have it created)"
    )]
    Missing {
        /// The missing columns, comma-separated.
        missing: String,
    },
    /// The envelope column's type cannot hold the envelope.
    #[error("column `envelope` is {0}: it must be jsonb, json or text")]
    Envelope(String),
}

/// Creates the table if missing and checks its columns (SQLite).
pub async fn sqlite(pool: &SqlitePool, t: &TableName) -> Result<EnvelopeColumn, ShapeError> {
    sqlx::query(&table::create(Backend::Sqlite, t))
        .execute(pool)
        .await?;
    let columns: Vec<(String, String)> =
        sqlx::query_as("SELECT name, type FROM pragma_table_info($1, $2)")
            .bind(&t.table)
            .bind(t.schema.as_deref().unwrap_or("main"))
            .fetch_all(pool)
            .await?;
    check(&columns).map(|_| EnvelopeColumn::Text)
}

/// Creates the table if missing and checks its columns (PostgreSQL).
pub async fn postgres(pool: &PgPool, t: &TableName) -> Result<EnvelopeColumn, ShapeError> {
    sqlx::query(&table::create(Backend::Postgres, t))
        .execute(pool)
        .await?;
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema::text = COALESCE($1::text, current_schema()::text)
           AND table_name::text = $2",
    )
    .bind(t.schema.as_deref())
    .bind(&t.table)
    .fetch_all(pool)
    .await?;
    match check(&columns)?.to_ascii_lowercase().as_str() {
        "jsonb" => Ok(EnvelopeColumn::Jsonb),
        "json" => Ok(EnvelopeColumn::Json),
        "text" | "character varying" => Ok(EnvelopeColumn::Text),
        other => Err(ShapeError::Envelope(other.to_owned())),
    }
}

/// Every column present; returns the envelope column's type.
fn check(columns: &[(String, String)]) -> Result<String, ShapeError> {
    let find = |name: &str| columns.iter().find(|(c, _)| c.eq_ignore_ascii_case(name));
    let missing: Vec<&str> = COLUMNS.into_iter().filter(|c| find(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(ShapeError::Missing {
            missing: missing.join(", "),
        });
    }
    Ok(find("envelope").map(|(_, t)| t.clone()).unwrap_or_default())
}
