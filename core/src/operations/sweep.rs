//! The periodic lifecycle check every node runs: read every target's stored
//! lifecycle, [`decide`](super::decide) what is due, carry it out. Each
//! emitting transition is a conditional write one node wins, so an event
//! goes out once across all nodes, whichever node sees it first.

use std::sync::Arc;

use super::{
    alert::{envelope, Alert},
    decide::{decide, Action},
    DisableCause, TargetBook, TargetInfo,
};
use crate::{
    actors::{ConnectorTable, ProbeTarget, Reenabled, Wake},
    event::EventType,
    ingest::Ingestor,
    storage::{Alerted, Store, StoreError, TargetLifecycle, Transition},
    time::now_ms,
};

/// What the check reads and acts on.
pub struct SweepParts {
    /// Storage (the lifecycle records are the truth).
    pub store: Arc<dyn Store>,
    /// This node's connector table (disabled flags, actors).
    pub table: Arc<ConnectorTable>,
    /// Operational events are ingested like any other event.
    pub ingestor: Ingestor,
    /// The targets covered, with their timings.
    pub book: TargetBook,
    /// `[server] public_url`, for dashboard links.
    pub public_url: Option<String>,
}

/// Runs the check every [`TargetBook::tick`] for as long as the hub runs.
pub fn spawn(parts: SweepParts) {
    actix_rt::spawn(async move {
        let mut tick = tokio::time::interval(parts.book.tick());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = parts.sweep().await {
                tracing::warn!(error = %e, "lifecycle check failed; it runs again at the next tick");
            }
        }
    });
}

impl SweepParts {
    async fn sweep(&self) -> Result<(), StoreError> {
        for row in self.store.lifecycles().await? {
            let Some(info) = self.book.info(&row.name) else {
                continue;
            };
            if !self.table.knows(&row.name) {
                continue;
            }
            let local = self.table.is_disabled(&row.name);
            for action in decide(&row, &info, local, now_ms()) {
                self.carry_out(&row, &info, action).await?;
            }
        }
        Ok(())
    }

    async fn carry_out(
        &self,
        row: &TargetLifecycle,
        info: &TargetInfo,
        action: Action,
    ) -> Result<(), StoreError> {
        let name = row.name.as_str();
        let since = row.health.as_ref().and_then(|h| h.failing_since);
        match action {
            // The read may be stale by now (an operator's PATCH, another
            // node): storage is asked again right before acting.
            Action::Follow { disabled } => {
                let reason = self.store.disabled_reason(name).await?;
                match reason {
                    Some(reason) if disabled => {
                        self.table.set_disabled(name, true);
                        // Holds what this node stored for it before it knew.
                        self.store.set_disabled(name, Some(&reason)).await?;
                        self.tell(name, Wake);
                    }
                    None if !disabled => self.enable_here(name),
                    _ => {}
                }
            }
            Action::Disable { reason } => {
                let fresh = self.store.health_of(name).await?;
                let still = fresh.and_then(|h| h.failing_since) == since
                    && self.store.disabled_reason(name).await?.is_none();
                if !still {
                    return Ok(());
                }
                self.table.set_disabled(name, true);
                tracing::warn!(connector = %name, "disabled: {reason}");
                self.store.set_disabled(name, Some(&reason)).await?;
                self.tell(name, Wake);
                let alert = Action::AlertDisabled {
                    from: row.alerted,
                    cause: DisableCause::NoSuccess,
                    reason,
                };
                Box::pin(self.carry_out(row, info, alert)).await?;
            }
            Action::AlertDisabled {
                from,
                cause,
                reason,
            } => {
                if self.won(name, from, Alerted::Disabled, since).await? {
                    let mut alert = self.alert(EventType::EndpointDisabled, row, info).await?;
                    alert.disabled = Some((cause, reason));
                    self.emit(alert).await?;
                }
            }
            Action::Warn { since } => {
                if self
                    .won(name, Alerted::Ok, Alerted::Failing, Some(since))
                    .await?
                {
                    let alert = self.alert(EventType::EndpointFailing, row, info).await?;
                    self.emit(alert).await?;
                }
            }
            Action::Recover { from } => {
                if self.won(name, from, Alerted::Ok, None).await? {
                    let mut alert = self.alert(EventType::EndpointRecovered, row, info).await?;
                    alert.last_error = None;
                    self.emit(alert).await?;
                }
            }
            Action::AlertExhausted => {
                let claimed = self
                    .store
                    .transition(name, Transition::ClaimExhausted)
                    .await?;
                if let Some(count) = claimed {
                    let mut alert = self.alert(EventType::DeliveryExhausted, row, info).await?;
                    alert.count = Some(count);
                    self.emit(alert).await?;
                }
            }
            Action::ResetExhausted { alerted_at } => {
                let reset = Transition::ResetExhausted { alerted_at };
                self.store.transition(name, reset).await?;
            }
            Action::Probe => self.probe(name, info).await?,
            Action::AlertAuthFailed => {
                let claimed = self
                    .store
                    .transition(name, Transition::ClaimAuthAlert)
                    .await?;
                if claimed.is_some() {
                    let alert = self
                        .alert(EventType::ConnectorAuthFailed, row, info)
                        .await?;
                    self.emit(alert).await?;
                }
            }
            Action::ResetAuth { alerted_at } => {
                let reset = Transition::ResetAuth { alerted_at };
                self.store.transition(name, reset).await?;
            }
        }
        Ok(())
    }

