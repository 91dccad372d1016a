//! The loopback receiver: webhook targets that answer at once (`/ok/<i>`),
//! hang past the hub's timeout (`/hang/<i>`) or fail (`/fail/<i>`), and record
//! each arrival's latency against the send time loadgen embedded in the event.

use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
        Arc, Mutex,
    },
    time::Duration,
};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::{body::Incoming, server::conn::http1, service::service_fn, Request, Response};
use hyper_util::rt::TokioIo;

use crate::clock::now_us;

/// What the receiver saw.
pub struct Stats {
    /// 2xx answers given by `/ok` endpoints (duplicates included).
    pub arrivals: AtomicU64,
    /// Requests answered 503 because the receiver was "down".
    pub refused: AtomicU64,
    /// Requests to `/fail` endpoints.
    pub failed: AtomicU64,
    /// Requests to `/hang` endpoints.
    pub hung: AtomicU64,
    /// Answer 503 on `/ok` endpoints (the target is down).
    pub down: AtomicBool,
    /// Latencies are recorded only for events with at least this sequence number.
    pub warm_from: AtomicU64,
    /// Arrivals of an (endpoint, event) already seen.
    pub duplicates: AtomicU64,
    /// Time of the latest arrival (loadgen clock, µs).
    pub last_arrival_us: AtomicU64,
    latency: Mutex<Histogram<u64>>,
    /// Events sent per second, when latencies are also kept second by
    /// second (`--timeline`); 0: not kept.
    pub per_second: AtomicU64,
    timeline: Mutex<Vec<Histogram<u64>>>,
    seen: Vec<AtomicU64>,
    per_endpoint: u64,
    hang_for: Duration,
}

impl Stats {
    /// Ingest-to-arrival latency histogram (µs) so far, then cleared.
    pub fn take_latency(&self) -> Histogram<u64> {
        let mut h = self.latency.lock().expect("lock");
        let out = h.clone();
        h.reset();
        out
    }

    /// Latency histograms (µs) by second of sending, so far.
    pub fn timeline(&self) -> Vec<Histogram<u64>> {
        self.timeline.lock().expect("lock").clone()
    }

    fn record(&self, endpoint: u64, body: &[u8]) {
        let Some((seq, sent)) = parse_marker(body) else {
            return;
        };
        let now = now_us();
        self.last_arrival_us.fetch_max(now, Relaxed);
        let latency = now.saturating_sub(sent).max(1);
        if seq >= self.warm_from.load(Relaxed) {
            let _ = self.latency.lock().expect("lock").record(latency);
        }
        if let Some(second) = seq.checked_div(self.per_second.load(Relaxed)) {
            let second = second as usize;
            let mut timeline = self.timeline.lock().expect("lock");
            if timeline.len() <= second {
                timeline.resize_with(second + 1, new_histogram);
            }
            let _ = timeline[second].record(latency);
        }
        let bit = endpoint * self.per_endpoint + seq;
        if let Some(word) = self.seen.get((bit / 64) as usize) {
            let mask = 1u64 << (bit % 64);
            if word.fetch_or(mask, Relaxed) & mask != 0 {
                self.duplicates.fetch_add(1, Relaxed);
            }
        }
    }
}

/// A running receiver.
pub struct Receiver {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Shared counters.
    pub stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Starts a receiver tracking duplicates for `endpoints` x `events`
    /// (sequence numbers beyond `events` are timed but not checked).
    pub async fn start(endpoints: u64, events: u64, hang_for: Duration) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let words = (endpoints * events).div_ceil(64) as usize;
        let stats = Arc::new(Stats {
            arrivals: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            hung: AtomicU64::new(0),
            down: AtomicBool::new(false),
            warm_from: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            last_arrival_us: AtomicU64::new(0),
            latency: Mutex::new(new_histogram()),
            per_second: AtomicU64::new(0),
            timeline: Mutex::new(Vec::new()),
            seen: (0..words).map(|_| AtomicU64::new(0)).collect(),
            per_endpoint: events,
            hang_for,
        });
        let s = stats.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let s = s.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(s.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(Receiver {
            base: format!("http://{addr}"),
            stats,
            task,
        })
    }
}

async fn handle(
    s: Arc<Stats>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let (mode, index) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or(("ok", "0"));
    let index: u64 = index.parse().unwrap_or(0);
    let status = match mode {
        "hang" => {
            s.hung.fetch_add(1, Relaxed);
            tokio::time::sleep(s.hang_for).await;
            200
        }
        "fail" => {
            s.failed.fetch_add(1, Relaxed);
            500
        }
        _ if s.down.load(Relaxed) => {
            s.refused.fetch_add(1, Relaxed);
            503
        }
        _ => {
            s.record(index, &body);
            s.arrivals.fetch_add(1, Relaxed);
            200
        }
    };
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = hyper::StatusCode::from_u16(status).expect("valid status");
    Ok(resp)
}

/// Finds `"lg":{"seq":N,"sent_us":T}` in a delivered envelope.
pub fn parse_marker(body: &[u8]) -> Option<(u64, u64)> {
    const KEY: &[u8] = b"\"lg\":{\"seq\":";
    const SENT: &[u8] = b",\"sent_us\":";
    let at = body.windows(KEY.len()).rposition(|w| w == KEY)? + KEY.len();
    let (seq, used) = digits(&body[at..])?;
    let rest = body[at + used..].strip_prefix(SENT)?;
    let (sent, _) = digits(rest)?;
    Some((seq, sent))
}

fn digits(b: &[u8]) -> Option<(u64, usize)> {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let v = std::str::from_utf8(&b[..n]).ok()?.parse().ok()?;
    Some((v, n))
}

/// A latency histogram in µs, up to an hour.
fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("bounds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_marker_in_a_canonical_envelope() {
        let body = br#"{"id":"e","type":"call.started","created":1,"data":{},"lg":{"seq":42,"sent_us":1234}}"#;
        assert_eq!(parse_marker(body), Some((42, 1234)));
        assert_eq!(parse_marker(b"{}"), None);
    }
}
