//! Twenty SIGKILLs of a real hub at random moments of ingest and delivery,
//! on one database file: every acknowledged event is delivered in the end.

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use rand::{Rng, SeedableRng};
use switchboard_client::HubClient;

use crate::support::{
    fresh_event,
    process::{delivered_ids, free_port, post, write_config, Proc},
    wait_until, Receiver, Reply,
};

const ROUNDS: usize = 20;
const WRITERS: usize = 6;

/// Posts events until stopped or the hub stops answering; returns the acknowledged ids.
async fn load(api: HubClient, stop: Arc<AtomicBool>, acked: Arc<Mutex<HashSet<String>>>) {
    let kinds = ["lead.captured", "call.completed", "booking.created"];
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let ev = fresh_event(kinds[i % kinds.len()]);
        i += 1;
        match post(&api, &ev).await {
            Some(202) => {
                acked
                    .lock()
                    .unwrap()
                    .insert(ev["id"].as_str().unwrap().to_owned());
            }
            Some(other) => panic!("unexpected status {other}"),
            // Killed: an unanswered post was never acknowledged.
            None => break,
        }
    }
}

#[actix_rt::test]
async fn twenty_random_sigkills_lose_no_acknowledged_event() {
    let seed: u64 = std::env::var("SIGKILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("sigkill loop seed {seed} (rerun with SIGKILL_SEED={seed})");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start();
    // Slow enough answers that kills land with attempts in flight, and some
    // failures so retries are pending too.
    rx.set_default(Reply::Hang(Duration::from_millis(15)));
    let port = free_port();
    let config = write_config(dir.path(), port, &rx.url);
    let acked = Arc::new(Mutex::new(HashSet::new()));

    println!("round | acknowledged (total) | delivered so far | kill after ms");
    for round in 1..=ROUNDS {
        if round % 4 == 0 {
            rx.script([Reply::Status(503, None), Reply::Status(500, None)]);
        }
        let mut hub = Proc::spawn(&config, port).await;
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| actix_rt::spawn(load(hub.api(), stop.clone(), acked.clone())))
            .collect();
        let after = rng.gen_range(200..2000);
        actix_rt::time::sleep(Duration::from_millis(after)).await;
        hub.kill();
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.await.unwrap();
        }
        println!(
            "{round:>5} | {:>20} | {:>16} | {after:>13}",
            acked.lock().unwrap().len(),
            delivered_ids(&rx).len()
        );
    }

    let acked = acked.lock().unwrap().clone();
    let mut hub = Proc::spawn(&config, port).await;
    let all = wait_until(Duration::from_secs(60), async || {
        delivered_ids(&rx).is_superset(&acked)
    })
    .await;
    hub.kill();
    let got = delivered_ids(&rx);
    let delivered = got.intersection(&acked).count();
    let lost = acked.len() - delivered;
    let duplicates = rx.count() - got.len();
    println!(
        "sigkill x{ROUNDS}: acknowledged {}, delivered {delivered}, lost {lost}, \
         duplicate deliveries {duplicates}, delivered but never acknowledged {}",
        acked.len(),
        got.len() - delivered
    );
    assert!(acked.len() >= 50, "the load ran: {}", acked.len());
    assert!(all && lost == 0, "lost {lost} acknowledged events");
}
