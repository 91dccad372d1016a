//! The connector table: one row per connector (its subscription, its actor,
//! whether it is disabled or saturated), grouped by account, shared by
//! ingest, the actors, the router and the admin API. An event only meets
//! its own account's rows, so routing costs the same however many accounts
//! the hub serves. Ingest decides an event's deliveries from it
//! before the commit (so an event and all its deliveries land in one
//! transaction) and hands the committed jobs to the actors through it.

use std::collections::HashMap;
use std::sync::{
    atomic::{AtomicBool, Ordering},
    RwLock,
};
use std::{cell::OnceCell, sync::Arc};

use actix::Addr;
use indexmap::IndexMap;

use super::{
    connector::{ConnectorActor, Dispatch, Wake},
    Subscription,
};
use crate::{
    account::TargetName,
    delivery::Job,
    event::Event,
    ids,
    storage::{Admission, NewDelivery},
};

/// One connector's row.
struct Row {
    subscription: Subscription,
    /// `None` between the subscription and the actor's start.
    actor: Option<Addr<ConnectorActor>>,
    /// 410 Gone, `disable_after` or the operator: new deliveries are
    /// recorded `disabled`.
    disabled: bool,
    /// Its actor's queue is full (or its breaker open, or it is paused): new
    /// deliveries are parked in storage instead of handed over. Flipped by
    /// the actor without the table's write lock.
    saturated: AtomicBool,
}

impl Row {
    fn admission(&self) -> Admission {
        if self.disabled {
            Admission::Disabled
        } else if self.saturated.load(Ordering::Relaxed) {
            Admission::Park
        } else {
            Admission::Dispatch
        }
    }
}

/// One account's rows, by target key, in subscription order.
type AccountRows = IndexMap<Arc<str>, Row>;

/// Every account's rows, by account id.
#[derive(Default)]
struct Rows(HashMap<Arc<str>, AccountRows>);

impl Rows {
    fn get(&self, key: &str) -> Option<&Row> {
        self.0.get(TargetName::of(key).account)?.get(key)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Row> {
        self.0.get_mut(TargetName::of(key).account)?.get_mut(key)
    }

    fn shift_remove(&mut self, key: &str) -> Option<Row> {
        let account = TargetName::of(key).account;
        let rows = self.0.get_mut(account)?;
        let row = rows.shift_remove(key);
        if rows.is_empty() {
            // An account with no targets left costs nothing.
            self.0.remove(account);
        }
        row
    }

    fn insert(&mut self, key: Arc<str>, row: Row) {
        let account: Arc<str> = row.subscription.account.as_str().into();
        self.0.entry(account).or_default().insert(key, row);
    }

    fn values(&self) -> impl Iterator<Item = &Row> {
        self.0.values().flat_map(IndexMap::values)
    }
}

/// The live connector table. An account's rows keep their subscription
/// order, so an event's deliveries are created in the order connectors were added.
#[derive(Default)]
pub struct ConnectorTable {
    rows: RwLock<Rows>,
}

impl ConnectorTable {
    /// Adds a connector's subscription, or replaces it (keeping its actor
    /// and saturation), with its disabled state.
    pub fn subscribe(&self, subscription: Subscription, disabled: bool) {
        let mut rows = self.rows.write().expect("lock");
        let name = subscription.name.clone();
        let (actor, saturated) = match rows.shift_remove(&name) {
            Some(old) => (old.actor, old.saturated.into_inner()),
            None => (None, false),
        };
        let row = Row {
            subscription,
            actor,
            disabled,
            saturated: AtomicBool::new(saturated),
        };
        rows.insert(name, row);
    }

    /// Sets a subscribed connector's actor; returns the one it replaces.
    pub fn attach(&self, name: &str, actor: Addr<ConnectorActor>) -> Option<Addr<ConnectorActor>> {
        let mut rows = self.rows.write().expect("lock");
        match rows.get_mut(name) {
            Some(row) => row.actor.replace(actor),
            None => {
                // Dropping its only address stops it: nothing would reach it.
                tracing::error!(connector = %name, "an actor started for a connector that is not subscribed; it is stopped");
                None
            }
        }
    }

