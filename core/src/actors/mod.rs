//! Actix actors: the router and one supervised connector actor per connector.

mod connector;
mod router;
mod subscriptions;

pub use connector::{ConnectorActor, ConnectorSettings, Dispatch, Drain, Wake};
pub use router::{AddConnector, DrainAll, RemoveConnector, Route, Router, WakeConnectors};
pub use subscriptions::{Subscription, Subscriptions};
