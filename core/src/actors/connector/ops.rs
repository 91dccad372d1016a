//! The connector actor's part in the failing-target lifecycle: holding still
//! while disabled, probing when disabled, starting afresh when re-enabled,
//! and counting deliveries that failed after their retries.

use actix::prelude::*;

use super::{now, ConnectorActor, ConnectorSettings};
use crate::{
    actors::breaker::Breaker,
    connector::{DeliveryRequest, Verdict},
    delivery::Job,
    event::Event,
    ids,
    storage::{Lease, Transition},
};

/// Send this signed `switchboard.probe` event to the (disabled) target;
/// answers whether it answered 2xx.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct ProbeTarget(pub Event);

/// The target was re-enabled: close the breaker and send what is due.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reenabled;

impl Handler<ProbeTarget> for ConnectorActor {
    type Result = ResponseFuture<bool>;

    fn handle(&mut self, ProbeTarget(event): ProbeTarget, _: &mut Context<Self>) -> Self::Result {
        let s = self.s.clone();
        Box::pin(async move {
            let id = ids::delivery_id();
            let req = DeliveryRequest {
                delivery_id: &id,
                event: &event,
                attempt: 1,
            };
            s.connector.deliver(&req, &s.http).await.verdict == Verdict::Delivered
        })
    }
}

impl Handler<Reenabled> for ConnectorActor {
    type Result = ();

    fn handle(&mut self, _: Reenabled, ctx: &mut Context<Self>) {
        let hub = &self.s.hub;
        self.breaker = Breaker::new(hub.breaker, hub.breaker_cooldown);
        self.probe.forget();
        self.publish_breaker();
        // The held backlog in one lease, oldest first (up to the queue's
        // cap), so this node sends it in order at the target's pace: pulls
        // of two nodes' actors, a few at a time, would interleave it.
        let s = self.s.clone();
        let lease = Lease::new(s.hub.node.clone(), s.hub.lease);
        let limit = s.hub.queue_limit.max(1);
        let fut = async move { s.hub.store.lease_due(&s.name, &lease, limit).await };
        ctx.spawn(fut.into_actor(self).map(|leased, act, ctx| {
            match leased {
                Ok(jobs) => act.mailbox.enqueue(jobs, now()),
                Err(e) => {
                    tracing::warn!(connector = %act.s.name, error = %e, "cannot lease the held deliveries; they are pulled as usual")
                }
            }
            act.overflow(ctx);
            act.look_again(ctx);
        }));
    }
}

impl ConnectorActor {
    /// Disabled: nothing is attempted; queued work goes back to storage,
    /// where disabling has marked it `disabled` (held).
    pub(super) fn hold_while_disabled(&mut self, ctx: &mut Context<Self>) {
        let queued = self.mailbox.take_all();
        self.release(queued, ctx);
    }
}

/// The target answered 401/403: for a vendor's connector, its credentials
/// were refused (the lifecycle check alerts once, until a success).
pub(super) fn note_refused_credentials(s: &ConnectorSettings, job: &Job, status: Option<u16>) {
    if !matches!(status, Some(401 | 403)) || !job.event.kind.is_call() {
        return;
    }
    let (store, name) = (s.hub.store.clone(), s.name.clone());
    actix_rt::spawn(async move {
        if let Err(e) = store.transition(&name, Transition::NoteAuthRefused).await {
            tracing::warn!(connector = %name, error = %e, "cannot record refused credentials");
        }
    });
}

/// A delivery failed after its retries: counted towards the target's one
/// `switchboard.delivery.exhausted` of this failing period (never for a
/// delivery of an operational event).
pub(super) fn count_exhausted(s: &ConnectorSettings, job: &Job) {
    if !job.event.kind.is_call() {
        return;
    }
    let (store, name) = (s.hub.store.clone(), s.name.clone());
    actix_rt::spawn(async move {
        if let Err(e) = store.transition(&name, Transition::CountExhausted(1)).await {
            tracing::warn!(connector = %name, error = %e, "cannot count an exhausted delivery");
        }
    });
}
