//! Connecting: the pool, the schema named by the URL's `search_path`, migrations.

use std::{str::FromStr, time::Duration};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};

use crate::{config::StorageConfig, storage::StoreError};

/// Opens the pool for `config.url`, creating the schema its `search_path`
/// names (first entry) if missing, and migrates that schema.
pub(super) async fn pool(config: &StorageConfig) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(&config.url)?.application_name("switchboard");
    if let Some(schema) = options.get_options().and_then(search_path_schema) {
        create_schema(&options, &schema).await?;
    }
    let pool = PgPoolOptions::new()
        .max_connections(config.max_connections.max(2))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    // The migrator takes a database-wide advisory lock, so nodes starting
    // together apply each migration once.
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(pool)
}

/// The first schema of a `-c search_path=...` (or `-csearch_path=...`) option.
pub(super) fn search_path_schema(options: &str) -> Option<String> {
    let rest = &options[options.find("search_path=")? + "search_path=".len()..];
    let first = rest
        .split(|c: char| c == ',' || c.is_whitespace())
        .next()?
        .trim_matches('"');
    (!first.is_empty() && first != "$user").then(|| first.to_owned())
}

async fn create_schema(options: &PgConnectOptions, schema: &str) -> Result<(), StoreError> {
    let mut conn = PgConnection::connect_with(options).await?;
    let quoted = format!("\"{}\"", schema.replace('"', "\"\""));
    // Several nodes may start at once: creating the same schema concurrently
    // can fail on the catalog's unique index even with IF NOT EXISTS.
    let created = sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {quoted}"))
        .execute(&mut conn)
        .await;
    if let Err(e) = created {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
                .bind(schema)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            return Err(e.into());
        }
    }
    conn.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::search_path_schema;

    #[test]
    fn finds_the_first_schema_of_the_search_path() {
        assert_eq!(
            search_path_schema("-csearch_path=test_a").as_deref(),
            Some("test_a")
        );
        assert_eq!(
            search_path_schema("-c search_path=hub,public -c x=y").as_deref(),
            Some("hub")
        );
        assert_eq!(search_path_schema("-c statement_timeout=5s"), None);
        assert_eq!(search_path_schema("-c search_path=$user,public"), None);
    }
}
