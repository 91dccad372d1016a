//! One thread per call: the first message of a call is the parent, and the
//! call's later events reply to it (`thread_ts`). The parent's `ts` is kept
//! in the connector's state in storage, so threads survive a restart and
//! are shared by every node.
//!
//! Events of one call are handled one at a time on this node (a lock per
//! call, striped), so two events delivered together cannot both start a
//! thread. Nodes sharing a database do not share this lock: two first
//! events of one call on two nodes at once can start two threads.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::{Deserialize, Serialize};
use switchboard_core::connector::{ConnectorState, StateError};
use tokio::sync::{Mutex, MutexGuard};

/// Locks shared by all calls: enough that unrelated calls rarely wait.
const STRIPES: usize = 64;

/// Where a call's thread is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parent {
    /// The channel as configured (a changed `channel` starts new threads).
    pub channel: String,
    /// The parent message's `ts`.
    pub ts: String,
}

/// The threads of one connector.
pub struct Threads {
    state: ConnectorState,
    locks: [Mutex<()>; STRIPES],
}

impl Threads {
    /// Threads kept in `state`.
    pub fn new(state: ConnectorState) -> Self {
        Threads {
            state,
            locks: std::array::from_fn(|_| Mutex::new(())),
        }
    }

    /// Waits until no other event of `call` is being posted on this node.
    pub async fn lock(&self, call: &str) -> MutexGuard<'_, ()> {
        let mut h = DefaultHasher::new();
        call.hash(&mut h);
        self.locks[(h.finish() % STRIPES as u64) as usize]
            .lock()
            .await
    }

    /// The call's thread in `channel`, if one was started there.
    pub async fn parent(&self, call: &str, channel: &str) -> Result<Option<Parent>, StateError> {
        let stored = self.state.get(&key(call)).await?;
        Ok(stored
            .and_then(|s| serde_json::from_str::<Parent>(&s).ok())
            .filter(|p| p.channel == channel))
    }

    /// Records the call's parent message.
    pub async fn started(&self, call: &str, parent: &Parent) -> Result<(), StateError> {
        let value = serde_json::to_string(parent).expect("a parent serializes");
        self.state.put(&key(call), &value).await
    }

    /// Forgets the call's thread (its parent message is gone).
    pub async fn forget(&self, call: &str) -> Result<(), StateError> {
        self.state.delete(&key(call)).await
    }
}

fn key(call: &str) -> String {
    format!("thread:{call}")
}
