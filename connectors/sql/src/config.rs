//! The connector's settings and the factory that checks them (no
//! connection is made here: `check` builds connectors too).

use std::sync::Arc;

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{BuildError, Connector, ConnectorSpec},
};

use crate::{table::TableName, Backend, Sql};

/// The table rows go to when `table` is not set.
pub const DEFAULT_TABLE: &str = "switchboard_events";

/// Connections to the operator's database at most, when `concurrency` is
/// not set: inserts are short.
const DEFAULT_CONNECTIONS: u32 = 4;

/// `[[connectors]]` keys of kind `sql`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB` (a secret: it
    /// may hold a password).
    url: Secret,
    /// The table, `name` or `schema.name`; created if missing.
    #[serde(default)]
    table: Option<String>,
}

/// The factory registered as `sql`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let backend = Backend::of(s.url.expose()).map_err(|e| spec.error(e))?;
    let table =
        TableName::parse(s.table.as_deref().unwrap_or(DEFAULT_TABLE)).map_err(|e| spec.error(e))?;
    if backend == Backend::Sqlite && table.schema.as_deref().is_some_and(|s| s != "main") {
        return Err(spec.error(
            "`table`: on SQLite write `name` or `main.name` (attached databases are not opened)",
        ));
    }
    let connections = spec
        .config
        .concurrency
        .map_or(DEFAULT_CONNECTIONS, |c| c.clamp(1, 64) as u32);
    Ok(Arc::new(Sql::new(s.url, backend, table, connections)))
}
