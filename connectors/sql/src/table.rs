//! The operator's table: its name (checked, then quoted: it is the only
//! part of a statement not bound as a parameter) and the statements that
//! create it and insert a row, per database.

use crate::Backend;

/// The columns a row is written to, in order.
pub const COLUMNS: [&str; 5] = ["id", "type", "created", "call_id", "envelope"];

/// A checked table name, optionally with its schema (`audit.events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// The schema, if named.
    pub schema: Option<String>,
    /// The table.
    pub table: String,
}

impl TableName {
    /// Parses `table` or `schema.table`; each part letters, digits and `_`,
    /// not starting with a digit, at most 63 bytes (PostgreSQL's limit).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let parts: Vec<&str> = raw.split('.').collect();
        if parts.len() > 2 || !parts.iter().all(|p| plain_identifier(p)) {
            return Err(format!(
                "`table` '{raw}' must be a plain name (letters, digits, _), optionally `schema.table`"
            ));
        }
        Ok(match parts.as_slice() {
            [schema, table] => TableName {
                schema: Some((*schema).to_owned()),
                table: (*table).to_owned(),
            },
            _ => TableName {
                schema: None,
                table: raw.to_owned(),
            },
        })
    }

    /// The name quoted for SQL (`"audit"."events"`).
    pub fn quoted(&self) -> String {
        match &self.schema {
            Some(s) => format!("\"{s}\".\"{}\"", self.table),
            None => format!("\"{}\"", self.table),
        }
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.table),
            None => f.write_str(&self.table),
        }
    }
}

fn plain_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `CREATE TABLE IF NOT EXISTS`: the event id is the primary key, which is
/// what makes a retried or replayed delivery insert nothing.
pub fn create(backend: Backend, table: &TableName) -> String {
    let (created, envelope) = match backend {
        Backend::Sqlite => ("INTEGER", "TEXT"),
        Backend::Postgres => ("BIGINT", "JSONB"),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
            id       TEXT PRIMARY KEY,
            type     TEXT NOT NULL,
            created  {created} NOT NULL,
            call_id  TEXT,
            envelope {envelope} NOT NULL
        )",
        table.quoted()
    )
}

/// How the envelope parameter is written for the column's type: PostgreSQL
/// does not turn text into `jsonb` or `json` on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeColumn {
    /// `jsonb`.
    Jsonb,
    /// `json`.
    Json,
    /// Text of any kind.
    Text,
}

/// The insert; parameters `$1`..`$5` in [`COLUMNS`] order. A row whose id
/// is already there is left as it is.
pub fn insert(table: &TableName, envelope: EnvelopeColumn) -> String {
    let cast = match envelope {
        EnvelopeColumn::Jsonb => "::jsonb",
        EnvelopeColumn::Json => "::json",
        EnvelopeColumn::Text => "",
    };
    format!(
        "INSERT INTO {} ({}) VALUES ($1, $2, $3, $4, $5{cast}) ON CONFLICT (id) DO NOTHING",
        table.quoted(),
        COLUMNS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_quoted() {
        assert_eq!(TableName::parse("events").unwrap().quoted(), "\"events\"");
        assert_eq!(
            TableName::parse("audit.call_events").unwrap().quoted(),
            "\"audit\".\"call_events\""
        );
        for bad in ["", "a.b.c", "x; DROP TABLE y", "1abc", "a\"b", "a..b"] {
            assert!(TableName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_insert_binds_every_value() {
        let t = TableName::parse("e").unwrap();
        assert_eq!(
            insert(&t, EnvelopeColumn::Jsonb),
            "INSERT INTO \"e\" (id, type, created, call_id, envelope) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (id) DO NOTHING"
        );
    }
}
