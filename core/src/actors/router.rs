//! The router: lifecycle work over the connector actors in the
//! [`ConnectorTable`] (waking them, retiring one, draining all). Jobs do not
//! pass through it: ingest hands them to the actors through the table.

use std::sync::Arc;

use actix::prelude::*;

use super::{
    connector::{Drain, Retire, Wake},
    ConnectorTable,
};

/// Wakes, retires and drains connector actors.
pub struct Router {
    table: Arc<ConnectorTable>,
}

impl Router {
    /// A router over `table`'s actors.
    pub fn new(table: Arc<ConnectorTable>) -> Self {
        Router { table }
    }
}

impl Actor for Router {
    type Context = Context<Self>;
}

/// Tells connectors that storage holds due work for them (after a replay).
#[derive(Message)]
#[rtype(result = "()")]
pub struct WakeConnectors(pub Vec<String>);

/// Tells every connector to look in storage (work notices may have been lost).
#[derive(Message)]
#[rtype(result = "()")]
pub struct WakeAll;

/// Removes a connector (a deleted runtime endpoint): its actor finishes its
/// in-flight attempts, gives queued work back and stops. Answers once it has.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoveConnector(pub String);

/// Drains every connector actor (graceful shutdown); answers when all are idle.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DrainAll;

impl Handler<WakeConnectors> for Router {
    type Result = ();

    fn handle(&mut self, WakeConnectors(names): WakeConnectors, _: &mut Context<Self>) {
        self.table.wake(names);
    }
}

impl Handler<WakeAll> for Router {
    type Result = ();

    fn handle(&mut self, _: WakeAll, _: &mut Context<Self>) {
        for actor in self.table.actors() {
            actor.do_send(Wake);
        }
    }
}

impl Handler<RemoveConnector> for Router {
    type Result = ResponseFuture<()>;

    fn handle(
        &mut self,
        RemoveConnector(name): RemoveConnector,
        _: &mut Context<Self>,
    ) -> Self::Result {
        let retired = self.table.remove(&name).map(|old| old.send(Retire));
        Box::pin(async move {
            if let Some(r) = retired {
                let _ = r.await;
            }
        })
    }
}

impl Handler<DrainAll> for Router {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: DrainAll, _: &mut Context<Self>) -> Self::Result {
        let drains: Vec<_> = self.table.actors().iter().map(|a| a.send(Drain)).collect();
        Box::pin(async move {
            futures::future::join_all(drains).await;
        })
    }
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
