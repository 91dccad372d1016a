//! The scenarios of BENCHMARKS.md. Each starts a fresh hub and receiver,
//! runs once, and returns named figures; the caller repeats and takes medians.

use std::{
    path::PathBuf,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    sync::Arc,
    time::Duration,
};

use anyhow::ensure;
use hdrhistogram::Histogram;
use switchboard_client::ReplayWindow;

use crate::{
    clock::now_us,
    hub::{Endpoint, HubProcess, HubSpec},
    load::{self, Pace},
    profile::Profiler,
    receiver::{Receiver, Stats},
};

/// Named figures of one run, in report order.
pub type Figures = Vec<(&'static str, f64)>;

/// Settings shared by every scenario.
pub struct Ctx {
    /// The `switchboard` binary.
    pub bin: PathBuf,
    /// Show progress bars.
    pub progress: bool,
    /// Record a CPU profile of the hub here (`perf record`).
    pub perf: Option<PathBuf>,
    /// Print latency second by second (latency, isolation).
    pub timeline: bool,
}

pub(crate) fn endpoints(receiver: &Receiver, ok: usize, hang: usize, fail: usize) -> Vec<Endpoint> {
    let mut out = Vec::new();
    let mut add = |mode: &str, i: usize| {
        out.push(Endpoint {
            name: format!("{mode}{i}"),
            url: format!("{}/{mode}/{i}", receiver.base),
        })
    };
    (0..ok).for_each(|i| add("ok", i));
    (0..hang).for_each(|i| add("hang", i));
    (0..fail).for_each(|i| add("fail", i));
    out
}

pub(crate) async fn wait_for(counter: &AtomicU64, target: u64, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while counter.load(Relaxed) < target {
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

pub(crate) fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

pub(crate) fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Scenario 1: events/s acknowledged with 202 by `clients` closed-loop clients.
pub async fn ingest(
    ctx: &Ctx,
    connectors: usize,
    clients: usize,
    secs: u64,
) -> anyhow::Result<Figures> {
    let receiver = Receiver::start(connectors as u64, 0, Duration::from_secs(1)).await?;
    let hub = HubProcess::start(
        &ctx.bin,
        &HubSpec::new(endpoints(&receiver, connectors, 0, 0)),
    )
    .await?;
    let cpu0 = hub.cpu();
    let perf = Profiler::attach(ctx.perf.as_deref(), hub.pid())?;
    let pace = Pace::Closed {
        clients,
        total: u64::MAX / 4,
        limit: Duration::from_secs(secs),
    };
    let r = load::run(hub.addr, pace, 0, ctx.progress).await?;
    drop(perf);
    let cpu = hub.cpu() - cpu0;
    ensure!(
        r.errors == 0,
        "{} ingest errors, first: {:?}",
        r.errors,
        r.first_error
    );
    Ok(vec![
        ("events/s", r.rate()),
        ("ack p50 ms", ms(&r.ack_latency, 0.5)),
        ("ack p99 ms", ms(&r.ack_latency, 0.99)),
        ("hub cpu µs/event", cpu.as_micros() as f64 / r.acked as f64),
        ("hub rss MB", mb(hub.rss())),
    ])
}

/// Scenario 2: `deliveries` deliveries fanned out to `n` endpoints, end to end.
pub async fn fanout(ctx: &Ctx, n: usize, deliveries: u64) -> anyhow::Result<Figures> {
    let events = (deliveries / n as u64).max(1);
    let receiver = Receiver::start(n as u64, events, Duration::from_secs(1)).await?;
    let hub = HubProcess::start(&ctx.bin, &HubSpec::new(endpoints(&receiver, n, 0, 0))).await?;
    let cpu0 = hub.cpu();
    let perf = Profiler::attach(ctx.perf.as_deref(), hub.pid())?;
    let t0 = now_us();
    let pace = Pace::Closed {
        clients: 16,
        total: events,
        limit: Duration::from_secs(600),
    };
    let r = load::run(hub.addr, pace, 0, ctx.progress).await?;
    let expected = events * n as u64;
    let all = wait_for(&receiver.stats.arrivals, expected, Duration::from_secs(300)).await;
    drop(perf);
    let cpu = hub.cpu() - cpu0;
    let s = &receiver.stats;
    ensure!(
        r.acked == events,
        "{} of {events} events acknowledged: {:?}",
        r.acked,
        r.first_error
    );
    ensure!(
        all,
        "{} of {expected} deliveries arrived",
        s.arrivals.load(Relaxed)
    );
    let secs = (s.last_arrival_us.load(Relaxed) - t0) as f64 / 1e6;
    Ok(vec![
        ("deliveries/s", expected as f64 / secs),
        ("events/s", events as f64 / secs),
        ("ingest events/s", r.rate()),
        ("duplicates", s.duplicates.load(Relaxed) as f64),
        (
            "hub cpu µs/delivery",
            cpu.as_micros() as f64 / expected as f64,
        ),
        ("hub rss MB", mb(hub.rss())),
    ])
}

/// Scenarios 3 and 4: ingest-to-arrival latency at a steady `rate` on one
/// healthy endpoint, beside `hang` endpoints that time out and `fail` that
/// answer 500, with the hub's circuit breaker at `breaker_failures` (0: off).
pub async fn latency(
    ctx: &Ctx,
    rate: u64,
    secs: u64,
    hang: usize,
    fail: usize,
    breaker_failures: u32,
) -> anyhow::Result<Figures> {
    let receiver = Receiver::start(1, rate * secs, Duration::from_secs(6)).await?;
    let mut spec = HubSpec::new(endpoints(&receiver, 1, hang, fail));
    spec.breaker_failures = breaker_failures;
    let hub = HubProcess::start(&ctx.bin, &spec).await?;
    // The first second (connections opening, caches warming) is not timed.
    receiver.stats.warm_from.store(rate, Relaxed);
    if ctx.timeline {
        receiver.stats.per_second.store(rate, Relaxed);
    }
    let cpu0 = hub.cpu();
    let written0 = hub.written();
    let r = load::run(
        hub.addr,
        Pace::Rate {
            rate,
            duration: Duration::from_secs(secs),
        },
        0,
        ctx.progress,
    )
    .await?;
    let all = wait_for(&receiver.stats.arrivals, r.acked, Duration::from_secs(60)).await;
    let cpu = hub.cpu() - cpu0;
    let written = hub.written() - written0;
    let s = &receiver.stats;
    ensure!(
        r.errors == 0,
        "{} ingest errors, first: {:?}",
        r.errors,
        r.first_error
    );
    ensure!(
        all,
        "{} of {} deliveries arrived",
        s.arrivals.load(Relaxed),
        r.acked
    );
    let h = s.take_latency();
    if ctx.timeline {
        print_timeline(&s.timeline());
    }
    Ok(vec![
        ("p50 ms", ms(&h, 0.5)),
        ("p99 ms", ms(&h, 0.99)),
        ("p99.9 ms", ms(&h, 0.999)),
        ("max ms", h.max() as f64 / 1000.0),
        ("ack p99 ms", ms(&r.ack_latency, 0.99)),
        ("sent/s", r.rate()),
        (
            "hub cpu %",
            cpu.as_secs_f64() * 100.0 / r.elapsed.as_secs_f64(),
        ),
        (
            "hub written KB/event",
            written as f64 / 1024.0 / r.acked.max(1) as f64,
        ),
    ])
}

fn print_timeline(seconds: &[Histogram<u64>]) {
    for (i, h) in seconds.iter().enumerate() {
        println!(
            "  second {i:>3}: p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
            ms(h, 0.5),
            ms(h, 0.99),
            h.max() as f64 / 1000.0
        );
    }
}

/// Scenario 5: `n` deliveries pile up while the target answers 503, then the
/// target comes back and the backlog is replayed; the hub's memory is sampled throughout.
pub async fn backlog(ctx: &Ctx, n: u64) -> anyhow::Result<Figures> {
    let receiver = Receiver::start(1, n, Duration::from_secs(1)).await?;
    receiver.stats.down.store(true, Relaxed);
    let mut spec = HubSpec::new(endpoints(&receiver, 1, 0, 0));
    spec.first_retry = "1h";
    let hub = HubProcess::start(&ctx.bin, &spec).await?;
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (peak, pid) = (peak.clone(), hub.pid());
        tokio::spawn(async move {
            loop {
                peak.fetch_max(crate::proc::rss(pid), Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let pace = Pace::Closed {
        clients: 64,
        total: n,
        limit: Duration::from_secs(3600),
    };
    let r = load::run(hub.addr, pace, 0, ctx.progress).await?;
    ensure!(
        r.acked == n,
        "{} of {n} events acknowledged: {:?}",
        r.acked,
        r.first_error
    );
    // Every delivery has failed once and waits for its retry in storage.
    ensure!(
        wait_for(&receiver.stats.refused, n, Duration::from_secs(600)).await,
        "first attempts did not finish"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let backlog_peak = peak.swap(0, Relaxed);
    receiver.stats.down.store(false, Relaxed);
    let t0 = now_us();
    replay(&hub, "ok0").await?;
    let replay_ms = (now_us() - t0) as f64 / 1000.0;
    let drained = wait_for(&receiver.stats.arrivals, n, Duration::from_secs(1800)).await;
    sampler.abort();
    let s = &receiver.stats;
    ensure!(
        drained,
        "{} of {n} deliveries arrived after the replay",
        s.arrivals.load(Relaxed)
    );
    let secs = (s.last_arrival_us.load(Relaxed) - t0) as f64 / 1e6;
    Ok(vec![
        ("ingest events/s", r.rate()),
        ("rss peak while backlogged MB", mb(backlog_peak)),
        ("rss peak while draining MB", mb(peak.load(Relaxed))),
        ("replay call ms", replay_ms),
        ("drain deliveries/s", n as f64 / secs),
        ("time to drain s", secs),
        ("duplicates", s.duplicates.load(Relaxed) as f64),
    ])
}

async fn replay(hub: &HubProcess, connector: &str) -> anyhow::Result<()> {
    let window = ReplayWindow {
        since: "2000-01-01T00:00:00Z".into(),
        connector: Some(connector.into()),
        ..ReplayWindow::default()
    };
    hub.client()
        .with_timeout(Duration::from_secs(600))
        .replay(&window)
        .await?;
    Ok(())
}

/// Idle cost: CPU used over 10 s by a hub holding retries due in an hour.
pub async fn idle(ctx: &Ctx) -> anyhow::Result<Figures> {
    let receiver = Receiver::start(0, 0, Duration::from_secs(1)).await?;
    let mut spec = HubSpec::new(endpoints(&receiver, 0, 0, 10));
    spec.first_retry = "1h";
    let hub = HubProcess::start(&ctx.bin, &spec).await?;
    let pace = Pace::Closed {
        clients: 4,
        total: 100,
        limit: Duration::from_secs(60),
    };
    load::run(hub.addr, pace, 0, false).await?;
    ensure!(
        wait_for(&receiver.stats.failed, 1000, Duration::from_secs(60)).await,
        "attempts did not finish"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cpu0 = hub.cpu();
    tokio::time::sleep(Duration::from_secs(10)).await;
    Ok(vec![(
        "idle hub cpu ms per 10 s",
        (hub.cpu() - cpu0).as_millis() as f64,
    )])
}

/// The test-suite mode: a few seconds, every event acknowledged and delivered exactly once.
pub async fn quick(ctx: &Ctx) -> anyhow::Result<Figures> {
    const EVENTS: u64 = 1000;
    let receiver = Receiver::start(3, EVENTS + 400, Duration::from_secs(1)).await?;
    let hub = HubProcess::start(&ctx.bin, &HubSpec::new(endpoints(&receiver, 3, 0, 0))).await?;
    let s: &Stats = &receiver.stats;
    let pace = Pace::Closed {
        clients: 8,
        total: EVENTS,
        limit: Duration::from_secs(60),
    };
    let closed = load::run(hub.addr, pace, 0, false).await?;
    ensure!(
        closed.acked == EVENTS,
        "{} of {EVENTS} acknowledged: {:?}",
        closed.acked,
        closed.first_error
    );
    ensure!(
        wait_for(&s.arrivals, 3 * EVENTS, Duration::from_secs(30)).await,
        "{} of {} delivered",
        s.arrivals.load(Relaxed),
        3 * EVENTS
    );
    let pace = Pace::Rate {
        rate: 200,
        duration: Duration::from_secs(2),
    };
    let open = load::run(hub.addr, pace, EVENTS, false).await?;
    ensure!(
        open.acked == 400 && open.errors == 0,
        "{} of 400 acknowledged: {:?}",
        open.acked,
        open.first_error
    );
    let total = 3 * (EVENTS + 400);
    ensure!(
        wait_for(&s.arrivals, total, Duration::from_secs(30)).await,
        "{} of {total} delivered",
        s.arrivals.load(Relaxed)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    ensure!(
        s.duplicates.load(Relaxed) == 0 && s.arrivals.load(Relaxed) == total,
        "duplicate deliveries"
    );
    let h = s.take_latency();
    Ok(vec![
        ("events acknowledged", (closed.acked + open.acked) as f64),
        ("deliveries arrived", s.arrivals.load(Relaxed) as f64),
        ("closed-loop events/s", closed.rate()),
        ("p99 ms", ms(&h, 0.99)),
    ])
}
