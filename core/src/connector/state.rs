//! A connector's own small key/value state, kept in storage so it outlives
//! restarts and is shared by every node (e.g. the Slack message a call's
//! later events reply to). A connector gets a [`ConnectorState`] scoped to
//! itself: it cannot reach other connectors' state, nor the rest of storage.

use std::sync::Arc;

use crate::storage::{StateScope, Store, StoreError};

/// The account that owns the connectors of the config file.
pub const DEFAULT_ACCOUNT: &str = "default";

/// Why a state read or write failed (storage unreachable, most often):
/// a connector should treat it as transient.
#[derive(Debug, thiserror::Error)]
#[error("connector state: {0}")]
pub struct StateError(#[from] StoreError);

/// One connector's key/value state.
#[derive(Clone)]
pub struct ConnectorState {
    store: Arc<dyn Store>,
    scope: StateScope,
}

impl std::fmt::Debug for ConnectorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorState")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl ConnectorState {
    /// The state of connector `connector` of the `default` account.
    pub fn new(store: Arc<dyn Store>, connector: &str) -> Self {
        Self::for_account(store, DEFAULT_ACCOUNT, connector)
    }

    /// The state of connector `connector` of `account`.
    pub fn for_account(store: Arc<dyn Store>, account: &str, connector: &str) -> Self {
        ConnectorState {
            store,
            scope: StateScope {
                account: account.to_owned(),
                connector: connector.to_owned(),
            },
        }
    }

    /// The value stored for `key`, if any.
    pub async fn get(&self, key: &str) -> Result<Option<String>, StateError> {
        Ok(self.store.state_get(&self.scope, key).await?)
    }

    /// Stores `value` for `key`, replacing any earlier value.
    pub async fn put(&self, key: &str, value: &str) -> Result<(), StateError> {
        Ok(self.store.state_put(&self.scope, key, value).await?)
    }

    /// Forgets `key`.
    pub async fn delete(&self, key: &str) -> Result<(), StateError> {
        Ok(self.store.state_delete(&self.scope, key).await?)
    }
}
