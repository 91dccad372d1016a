//! Crash recovery with real processes: SIGKILL loses nothing acknowledged,
//! SIGTERM lets in-flight attempts finish.

use std::{
    collections::HashSet,
    net::TcpListener,
    sync::{Arc, Mutex},
    time::Duration,
};
use switchboard_core::account::Scope;

use crate::support::{
    fresh_event,
    process::{delivered_ids, free_port, post, write_config, Proc},
    wait_until, Receiver, Reply,
};

#[actix_rt::test]
async fn sigkill_with_target_down_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_port, target_port) = (free_port(), free_port());
    let config = write_config(
        dir.path(),
        hub_port,
        &format!("http://127.0.0.1:{target_port}"),
    );
    let mut hub = Proc::spawn(&config, hub_port).await;
    let api = hub.api();
    let mut acked = HashSet::new();
    for _ in 0..50 {
        let ev = fresh_event("lead.captured");
        assert_eq!(post(&api, &ev).await, Some(202));
        acked.insert(ev["id"].as_str().unwrap().to_owned());
    }
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    hub.signal(libc::SIGKILL);
    hub.wait();

    let rx = Receiver::start_on(TcpListener::bind(("127.0.0.1", target_port)).unwrap());
    let mut hub = Proc::spawn(&config, hub_port).await;
    let all = wait_until(Duration::from_secs(20), async || {
        delivered_ids(&rx).is_superset(&acked)
    })
    .await;
    let got = delivered_ids(&rx);
    assert!(
        all,
        "lost {} of {} acknowledged events",
        acked.difference(&got).count(),
        acked.len()
    );
    hub.signal(libc::SIGKILL);
    hub.wait();
}

#[actix_rt::test]
async fn sigkill_during_concurrent_ingest_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start();
    let hub_port = free_port();
    let config = write_config(dir.path(), hub_port, &rx.url);
    let mut hub = Proc::spawn(&config, hub_port).await;
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..8 {
        let (api, acked, stop) = (hub.api(), acked.clone(), stop.clone());
        writers.push(actix_rt::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let ev = fresh_event("call.completed");
                match post(&api, &ev).await {
                    Some(202) => {
                        acked
                            .lock()
                            .unwrap()
                            .insert(ev["id"].as_str().unwrap().to_owned());
                    }
                    Some(other) => panic!("unexpected status {other}"),
                    None => break,
                }
            }
        }));
    }
    // Kill mid-load, once enough has been acknowledged to make losses visible.
    let loaded = wait_until(Duration::from_secs(20), async || {
        acked.lock().unwrap().len() >= 150
    })
    .await;
    hub.signal(libc::SIGKILL);
    hub.wait();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(loaded, "the load ran ({} acknowledged)", acked.len());

    let mut hub = Proc::spawn(&config, hub_port).await;
    let all = wait_until(Duration::from_secs(30), async || {
        delivered_ids(&rx).is_superset(&acked)
    })
    .await;
    let got = delivered_ids(&rx);
    let lost = acked.difference(&got).count();
    let duplicates = rx.count() - got.len();
    println!("sigkill during ingest: acknowledged {}, delivered {}, lost {lost}, duplicate requests {duplicates}", acked.len(), got.len());
    assert!(all && lost == 0, "lost {lost} acknowledged events");
    hub.signal(libc::SIGKILL);
    hub.wait();
}

#[actix_rt::test]
async fn sigterm_lets_in_flight_attempts_finish() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start();
    rx.set_default(Reply::Hang(Duration::from_millis(800)));
    let hub_port = free_port();
    let config = write_config(dir.path(), hub_port, &rx.url);
    let mut hub = Proc::spawn(&config, hub_port).await;
    let ev = fresh_event("booking.created");
    assert_eq!(post(&hub.api(), &ev).await, Some(202));
    assert!(wait_until(Duration::from_secs(5), async || rx.count() == 1).await);
    hub.signal(libc::SIGTERM);
    let status = hub.wait();
    assert!(status.success(), "clean exit: {status:?}");

    let text = std::fs::read_to_string(&config).unwrap();
    let cfg = switchboard_core::config::Config::from_toml(&text, "test").unwrap();
    let store = switchboard_core::storage::open(&cfg.storage).await.unwrap();
    let record = store
        .event(&Scope::default(), ev["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        record.deliveries[0].status.as_str(),
        "succeeded",
        "the in-flight attempt finished and was recorded"
    );
    assert_eq!(rx.count(), 1);
}