    /// Removes a connector; returns its actor, to retire. Dropping the
    /// table's address lets the retired actor stop for good instead of
    /// being restarted by its supervisor.
    pub fn remove(&self, name: &str) -> Option<Addr<ConnectorActor>> {
        let mut rows = self.rows.write().expect("lock");
        rows.shift_remove(name).and_then(|row| row.actor)
    }

    /// Marks a connector disabled or enabled (no-op for an unknown name).
    pub fn set_disabled(&self, name: &str, disabled: bool) {
        if let Some(row) = self.rows.write().expect("lock").get_mut(name) {
            row.disabled = disabled;
        }
    }

    /// Marks a connector's actor full (or no longer full).
    pub fn set_saturated(&self, name: &str, saturated: bool) {
        if let Some(row) = self.rows.read().expect("lock").get(name) {
            row.saturated.store(saturated, Ordering::Relaxed);
        }
    }

    /// Whether a connector is disabled.
    pub fn is_disabled(&self, name: &str) -> bool {
        self.rows
            .read()
            .expect("lock")
            .get(name)
            .is_some_and(|row| row.disabled)
    }

    /// The deliveries an event gets: one per connector of its account
    /// subscribed to it.
    pub fn deliveries_for(&self, event: &Event) -> Vec<NewDelivery> {
        let rows = self.rows.read().expect("lock");
        let Some(own) = rows.0.get(event.account.as_str()) else {
            return Vec::new();
        };
        // Kept from ingest; parsed here only for an event from storage, at
        // most once, and only when a filter needs it.
        let envelope = OnceCell::new();
        let parsed = || &**envelope.get_or_init(|| event.envelope().unwrap_or_default());
        own.values()
            .filter(|row| row.subscription.accepts(event.kind, parsed))
            .map(|row| NewDelivery {
                id: ids::delivery_id(),
                connector: row.subscription.name.clone(),
                admission: row.admission(),
            })
            .collect()
    }

    /// Hands committed (or replayed) jobs, leased to this node, to their
    /// connectors' actors. A job whose connector has no actor stays in
    /// storage: its lease expires and a node picks it up.
    pub fn dispatch(&self, jobs: Vec<Job>) {
        let rows = self.rows.read().expect("lock");
        for job in jobs {
            match rows.get(&job.connector).and_then(|row| row.actor.as_ref()) {
                Some(actor) => actor.do_send(Dispatch(job)),
                None => {
                    tracing::warn!(connector = %job.connector, delivery = %job.delivery_id, "no actor for connector")
                }
            }
        }
    }

    /// Tells these connectors' actors that storage holds due work for them.
    pub fn wake<S: AsRef<str>>(&self, names: impl IntoIterator<Item = S>) {
        let rows = self.rows.read().expect("lock");
        for name in names {
            if let Some(actor) = rows.get(name.as_ref()).and_then(|row| row.actor.as_ref()) {
                actor.do_send(Wake);
            }
        }
    }

    /// Whether a connector (or endpoint) is in the table.
    pub fn knows(&self, name: &str) -> bool {
        self.rows.read().expect("lock").get(name).is_some()
    }

    /// One connector's actor, if started.
    pub fn actor(&self, name: &str) -> Option<Addr<ConnectorActor>> {
        let rows = self.rows.read().expect("lock");
        rows.get(name).and_then(|row| row.actor.clone())
    }

    /// Every connector's actor, for lifecycle work (wake all, drain all).
    pub fn actors(&self) -> Vec<Addr<ConnectorActor>> {
        let rows = self.rows.read().expect("lock");
        rows.values().filter_map(|row| row.actor.clone()).collect()
    }
}
