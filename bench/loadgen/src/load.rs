//! The ingest side: keep-alive HTTP/1.1 clients posting `call.started` events
//! that carry their sequence number and send time, either as fast as the hub
//! acknowledges (closed loop) or at a steady rate (open loop).

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use indicatif::{ProgressBar, ProgressStyle};

use crate::{clock::now_us, hub::INGEST_TOKEN};

/// What the ingest side measured.
#[derive(Debug)]
pub struct IngestResult {
    /// Events answered 202.
    pub acked: u64,
    /// Events answered otherwise, or not at all.
    pub errors: u64,
    /// From the first send to the last answer.
    pub elapsed: Duration,
    /// Time to the 202 (µs).
    pub ack_latency: Histogram<u64>,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
}

impl IngestResult {
    /// Acknowledged events per second.
    pub fn rate(&self) -> f64 {
        self.acked as f64 / self.elapsed.as_secs_f64()
    }
}

/// How to pace the clients.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Send `total` events as fast as `clients` connections are answered, or
    /// until `limit` has passed.
    Closed {
        clients: usize,
        total: u64,
        limit: Duration,
    },
    /// Send `rate` events per second for `duration`.
    Rate { rate: u64, duration: Duration },
}

struct Shared {
    run: String,
    next: AtomicU64,
    acked: AtomicU64,
    errors: AtomicU64,
    ack_latency: Mutex<Histogram<u64>>,
    first_error: Mutex<Option<String>>,
}

/// Posts events to the hub at `addr`; sequence numbers start at `first_seq`.
pub async fn run(
    addr: SocketAddr,
    pace: Pace,
    first_seq: u64,
    show_progress: bool,
) -> anyhow::Result<IngestResult> {
    let shared = Arc::new(Shared {
        run: format!("{:x}", now_us() ^ u64::from(std::process::id()) << 40),
        next: AtomicU64::new(first_seq),
        acked: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        ack_latency: Mutex::new(Histogram::new_with_bounds(1, 600_000_000, 3).expect("bounds")),
        first_error: Mutex::new(None),
    });
    let (workers, expected, per_worker_gap) = match pace {
        Pace::Closed { clients, total, .. } => (clients, total, None),
        Pace::Rate { rate, duration } => {
            let workers = (rate / 100).clamp(4, 64) as usize;
            let gap = Duration::from_secs_f64(workers as f64 / rate as f64);
            (workers, rate * duration.as_secs(), Some(gap))
        }
    };
    let end_seq = first_seq + expected;
    let limit = match pace {
        Pace::Closed { limit, .. } => limit,
        Pace::Rate { duration, .. } => duration + Duration::from_secs(30),
    };
    let bar = progress(expected, show_progress);
    let started = Instant::now();
    let deadline = started + limit;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let shared = shared.clone();
        let mut sender = connect(addr).await?;
        let bar = bar.clone();
        tasks.push(tokio::spawn(async move {
            let mut due = started
                + per_worker_gap.map_or(Duration::ZERO, |g| g.mul_f64(w as f64 / workers as f64));
            loop {
                let seq = shared.next.fetch_add(1, Relaxed);
                if seq >= end_seq || Instant::now() > deadline {
                    break;
                }
                if let Some(gap) = per_worker_gap {
                    // Open loop: a worker late on its schedule catches up at once.
                    tokio::time::sleep_until(due.into()).await;
                    due += gap;
                }
                let sent = now_us();
                match post(&mut sender, &shared.run, seq, sent).await {
                    Ok(()) => {
                        shared.acked.fetch_add(1, Relaxed);
                        let took = now_us().saturating_sub(sent).max(1);
                        let _ = shared.ack_latency.lock().expect("lock").record(took);
                    }
                    Err(e) => {
                        shared.errors.fetch_add(1, Relaxed);
                        shared
                            .first_error
                            .lock()
                            .expect("lock")
                            .get_or_insert(e.to_string());
                        if let Ok(s) = connect(addr).await {
                            sender = s;
                        }
                    }
                }
                bar.inc(1);
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let ack_latency = shared.ack_latency.lock().expect("lock").clone();
    let first_error = shared.first_error.lock().expect("lock").clone();
    Ok(IngestResult {
        acked: shared.acked.load(Relaxed),
        errors: shared.errors.load(Relaxed),
        elapsed,
        ack_latency,
        first_error,
    })
}

fn progress(total: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("  {bar:40} {pos}/{len} events {per_sec} eta {eta}")
            .expect("template"),
    );
    bar
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to the hub at {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// The event loadgen sends; `lg` is an extra top-level field the hub passes through.
pub fn event_body(run: &str, seq: u64, sent_us: u64) -> String {
    format!(
        r#"{{"id":"evt_lg{run}_{seq}","type":"call.started","data":{{"call_id":"call_lg{seq}","agent_id":"agent_main","direction":"inbound","from_number":"+15551234567","to_number":"+15557654321","started_at":"2024-05-08T20:21:40Z"}},"lg":{{"seq":{seq},"sent_us":{sent_us}}}}}"#
    )
}

async fn post(
    sender: &mut SendRequest<Full<Bytes>>,
    run: &str,
    seq: u64,
    sent: u64,
) -> anyhow::Result<()> {
    sender.ready().await?;
    let req = hyper::Request::post("/v1/events")
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {INGEST_TOKEN}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(event_body(run, seq, sent))))?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    if status != hyper::StatusCode::ACCEPTED {
        anyhow::bail!("{status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(())
}
