//! The soak: a steady rate for a long time with some targets failing; the
//! hub's memory and open file descriptors are sampled throughout and every
//! event must be accounted for at the end (docs/soak.md).

use std::{sync::atomic::Ordering::Relaxed, time::Duration};

use anyhow::ensure;

use crate::{
    hub::{HubProcess, HubSpec},
    load::{self, Pace},
    receiver::Receiver,
    scenarios::{endpoints, mb, wait_for, Ctx, Figures},
};

/// Open file descriptors of a process (0 if unknown).
fn fds(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64)
}

/// Deliveries the hub holds for `connector`, all states together.
async fn stored_deliveries(hub: &HubProcess, connector: &str) -> anyhow::Result<u64> {
    let body = hub
        .client()
        .admin_get("/v1/connectors")
        .await?
        .success()?
        .json();
    let counts = body["data"]
        .as_array()
        .and_then(|list| list.iter().find(|c| c["name"] == connector))
        .map(|c| c["counts"].clone())
        .unwrap_or_default();
    Ok(counts
        .as_object()
        .map_or(0, |m| m.values().filter_map(|v| v.as_u64()).sum()))
}

/// `rate` events/s for `secs` to `endpoints` webhook endpoints, of which
/// `failing` always answer 500; samples every `every` seconds.
pub async fn soak(
    ctx: &Ctx,
    rate: u64,
    secs: u64,
    endpoints_n: usize,
    failing: usize,
    every: u64,
) -> anyhow::Result<Figures> {
    ensure!(failing <= endpoints_n, "--failing is more than --endpoints");
    let ok = endpoints_n - failing;
    let receiver = Receiver::start(ok as u64, rate * secs + rate, Duration::from_secs(1)).await?;
    let hub = HubProcess::start(
        &ctx.bin,
        &HubSpec::new(endpoints(&receiver, ok, 0, failing)),
    )
    .await?;
    let pid = hub.pid();
    let addr = hub.addr;
    let pace = Pace::Rate {
        rate,
        duration: Duration::from_secs(secs),
    };
    let load = tokio::spawn(async move { load::run(addr, pace, 0, false).await });

    println!("  t s | rss MB | fds | deliveries arrived | failed attempts");
    let mut samples = Vec::new();
    let started = std::time::Instant::now();
    while !load.is_finished() {
        tokio::time::sleep(Duration::from_secs(every)).await;
        let (rss, fd) = (crate::proc::rss(pid), fds(pid));
        samples.push((rss, fd));
        println!(
            "{:>5} | {:>6.1} | {fd:>3} | {:>18} | {:>15}",
            started.elapsed().as_secs(),
            mb(rss),
            receiver.stats.arrivals.load(Relaxed),
            receiver.stats.failed.load(Relaxed)
        );
    }
    let r = load.await??;
    ensure!(
        r.errors == 0,
        "{} ingest errors, first: {:?}",
        r.errors,
        r.first_error
    );
    let expected = r.acked * ok as u64;
    let all = wait_for(&receiver.stats.arrivals, expected, Duration::from_secs(600)).await;
    let s = &receiver.stats;
    let unique = s.arrivals.load(Relaxed) - s.duplicates.load(Relaxed);
    ensure!(
        all && unique >= expected,
        "{unique} of {expected} deliveries to healthy endpoints arrived"
    );
    for i in 0..failing {
        let held = stored_deliveries(&hub, &format!("fail{i}")).await?;
        ensure!(
            held == r.acked,
            "fail{i} holds {held} deliveries for {} events",
            r.acked
        );
    }
    ensure!(samples.len() >= 2, "run longer than two sample periods");
    // Flatness: the last sample against the one after warm-up (10% in).
    let warm = samples[samples.len() / 10];
    let last = *samples.last().expect("samples");
    let max_rss = samples.iter().map(|s| s.0).max().unwrap_or(0);
    let max_fds = samples.iter().map(|s| s.1).max().unwrap_or(0);
    Ok(vec![
        ("events acknowledged", r.acked as f64),
        ("sent/s", r.rate()),
        ("healthy deliveries arrived", unique as f64),
        ("duplicates", s.duplicates.load(Relaxed) as f64),
        ("failing-endpoint attempts", s.failed.load(Relaxed) as f64),
        ("rss after warm-up MB", mb(warm.0)),
        ("rss at end MB", mb(last.0)),
        ("rss max MB", mb(max_rss)),
        ("fds after warm-up", warm.1 as f64),
        ("fds at end", last.1 as f64),
        ("fds max", max_fds as f64),
    ])
}
