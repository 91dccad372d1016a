//! The connector actor's actix side: starting (and restarting after a
//! panic), and the messages it takes.

use actix::prelude::*;
use tokio::sync::oneshot;

use super::{now, ConnectorActor};
use crate::delivery::Job;

/// A delivery to attempt now (already leased to this node).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Dispatch(pub Job);

/// Look in storage for due work.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

/// Stop starting attempts, give queued work back, answer when idle.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drain;

/// [`Drain`], then stop for good (the connector was removed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Retire;

impl Actor for ConnectorActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Whatever this node held for this connector was lost with the old
        // actor's (or process's) in-flight futures: give it back before
        // pulling again.
        if self.release_leases {
            let s = self.s.clone();
            ctx.wait(
                async move {
                    if let Err(e) = s.hub.store.release_node(&s.name, &s.hub.node).await {
                        tracing::warn!(connector = %s.name, error = %e, "cannot release old leases; they expire on their own");
                    }
                }
                .into_actor(self),
            );
        }
        if let Some(every) = self.s.hub.poll {
            ctx.run_interval(every, |act, ctx| act.look_again(ctx));
        }
        self.look_again(ctx);
    }
}

impl Supervised for ConnectorActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.release_leases = true;
        self.mailbox.reset();
        self.publish_saturated(false);
        self.wake.forget();
        self.probe.forget();
        self.resume.forget();
        self.health.restarting();
    }
}

impl Handler<Dispatch> for ConnectorActor {
    type Result = ();

    fn handle(&mut self, Dispatch(job): Dispatch, ctx: &mut Context<Self>) {
        if self.draining.is_some() {
            return self.release(vec![job.delivery_id], ctx);
        }
        self.mailbox.enqueue([job], now());
        self.overflow(ctx);
        self.fill(ctx);
    }
}

impl Handler<Wake> for ConnectorActor {
    type Result = ();

    fn handle(&mut self, _: Wake, ctx: &mut Context<Self>) {
        self.look_again(ctx);
    }
}

impl Handler<Drain> for ConnectorActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Drain, _: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.draining.get_or_insert_with(Vec::new).push(tx);
        let queued = self.mailbox.take_all();
        let hub = self.s.hub.clone();
        self.finish_drain_if_idle();
        Box::pin(async move {
            if !queued.is_empty() {
                let _ = hub.store.release(&hub.node, queued).await;
            }
            let _ = rx.await;
        })
    }
}

impl Handler<Retire> for ConnectorActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: Retire, ctx: &mut Context<Self>) -> Self::Result {
        let drained = <Self as Handler<Drain>>::handle(self, Drain, ctx);
        Box::pin(drained.into_actor(self).map(|(), _, ctx| ctx.stop()))
    }
}
