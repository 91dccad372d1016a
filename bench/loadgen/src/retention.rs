//! Retention under load (issue 18): a steady rate for a long time with a
//! short `[retention] succeeded`; the database file is sampled throughout
//! and must level off once pruning keeps pace, while ingest and delivery
//! latency stay where they were.

use std::{sync::atomic::Ordering::Relaxed, time::Duration};

use anyhow::ensure;

use crate::{
    hub::{HubProcess, HubSpec, Retention},
    load::{self, Pace},
    receiver::Receiver,
    scenarios::{endpoints, mb, ms, wait_for, Ctx, Figures},
};

/// Size of the database file and its WAL, in bytes.
fn stored(db: &std::path::Path) -> (u64, u64) {
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = db.with_extension("db-wal");
    (size(db), size(&wal))
}

/// `rate` events/s for `secs` to one healthy endpoint, succeeded deliveries
/// kept `retention.succeeded`; samples every `every` seconds.
pub async fn retention(
    ctx: &Ctx,
    rate: u64,
    secs: u64,
    retention: Retention,
    every: u64,
) -> anyhow::Result<Figures> {
    let receiver = Receiver::start(1, rate * secs + rate, Duration::from_secs(1)).await?;
    let mut spec = HubSpec::new(endpoints(&receiver, 1, 0, 0));
    spec.retention = Some(retention);
    let hub = HubProcess::start(&ctx.bin, &spec).await?;
    receiver.stats.warm_from.store(rate, Relaxed);
    let db = hub.database();
    let addr = hub.addr;
    let pace = Pace::Rate {
        rate,
        duration: Duration::from_secs(secs),
    };
    let load = tokio::spawn(async move { load::run(addr, pace, 0, false).await });

    println!("  t s | db MB | wal MB | deliveries arrived");
    let mut samples = Vec::new();
    let started = std::time::Instant::now();
    while !load.is_finished() {
        tokio::time::sleep(Duration::from_secs(every)).await;
        let (file, wal) = stored(&db);
        samples.push(file);
        println!(
            "{:>5} | {:>5.1} | {:>6.1} | {:>18}",
            started.elapsed().as_secs(),
            mb(file),
            mb(wal),
            receiver.stats.arrivals.load(Relaxed)
        );
    }
    let r = load.await??;
    ensure!(
        r.errors == 0,
        "{} ingest errors, first: {:?}",
        r.errors,
        r.first_error
    );
    let all = wait_for(&receiver.stats.arrivals, r.acked, Duration::from_secs(600)).await;
    ensure!(all, "not every delivery arrived");
    ensure!(samples.len() >= 2, "run longer than two sample periods");
    let h = receiver.stats.take_latency();
    // Levelling off: the last sample against the one half-way through.
    let half = samples[samples.len() / 2];
    let last = *samples.last().expect("samples");
    let max = samples.iter().copied().max().unwrap_or(0);
    Ok(vec![
        ("events acknowledged", r.acked as f64),
        ("sent/s", r.rate()),
        ("db MB half-way", mb(half)),
        ("db MB at end", mb(last)),
        ("db MB max", mb(max)),
        ("delivery p50 ms", ms(&h, 0.5)),
        ("delivery p99 ms", ms(&h, 0.99)),
        ("ack p50 ms", ms(&r.ack_latency, 0.5)),
        ("ack p99 ms", ms(&r.ack_latency, 0.99)),
    ])
}
