//! Shared test machinery: a scriptable receiver, an in-process hub, polling.

#![allow(dead_code)]

pub mod badtarget;
mod browser;
mod config;
mod hub;
pub mod limited;
pub mod process;
mod proxy;
mod receiver;
pub mod root;
pub mod sdk;

use std::time::{Duration, Instant};

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use browser::Browser;
pub use config::{ms, TestConfig, TestConnector, SECRET};
pub use hub::{TestHub, ADMIN, INGEST};
pub use proxy::Proxy;
pub use receiver::{Received, Receiver, Reply};

/// Tests that load the machine (a browser, package builds, thousands of
/// deliveries) hold it shared; a test asserting a wall-clock bound on a
/// 2-core machine holds it alone, so the bound measures the hub, not its
/// neighbours.
static MACHINE: RwLock<()> = RwLock::const_new(());

/// Held by a test that loads the machine heavily.
pub async fn heavy_load() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().await
}

/// Held by a test whose assertion is a wall-clock bound.
pub async fn quiet_machine() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().await
}

/// Polls `check` until it holds or `timeout` passes; returns whether it held.
pub async fn wait_until(timeout: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The six sample events as (type, JSON text).
pub fn fixtures() -> Vec<(String, String)> {
    switchboard_core::event::fixtures()
        .iter()
        .map(|(t, s)| (t.to_string(), s.to_string()))
        .collect()
}

/// A fixture of one type, with a fresh id so tests never collide.
pub fn fresh_event(kind: &str) -> serde_json::Value {
    let (_, src) = switchboard_core::event::fixtures()
        .into_iter()
        .find(|(t, _)| t.as_str() == kind)
        .expect("fixture type");
    let mut v: serde_json::Value = serde_json::from_str(src).unwrap();
    v["id"] = switchboard_core::ids::event_id().into();
    v
}
