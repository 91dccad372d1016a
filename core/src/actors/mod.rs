//! Actix actors: one supervised connector actor per connector, the
//! connector table ingest hands jobs to them through, and the router that
//! wakes, retires and drains them.

mod breaker;
mod connector;
mod context;
mod launch;
mod router;
mod subscription;
mod table;

pub use breaker::TripRule;
pub use connector::{ConnectorActor, Dispatch, Drain, ProbeTarget, Reenabled, Retire, Wake};
pub use context::{ConnectorSettings, HubContext, HubParts};
pub use launch::{ConnectorLimits, Launcher};
pub use router::{DrainAll, RemoveConnector, Router, WakeAll, WakeConnectors};
pub use subscription::Subscription;
pub use table::ConnectorTable;
