//! Actix actors: the router and one supervised connector actor per connector.

mod breaker;
mod connector;
mod launch;
mod router;
mod subscriptions;

pub use breaker::TripRule;
pub use connector::{ConnectorActor, ConnectorSettings, Dispatch, Drain, Retire, Wake};
pub use launch::{ConnectorLimits, Launcher};
pub use router::{AddConnector, DrainAll, RemoveConnector, Route, Router, WakeAll, WakeConnectors};
pub use subscriptions::{Subscription, Subscriptions};
