//! Running a statement and reading its rows on either database; the sqlx
//! bounds that takes are stated once, here.
//!
//! Code generic over sqlx's `Database` would otherwise repeat a block of
//! higher-ranked bounds (executors, arguments, every bound or read type) on
//! every function, since Rust does not carry such bounds along with a trait;
//! and it could not reuse sqlx's `QueryBuilder`, whose arguments type is
//! invariant behind the associated type. So the shared queries build a
//! [`Statement`] (SQL with `$N` placeholders and its values) and run it
//! through [`Run`], and read rows through [`Fields`]; both are implemented
//! for every database that has what they need.

use futures::future::BoxFuture;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use crate::storage::StoreError;

/// A value bound to a placeholder: the schema has text and 64-bit integers.
#[derive(Debug, Clone)]
pub enum Value {
    /// An integer or NULL.
    Int(Option<i64>),
    /// Text or NULL.
    Text(Option<String>),
}

macro_rules! value_from {
    ($($t:ty => $variant:ident($conv:expr)),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant($conv(v))
            }
        })*
    };
}

value_from! {
    i64 => Int(Some),
    Option<i64> => Int(std::convert::identity),
    String => Text(Some),
    &str => Text(|s: &str| Some(s.to_owned())),
    &String => Text(|s: &String| Some(s.clone())),
    Option<String> => Text(std::convert::identity),
    Option<&str> => Text(|s: Option<&str>| s.map(str::to_owned)),
}

/// SQL text with `$N` placeholders and the values bound to them.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    sql: String,
    values: Vec<Value>,
}

impl Statement {
    /// A statement starting with `sql`; placeholders written in it are
    /// bound in order with [`Statement::bind`].
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        Statement {
            sql: sql.into(),
            values: Vec::new(),
        }
    }

    /// Binds the next placeholder already written in the text.
    pub(crate) fn bind(mut self, value: impl Into<Value>) -> Self {
        self.values.push(value.into());
        self
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `value`.
    pub(crate) fn push_bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        let n = self.values.len();
        self.sql.push_str(&format!("${n}"));
        self
    }

    /// Appends a parenthesised row of placeholders for `values` (a row of
    /// `INSERT ... VALUES`).
    pub(crate) fn push_tuple<V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Self {
        self.push("(").push_list(values).push(")")
    }

    /// Appends placeholders for `values`, separated by commas.
    pub(crate) fn push_list<V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Self {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.push_bind(v);
        }
        self
    }
}

/// Runs statements on a connection of this database.
pub trait Run: Database {
    /// Every row of the statement's result.
    fn fetch_all<'a>(
        conn: &'a mut Self::Connection,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<Vec<Self::Row>, StoreError>>;

    /// The first row of the statement's result, if any.
    fn fetch_optional<'a>(
        conn: &'a mut Self::Connection,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<Option<Self::Row>, StoreError>>;

    /// Runs the statement; returns how many rows it changed.
    fn execute<'a>(
        conn: &'a mut Self::Connection,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// Runs SQL without parameters as it is (transaction control, pragmas).
    fn raw<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// How many rows a statement changed, whatever the database.
pub trait Affected {
    /// The count.
    fn rows(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn rows(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn rows(&self) -> u64 {
        self.rows_affected()
    }
}

/// A type both databases bind.
trait Param<'q, DB: Database>: Encode<'q, DB> + Type<DB> + Send + 'q {}

impl<'q, DB: Database, T: Encode<'q, DB> + Type<DB> + Send + 'q> Param<'q, DB> for T {}

impl<DB> Run for DB
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> Option<i64>: Param<'q, DB>,
    for<'q> Option<&'q str>: Param<'q, DB>,
{
    fn fetch_all<'a>(
        conn: &'a mut Self::Connection,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<Vec<Self::Row>, StoreError>> {
        Box::pin(async move { Ok(query::<DB>(stmt).fetch_all(conn).await?) })
    }

    fn fetch_optional<'a>(
        conn: &'a mut Self::Connection,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<Option<Self::Row>, StoreError>> {
        Box::pin(async move { Ok(query::<DB>(stmt).fetch_optional(conn).await?) })
    }

    fn execute<'a>(
        conn: &'a mut Self::Connection,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move { Ok(query::<DB>(stmt).execute(conn).await?.rows()) })
    }

    fn raw<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            conn.execute(sql).await?;
            Ok(())
        })
    }
}

/// The sqlx query of a statement, its values bound in order.
fn query<DB>(stmt: &Statement) -> sqlx::query::Query<'_, DB, DB::Arguments<'_>>
where
    DB: Database,
    for<'q> Option<i64>: Param<'q, DB>,
    for<'q> Option<&'q str>: Param<'q, DB>,
{
    stmt.values
        .iter()
        .fold(sqlx::query(&stmt.sql), |q, v| match v {
            Value::Int(i) => q.bind(*i),
            Value::Text(s) => q.bind(s.as_deref()),
        })
}

/// Reads columns of a row, by position, whatever the database.
pub trait Fields: Row {
    /// An integer column, NULL as `None`.
    fn int(&self, at: usize) -> Result<Option<i64>, StoreError>;
    /// A text column, NULL as `None`.
    fn text(&self, at: usize) -> Result<Option<String>, StoreError>;

    /// A NOT NULL integer column.
    fn int_at(&self, at: usize) -> Result<i64, StoreError> {
        self.int(at)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {at} is NULL")))
    }

    /// A NOT NULL text column.
    fn text_at(&self, at: usize) -> Result<String, StoreError> {
        self.text(at)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {at} is NULL")))
    }
}

impl<R> Fields for R
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Type<R::Database> + for<'r> Decode<'r, R::Database>,
    String: Type<R::Database> + for<'r> Decode<'r, R::Database>,
{
    fn int(&self, at: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(at)?)
    }

    fn text(&self, at: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(at)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_the_order_values_are_bound() {
        let mut q = Statement::new("UPDATE t SET a = $1 WHERE b = $2")
            .bind(7_i64)
            .bind("x");
        q.push(" AND c IN (")
            .push_list(["p", "q"])
            .push(") AND d = ")
            .push_bind(None::<i64>);
        q.push(" VALUES ").push_tuple([1_i64, 2]);
        assert_eq!(
            q.sql,
            "UPDATE t SET a = $1 WHERE b = $2 AND c IN ($3, $4) AND d = $5 VALUES ($6, $7)"
        );
        let texts: Vec<_> = q
            .values
            .iter()
            .map(|v| match v {
                Value::Int(i) => format!("{i:?}"),
                Value::Text(t) => format!("{t:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "Some(7)",
                "Some(\"x\")",
                "Some(\"p\")",
                "Some(\"q\")",
                "None",
                "Some(1)",
                "Some(2)"
            ]
        );
    }
}
