//! The one [`Store`] implementation: the shared queries of `sql/` plus a
//! back-end's [`Engine`] for what its strategy makes different.

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedReceiver;

use super::{
    sql::{Dialect, Sql},
    Backlog, CallerRows, ConnectorHealth, Cutoffs, DeletedAccount, DeliveryFilter,
    DisabledConnector, EndpointPage, ErasurePage, ErasureRecord, EventRecord, Ingested, Lease,
    NewEvent, Page, PageRequest, Pruned, RecordReq, ReplaySelector, Replayed, StateCount,
    StateScope, Store, StoreError, StoredAccount, StoredCounts, TargetLifecycle, TokenRecord,
    Transition,
};
use crate::{
    account::Scope,
    delivery::{AttemptRecord, DeliveryDetail, Job, NextStep},
    endpoints::EndpointRecord,
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    health::{HealthDelta, HealthRecord},
    lifecycle::Identifier,
    time::Millis,
};

/// What a back-end does its own way: the hot writes (grouped as its
/// database commits best), leases, and telling other nodes about changes.
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// The database.
    type Db: Dialect;

    /// See [`Store::ingest`].
    async fn ingest(&self, event: NewEvent, lease: Lease) -> Result<Ingested, StoreError>;

    /// See [`Store::lease_due`].
    async fn lease_due(
        &self,
        connector: &str,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError>;

    /// See [`Store::record_attempt`].
    async fn record_attempt(&self, req: RecordReq) -> Result<(), StoreError>;

    /// See [`Store::record_health`].
    async fn record_health(
        &self,
        name: &str,
        delta: &HealthDelta,
    ) -> Result<HealthRecord, StoreError>;

    /// See [`Store::compact`].
    async fn compact(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Tells other nodes that these connectors have work due now.
    async fn announce_work(&self, _connectors: Vec<String>) {}

    /// Tells other nodes that a runtime endpoint (by target key) changed.
    async fn announce_endpoint(&self, _key: &str) {}

    /// See [`Store::work_notices`].
    fn work_notices(&self) -> Option<UnboundedReceiver<String>> {
        None
    }

    /// See [`Store::endpoint_notices`].
    fn endpoint_notices(&self) -> Option<UnboundedReceiver<String>> {
        None
    }
}

/// [`Store`] on a SQL database: the shared queries and a back-end's [`Engine`].
pub struct SqlStore<E: Engine> {
    pub(crate) engine: E,
    pub(crate) sql: Sql<E::Db>,
}

#[async_trait]
impl<E: Engine> Store for SqlStore<E> {
    async fn ingest(&self, event: NewEvent, lease: Lease) -> Result<Ingested, StoreError> {
        self.engine.ingest(event, lease).await
    }

    async fn lease_due(
        &self,
        connector: &str,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        self.engine.lease_due(connector, lease, limit).await
    }

    async fn next_due(&self, connector: &str) -> Result<Option<Millis>, StoreError> {
        self.sql.next_due(connector).await
    }

    async fn record_attempt(
        &self,
        attempt: AttemptRecord,
        next: NextStep,
        first_attempt_at: Millis,
    ) -> Result<(), StoreError> {
        let req = RecordReq {
            attempt,
            next,
            first_attempt_at,
        };
        self.engine.record_attempt(req).await
    }

    async fn expire(&self, delivery_id: &str, reason: &str) -> Result<(), StoreError> {
        self.sql.expire(delivery_id, reason).await
    }

    async fn release(&self, node: &str, ids: Vec<String>) -> Result<(), StoreError> {
        let connectors = self.sql.release(node, &ids, 0).await?;
        self.engine.announce_work(connectors).await;
        Ok(())
    }

    async fn release_until(
        &self,
        node: &str,
        ids: Vec<String>,
        due_at: Millis,
    ) -> Result<(), StoreError> {
        // Not due before `due_at`: no node needs waking now; they find the
        // work by its due time.
        self.sql.release(node, &ids, due_at).await.map(drop)
    }

    async fn release_node(&self, connector: &str, node: &str) -> Result<(), StoreError> {
        if self.sql.release_node(connector, node).await? > 0 {
            self.engine.announce_work(vec![connector.to_owned()]).await;
        }
        Ok(())
    }

    async fn replay(
        &self,
        scope: &Scope,
        selector: &ReplaySelector,
    ) -> Result<Vec<Replayed>, StoreError> {
        let replayed = self.sql.replay(scope, selector).await?;
        let connectors = replayed.iter().map(|r| r.connector.clone()).collect();
        self.engine.announce_work(connectors).await;
        Ok(replayed)
    }

    async fn event(&self, scope: &Scope, id: &str) -> Result<Option<EventRecord>, StoreError> {
        self.sql.event(scope, id).await
    }

    async fn deliveries(
        &self,
        scope: &Scope,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> Result<Page, StoreError> {
        self.sql.deliveries(scope, filter, page).await
    }

    async fn delivery(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<DeliveryDetail>, StoreError> {
        self.sql.delivery(scope, id).await
    }

    async fn counts(&self) -> Result<Vec<StateCount>, StoreError> {
        self.sql.counts().await
    }

    async fn backlog(&self) -> Result<Vec<Backlog>, StoreError> {
        self.sql.backlog().await
    }

    async fn set_disabled(&self, connector: &str, reason: Option<&str>) -> Result<(), StoreError> {
        self.sql.set_disabled(connector, reason).await?;
        if reason.is_none() {
            // Its held deliveries are due again: every node's actor may send them.
            self.engine.announce_work(vec![connector.to_owned()]).await;
        }
        Ok(())
    }

    async fn disabled(&self) -> Result<Vec<DisabledConnector>, StoreError> {
        self.sql.disabled().await
    }

    async fn disabled_reason(&self, connector: &str) -> Result<Option<String>, StoreError> {
        self.sql.disabled_reason(connector).await
    }

    async fn record_invocations(&self, records: Vec<InvocationRecord>) -> Result<(), StoreError> {
        self.sql.record_invocations(records).await
    }

    async fn invocations(
        &self,
        scope: &Scope,
        filter: &InvocationFilter,
        page: &PageRequest,
    ) -> Result<InvocationPage, StoreError> {
        self.sql.invocations(scope, filter, page).await
    }

    async fn prune(&self, cutoffs: &Cutoffs, limit: usize) -> Result<Pruned, StoreError> {
        self.sql.prune(cutoffs, limit as i64).await
    }

    async fn compact(&self) -> Result<(), StoreError> {
        self.engine.compact().await
    }

    async fn find_caller(&self, scope: &Scope, who: &Identifier) -> Result<CallerRows, StoreError> {
        self.sql.find_caller(scope, who).await
    }

    async fn erase(
        &self,
        scope: &Scope,
        rows: &CallerRows,
        who: &Identifier,
        requested_by: &str,
    ) -> Result<ErasureRecord, StoreError> {
        self.sql.erase(scope, rows, who, requested_by).await
    }

    async fn erasures(&self, scope: &Scope, page: &PageRequest) -> Result<ErasurePage, StoreError> {
        self.sql.erasures(scope, page).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.sql.ping().await
    }

    async fn record_health(
        &self,
        name: &str,
        delta: &HealthDelta,
    ) -> Result<HealthRecord, StoreError> {
        self.engine.record_health(name, delta).await
    }

    async fn health(&self) -> Result<Vec<ConnectorHealth>, StoreError> {
        self.sql.health().await
    }

    async fn health_of(&self, connector: &str) -> Result<Option<HealthRecord>, StoreError> {
        self.sql.health_of(connector).await
    }

    async fn lifecycles(&self) -> Result<Vec<TargetLifecycle>, StoreError> {
        self.sql.lifecycles().await
    }

    async fn transition(
        &self,
        target: &str,
        change: Transition,
    ) -> Result<Option<u64>, StoreError> {
        self.sql.transition(target, change).await
    }

    async fn held(
        &self,
        targets: &[String],
    ) -> Result<std::collections::HashMap<String, u64>, StoreError> {
        self.sql.held(targets).await
    }

    async fn last_error(&self, target: &str) -> Result<Option<String>, StoreError> {
        self.sql.last_error(target).await
    }

    async fn save_endpoint(&self, endpoint: &EndpointRecord) -> Result<(), StoreError> {
        self.sql.save_endpoint(endpoint).await?;
        self.engine.announce_endpoint(&endpoint.key()).await;
        Ok(())
    }

    async fn endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError> {
        self.sql.endpoints().await
    }

    async fn endpoint_page(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> Result<EndpointPage, StoreError> {
        self.sql.endpoint_page(scope, page).await
    }

    async fn endpoint(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<EndpointRecord>, StoreError> {
        self.sql.endpoint(scope, id).await
    }

    async fn delete_endpoint(&self, scope: &Scope, id: &str) -> Result<bool, StoreError> {
        let gone = self.sql.delete_endpoint(scope, id).await?;
        if gone {
            self.engine.announce_endpoint(&scope.target_key(id)).await;
        }
        Ok(gone)
    }

    async fn state_get(&self, scope: &StateScope, key: &str) -> Result<Option<String>, StoreError> {
        self.sql.state_get(scope, key).await
    }

    async fn state_put(
        &self,
        scope: &StateScope,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        self.sql.state_put(scope, key, value).await
    }

    async fn state_delete(&self, scope: &StateScope, key: &str) -> Result<(), StoreError> {
        self.sql.state_delete(scope, key).await
    }

    async fn accounts(&self) -> Result<Vec<StoredAccount>, StoreError> {
        self.sql.accounts().await
    }

    async fn account_counts(&self, scope: &Scope) -> Result<StoredCounts, StoreError> {
        self.sql.account_counts(scope).await
    }

    async fn delete_account(&self, scope: &Scope) -> Result<DeletedAccount, StoreError> {
        let deleted = self.sql.delete_account(scope).await?;
        for key in &deleted.endpoint_keys {
            self.engine.announce_endpoint(key).await;
        }
        Ok(deleted)
    }

    async fn save_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        self.sql.save_token(token).await
    }

    async fn tokens(&self, scope: &Scope) -> Result<Vec<TokenRecord>, StoreError> {
        self.sql.tokens(scope).await
    }

    async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.sql.token(id).await
    }

    async fn revoke_token(&self, scope: &Scope, id: &str) -> Result<bool, StoreError> {
        self.sql.revoke_token(scope, id).await
    }

    fn endpoint_notices(&self) -> Option<UnboundedReceiver<String>> {
        self.engine.endpoint_notices()
    }

    fn work_notices(&self) -> Option<UnboundedReceiver<String>> {
        self.engine.work_notices()
    }
}
