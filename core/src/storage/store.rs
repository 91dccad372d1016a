//! The one [`Store`] implementation: the shared queries of `sql/` plus a
//! back-end's [`Engine`] for what its strategy makes different.

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedReceiver;

use super::{
    sql::{Dialect, Sql},
    Backlog, ConnectorHealth, DeliveryFilter, DisabledConnector, EndpointPage, EventRecord,
    Ingested, Lease, NewEvent, Page, PageRequest, RecordReq, ReplaySelector, Replayed, StateCount,
    Store, StoreError, TargetLifecycle, Transition,
};
use crate::{
    delivery::{AttemptRecord, DeliveryDetail, Job, NextStep},
    endpoints::EndpointRecord,
    functions::{InvocationFilter, InvocationPage, InvocationRecord},
    health::{HealthDelta, HealthRecord},
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

    /// Tells other nodes that these connectors have work due now.
    async fn announce_work(&self, _connectors: Vec<String>) {}

    /// Tells other nodes that a runtime endpoint changed.
    async fn announce_endpoint(&self, _id: &str) {}

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

    async fn replay(&self, selector: &ReplaySelector) -> Result<Vec<Replayed>, StoreError> {
        let replayed = self.sql.replay(selector).await?;
        let connectors = replayed.iter().map(|r| r.connector.clone()).collect();
        self.engine.announce_work(connectors).await;
        Ok(replayed)
    }

    async fn event(&self, id: &str) -> Result<Option<EventRecord>, StoreError> {
        self.sql.event(id).await
    }

    async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> Result<Page, StoreError> {
        self.sql.deliveries(filter, page).await
    }

    async fn delivery(&self, id: &str) -> Result<Option<DeliveryDetail>, StoreError> {
        self.sql.delivery(id).await
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
        filter: &InvocationFilter,
        page: &PageRequest,
    ) -> Result<InvocationPage, StoreError> {
        self.sql.invocations(filter, page).await
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
        self.engine.announce_endpoint(&endpoint.id).await;
        Ok(())
    }

    async fn endpoints(&self) -> Result<Vec<EndpointRecord>, StoreError> {
        self.sql.endpoints().await
    }

    async fn endpoint_page(&self, page: &PageRequest) -> Result<EndpointPage, StoreError> {
        self.sql.endpoint_page(page).await
    }

    async fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>, StoreError> {
        self.sql.endpoint(id).await
    }

    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        let gone = self.sql.delete_endpoint(id).await?;
        if gone {
            self.engine.announce_endpoint(id).await;
        }
        Ok(gone)
    }

    fn endpoint_notices(&self) -> Option<UnboundedReceiver<String>> {
        self.engine.endpoint_notices()
    }

    fn work_notices(&self) -> Option<UnboundedReceiver<String>> {
        self.engine.work_notices()
    }
}