    /// Whether this node won the alerted-state change.
    async fn won(
        &self,
        name: &str,
        from: Alerted,
        to: Alerted,
        period: Option<i64>,
    ) -> Result<bool, StoreError> {
        let change = Transition::Alert { from, to, period };
        Ok(self.store.transition(name, change).await?.is_some())
    }

    async fn alert<'a>(
        &'a self,
        kind: EventType,
        row: &'a TargetLifecycle,
        info: &'a TargetInfo,
    ) -> Result<Alert<'a>, StoreError> {
        Ok(Alert {
            kind,
            target: &row.name,
            info,
            failing_since: row.health.as_ref().and_then(|h| h.failing_since),
            last_error: self.store.last_error(&row.name).await?,
            disabled: None,
            count: None,
            public_url: self.public_url.as_deref(),
        })
    }

    /// Stores the event with a delivery to every target naming its type,
    /// except the target it is about.
    async fn emit(&self, alert: Alert<'_>) -> Result<(), StoreError> {
        let event = alert.event();
        let deliveries: Vec<_> = self
            .table
            .deliveries_for(&event)
            .into_iter()
            .filter(|d| &*d.connector != alert.target)
            .collect();
        tracing::warn!(target_name = %alert.target, event = %event.id, receivers = deliveries.len(), "{}", alert.kind);
        // The transition is recorded already; an event nobody receives is
        // not stored.
        if deliveries.is_empty() {
            return Ok(());
        }
        self.ingestor.ingest_to(event, deliveries).await.map(drop)
    }

    /// Sends a disabled generic webhook target a signed probe; its first
    /// 2xx re-enables it (with `auto_reenable`).
    async fn probe(&self, name: &str, info: &TargetInfo) -> Result<(), StoreError> {
        let every = info.lifecycle.probe_every.as_millis() as i64;
        if self
            .store
            .transition(name, Transition::ClaimProbe { every })
            .await?
            .is_none()
        {
            return Ok(());
        }
        let Some(actor) = self.table.actor(name) else {
            return Ok(());
        };
        let data = serde_json::json!({"target": Alert::target_json(name, info)});
        let answered = actor
            .send(ProbeTarget(envelope(EventType::Probe, data)))
            .await
            .unwrap_or(false);
        tracing::info!(connector = %name, answered, "probed a disabled target");
        if answered && info.lifecycle.auto_reenable {
            tracing::info!(connector = %name, "re-enabled: it answered a probe with 2xx");
            self.store.set_disabled(name, None).await?;
            self.enable_here(name);
        }
        Ok(())
    }

    /// Enabled in storage: this node hands it deliveries again, with a
    /// closed breaker.
    fn enable_here(&self, name: &str) {
        self.table.set_disabled(name, false);
        self.tell(name, Reenabled);
    }

    fn tell<M>(&self, name: &str, message: M)
    where
        M: actix::Message<Result = ()> + Send + 'static,
        crate::actors::ConnectorActor: actix::Handler<M>,
    {
        if let Some(actor) = self.table.actor(name) {
            actor.do_send(message);
        }
    }
}
