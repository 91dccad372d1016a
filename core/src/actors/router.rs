//! The router: fans committed deliveries out to their connector actors.

use std::{collections::HashMap, sync::Arc};

use actix::prelude::*;

use super::connector::{ConnectorActor, Dispatch, Drain, Retire, Wake};
use crate::delivery::Job;

/// Fans work out to connector actors by connector name.
#[derive(Default)]
pub struct Router {
    actors: HashMap<Arc<str>, Addr<ConnectorActor>>,
}

impl Actor for Router {
    type Context = Context<Self>;
}

/// Newly committed (or replayed) deliveries, leased to this node.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Route(pub Vec<Job>);

/// Tells connectors that storage holds due work for them (after a replay).
#[derive(Message)]
#[rtype(result = "()")]
pub struct WakeConnectors(pub Vec<String>);

/// Tells every connector to look in storage (work notices may have been lost).
#[derive(Message)]
#[rtype(result = "()")]
pub struct WakeAll;

/// Adds (or replaces) a connector actor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AddConnector(pub Arc<str>, pub Addr<ConnectorActor>);

/// Removes a connector actor (a deleted runtime endpoint): it finishes its
/// in-flight attempts, gives queued work back and stops. Answers once it has.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoveConnector(pub String);

/// Drains every connector actor (graceful shutdown); answers when all are idle.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DrainAll;

impl Handler<Route> for Router {
    type Result = ();

    fn handle(&mut self, Route(jobs): Route, _: &mut Context<Self>) {
        let mut by_connector: HashMap<Arc<str>, Vec<Job>> = HashMap::new();
        for job in jobs {
            by_connector
                .entry(job.connector.clone())
                .or_default()
                .push(job);
        }
        for (name, jobs) in by_connector {
            match self.actors.get(&name) {
                Some(addr) => addr.do_send(Dispatch(jobs)),
                // Storage has them; the lease expires and a node picks them up.
                None => {
                    tracing::warn!(connector = %name, count = jobs.len(), "no actor for connector")
                }
            }
        }
    }
}

impl Handler<WakeConnectors> for Router {
    type Result = ();

    fn handle(&mut self, WakeConnectors(names): WakeConnectors, _: &mut Context<Self>) {
        for name in names {
            if let Some(addr) = self.actors.get(name.as_str()) {
                addr.do_send(Wake);
            }
        }
    }
}

impl Handler<WakeAll> for Router {
    type Result = ();

    fn handle(&mut self, _: WakeAll, _: &mut Context<Self>) {
        for addr in self.actors.values() {
            addr.do_send(Wake);
        }
    }
}

impl Handler<AddConnector> for Router {
    type Result = ();

    fn handle(&mut self, AddConnector(name, addr): AddConnector, _: &mut Context<Self>) {
        if let Some(old) = self.actors.insert(name, addr) {
            old.do_send(Drain);
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
        // Dropping the router's address lets the retired actor stop for good
        // instead of being restarted by its supervisor.
        let retired = self
            .actors
            .remove(name.as_str())
            .map(|old| old.send(Retire));
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
        let drains: Vec<_> = self.actors.values().map(|a| a.send(Drain)).collect();
        Box::pin(async move {
            futures::future::join_all(drains).await;
        })
    }
}
