//! A connector's own key/value state (`connector_kv`): the read and the
//! upsert, the same text on both databases.

use super::{Dialect, Fields, Sql, Statement};
use crate::{
    storage::{StateScope, StoreError},
    time::now_ms,
};

impl<DB: Dialect> Sql<DB> {
    /// See [`Store::state_get`](crate::storage::Store::state_get).
    pub(crate) async fn state_get(
        &self,
        scope: &StateScope,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let q = Statement::new(
            "SELECT value FROM connector_kv WHERE account = $1 AND connector = $2 AND key = $3",
        )
        .bind(&scope.account)
        .bind(&scope.connector)
        .bind(key);
        match self.read_optional(&q).await? {
            Some(row) => Ok(Some(row.text_at(0)?)),
            None => Ok(None),
        }
    }

    /// See [`Store::state_put`](crate::storage::Store::state_put).
    pub(crate) async fn state_put(
        &self,
        scope: &StateScope,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let q = Statement::new(
            "INSERT INTO connector_kv (account, connector, key, value, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account, connector, key)
             DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(&scope.account)
        .bind(&scope.connector)
        .bind(key)
        .bind(value)
        .bind(now_ms());
        self.write(&q).await.map(drop)
    }

    /// See [`Store::state_delete`](crate::storage::Store::state_delete).
    pub(crate) async fn state_delete(
        &self,
        scope: &StateScope,
        key: &str,
    ) -> Result<(), StoreError> {
        let q = Statement::new(
            "DELETE FROM connector_kv WHERE account = $1 AND connector = $2 AND key = $3",
        )
        .bind(&scope.account)
        .bind(&scope.connector)
        .bind(key);
        self.write(&q).await.map(drop)
    }
}
