//! What a failed insert means: the database unreachable or busy is worth
//! another attempt; a statement the table refuses (a column dropped, a
//! constraint, a permission) fails the delivery at once with the
//! database's own words, to be replayed once the table is fixed.

use switchboard_core::connector::Outcome;

use crate::{db::is_connection, table::TableName};

/// The outcome of an insert that failed.
pub fn failed_insert(table: &TableName, e: &sqlx::Error) -> Outcome {
    let message = format!("cannot insert into `{table}`: {e}");
    if is_permanent(e) {
        Outcome::rejected(format!(
            "{message} (fix the table, then replay the delivery)"
        ))
    } else {
        Outcome::retry(message)
    }
}

/// Statement errors the table (not the moment) causes. PostgreSQL: SQLSTATE
/// classes 22 (data), 23 (constraints), 42 (undefined table or column,
/// permission). SQLite: `SQLITE_ERROR` (no such table or column), constraint
/// and read-only errors; `SQLITE_BUSY` and `SQLITE_LOCKED` are transient.
fn is_permanent(e: &sqlx::Error) -> bool {
    if is_connection(e) {
        return false;
    }
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    let code = db.code().unwrap_or_default();
    let is_sqlite = db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
    if is_sqlite {
        // Extended result codes: the primary code is the low byte.
        let primary = code.parse::<i32>().unwrap_or(0) & 0xff;
        return matches!(primary, 1 | 8 | 19 | 20);
    }
    matches!(code.get(..2), Some("22" | "23" | "42"))
}
