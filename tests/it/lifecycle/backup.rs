//! `switchboard backup` while the hub ingests: the copy restores and holds
//! every event acknowledged before the backup began.

use std::{
    process::Command,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use switchboard_core::storage;

use crate::{
    storage::support::storage_config,
    support::{fresh_event, wait_until, Receiver, TestConfig, TestConnector, TestHub},
};

#[actix_rt::test]
async fn a_backup_taken_under_load_restores_every_acknowledged_event() {
    let ok = Receiver::start();
    let config = TestConfig::default().connector(TestConnector::hook("ok", &ok.url));
    let hub = Arc::new(TestHub::start(config.clone()).await);
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut loaders = Vec::new();
    for _ in 0..4 {
        let (hub, acked, stop) = (hub.clone(), acked.clone(), stop.clone());
        loaders.push(actix_rt::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let ev = fresh_event("call.completed");
                if hub.post_event(&ev).await.0 == 202 {
                    acked
                        .lock()
                        .unwrap()
                        .push(ev["id"].as_str().unwrap().to_owned());
                }
            }
        }));
    }
    let loaded = wait_until(Duration::from_secs(20), async || {
        acked.lock().unwrap().len() >= 50
    })
    .await;
    assert!(loaded, "the load did not start");
    let before: Vec<String> = acked.lock().unwrap().clone();
    let db = hub.dir.path().join("hub.db");
    let copy = hub.dir.path().join("copy.db");
    let file = config.database(&db).write(hub.dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["backup", "--config"])
        .arg(&file)
        .arg("--to")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for l in loaders {
        l.await.unwrap();
    }
    let during = acked.lock().unwrap().len();
    assert!(during > before.len(), "no load during the backup: {during}");

    // A second run refuses to overwrite the copy.
    let again = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["backup", "--config"])
        .arg(&file)
        .arg("--to")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(!again.status.success());

    let url = format!("sqlite://{}", copy.display());
    let restored = storage::open(&storage_config(&url)).await.unwrap();
    for id in &before {
        let event = restored
            .event(&switchboard_core::account::Scope::default(), id)
            .await
            .unwrap();
        assert!(
            event.is_some(),
            "{id} was acknowledged before the backup and is missing"
        );
    }
    if let Ok(hub) = Arc::try_unwrap(hub) {
        hub.stop().await;
    }
}
