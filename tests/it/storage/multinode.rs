//! Several `switchboard serve` processes on one PostgreSQL schema: every
//! delivery made, none attempted twice at once, and a SIGKILLed node's work
//! taken over once its leases run out. Also prints throughput figures.

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::StreamExt;

use serde_json::json;

use super::support::{free_port, pg, Receiver};
use crate::support::{ms, wait_until, TestConfig, TestConnector};

/// One hub process.
struct Node {
    id: String,
    base: String,
    child: Child,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_node(dir: &Path, url: &str, id: &str, target: &str) -> Node {
    let port = free_port();
    let target = TestConnector::new("target", "webhook")
        .set("url", target)
        .set("secret", switchboard_core::signing::SigningKey::generate())
        .set("headers", json!({ "x-node": id }));
    let text = TestConfig::bare()
        .listen(port)
        .server("ingest_token", "it-ingest")
        .server("admin_token", "it-admin")
        .storage_url(url)
        .storage("lease", Duration::from_secs(2))
        .storage("poll_interval", ms(250))
        .node(id)
        .delivery("timeout", Duration::from_secs(1))
        .delivery("first_retry", ms(200))
        .delivery("allow_private_targets", true)
        // Every delivery fails on purpose here (or times out under load); the
        // breaker would hold them for its cooldown. Its own tests are in health.rs.
        .delivery("breaker_failures", 0)
        .connector(target)
        .to_toml();
    let config = dir.join(format!("{id}.toml"));
    std::fs::write(&config, text).unwrap();
    let log = std::fs::File::create(dir.join(format!("{id}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "warn")
        .env_remove("SWITCHBOARD_CONFIG")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start switchboard");
    Node {
        id: id.to_owned(),
        base: format!("http://127.0.0.1:{port}"),
        child,
    }
}

async fn wait_ready(client: &reqwest::Client, node: &Node) {
    let mut ready = serde_json::Value::Null;
    let up = wait_until(Duration::from_secs(30), async || {
        match client.get(format!("{}/readyz", node.base)).send().await {
            Ok(r) if r.status() == 200 => {
                ready = r.json().await.unwrap();
                true
            }
            _ => false,
        }
    })
    .await;
    assert!(up, "node {} never got ready", node.id);
    assert_eq!(
        ready["node"],
        node.id.as_str(),
        "/readyz reports the node id"
    );
}

/// Waits until no delivery is pending or retrying: targets answer before the
/// hub records the attempt, so the log lags the receiver a little.
async fn wait_settled(client: &reqwest::Client, base: &str) {
    let settled = wait_until(Duration::from_secs(30), async || {
        let mut active = 0;
        for status in ["pending", "retrying"] {
            let page: serde_json::Value = client
                .get(format!("{base}/v1/deliveries?status={status}&limit=1"))
                .bearer_auth("it-admin")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            active += page["data"].as_array().unwrap().len();
        }
        active == 0
    })
    .await;
    assert!(settled, "deliveries still active in the log");
}

fn event_body(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"call.started","created":1715199700,"data":{{"call_id":"call_{id}","agent_id":"agent_main","direction":"inbound","from_number":"+15551234567","to_number":"+15557654321","started_at":"2024-05-08T20:21:40Z"}}}}"#
    )
}

/// Posts `n` events round-robin; an event whose node does not answer goes to
/// the next one (as a load balancer would). Returns the acknowledged ids.
async fn ingest(bases: &[String], n: usize, tag: &str, acked_so_far: &AtomicUsize) -> Vec<String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            async move {
                let id = format!("evt_{tag}_{i:05}");
                for k in 0..bases.len() * 3 {
                    let base = &bases[(i + k) % bases.len()];
                    let sent = client
                        .post(format!("{base}/v1/events"))
                        .bearer_auth("it-ingest")
                        .header("content-type", "application/json")
                        .body(event_body(&id))
                        .send()
                        .await;
                    if let Ok(r) = sent {
                        if r.status() == 202 || r.status() == 200 {
                            acked_so_far.fetch_add(1, Ordering::Relaxed);
                            return Some(id);
                        }
                    }
                }
                None
            }
        })
        .buffer_unordered(48)
        .filter_map(|x| async move { x })
        .collect()
        .await
}

/// What a run measured.
struct Outcome {
    acked: Vec<String>,
    ingest_per_s: f64,
    deliver_per_s: f64,
    seen: HashMap<String, super::support::Seen>,
    killed_at: Option<Instant>,
}

/// Starts `nodes` processes on `url`, ingests `n` events, optionally SIGKILLs
/// the last node once a third are acknowledged, waits for every delivery.
async fn run(url: &str, nodes: usize, n: usize, kill: bool) -> Outcome {
    // One cluster at a time: they would otherwise fight over the CPU and
    // stretch attempts past their leases.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(0, Duration::from_millis(5), 2);
    let client = reqwest::Client::new();
    // Migrate once up front, as an operator would before rolling out nodes.
    let status = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["migrate", "--config"])
        .arg({
            let p = dir.path().join("migrate.toml");
            let migrate = TestConfig::bare()
                .server("ingest_token", "i")
                .server("admin_token", "a")
                .storage_url(url);
            std::fs::write(&p, migrate.to_toml()).unwrap();
            p
        })
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "switchboard migrate failed");
    let mut procs: Vec<Node> = (0..nodes)
        .map(|i| spawn_node(dir.path(), url, &format!("node-{i}"), &receiver.url))
        .collect();
    for p in &procs {
        wait_ready(&client, p).await;
    }
    let bases: Vec<String> = procs.iter().map(|p| p.base.clone()).collect();
    let tag = format!("{}{}", nodes, if kill { "k" } else { "" });
    let acked_count = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let load = {
        let (bases, tag, acked_count) = (bases.clone(), tag.clone(), acked_count.clone());
        tokio::spawn(async move { ingest(&bases, n, &tag, &acked_count).await })
    };
    let mut killed_at = None;
    if kill {
        while acked_count.load(Ordering::Relaxed) < n / 3 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let victim = procs.last_mut().unwrap();
        victim.child.kill().unwrap();
        victim.child.wait().unwrap();
        killed_at = Some(Instant::now());
        println!(
            "SIGKILLed {} after {} acknowledged events",
            victim.id,
            acked_count.load(Ordering::Relaxed)
        );
    }
    let acked = load.await.unwrap();
    let ingest_secs = started.elapsed().as_secs_f64();
    let acked_set: HashSet<&String> = acked.iter().collect();
    let undelivered = || {
        let done: HashSet<String> = receiver
            .snapshot()
            .into_values()
            .filter(|s| s.succeeded > 0)
            .map(|s| s.event)
            .collect();
        acked_set.iter().filter(|e| !done.contains(**e)).count()
    };
    if !wait_until(Duration::from_secs(90), async || undelivered() == 0).await {
        let logs: String = procs
            .iter()
            .map(|p| {
                std::fs::read_to_string(dir.path().join(format!("{}.log", p.id)))
                    .unwrap_or_default()
            })
            .collect();
        panic!(
            "{} acknowledged events never delivered; node logs:\n{logs}",
            undelivered()
        );
    }
    let deliver_secs = started.elapsed().as_secs_f64();
    wait_settled(&client, &procs[0].base).await;
    let seen = receiver.snapshot();
    // Any node answers for any delivery, whoever attempted it.
    let some = seen.keys().next().unwrap();
    let detail: serde_json::Value = client
        .get(format!("{}/v1/deliveries/{some}", procs[0].base))
        .bearer_auth("it-admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["status"], "succeeded");
    drop(procs);
    Outcome {
        ingest_per_s: acked.len() as f64 / ingest_secs,
        deliver_per_s: seen.len() as f64 / deliver_secs,
        acked,
        seen,
        killed_at,
    }
}

#[actix_rt::test]
async fn three_nodes_share_5000_events() {
    let _load = crate::support::heavy_load().await;
    let Some(pg) = pg("three_nodes").await else {
        return;
    };
    let out = run(&pg.url, 3, 5000, false).await;
    assert_eq!(out.acked.len(), 5000, "every event acknowledged");
    let overlaps: u32 = out.seen.values().map(|s| s.overlaps).sum();
    assert_eq!(overlaps, 0, "no delivery attempted twice at once");
    let duplicates = out.seen.values().filter(|s| s.requests.len() > 1).count();
    assert_eq!(
        duplicates, 0,
        "no node died: every delivery made exactly once"
    );
    assert_eq!(out.seen.len(), 5000);
    let by_node = pg
        .scalar_i64("SELECT COUNT(DISTINCT node) FROM attempts")
        .await;
    assert_eq!(by_node, 3, "all three nodes made attempts");
    let open = pg
        .scalar_i64("SELECT COUNT(*) FROM deliveries WHERE status <> 'succeeded' OR lease_owner IS NOT NULL")
        .await;
    assert_eq!(open, 0);
    println!(
        "3 nodes on PostgreSQL: {:.0} ingest/s, {:.0} deliveries/s",
        out.ingest_per_s, out.deliver_per_s
    );
    pg.drop().await;
}

#[actix_rt::test]
async fn sigkill_of_one_node_loses_no_acknowledged_event() {
    let Some(pg) = pg("sigkill").await else {
        return;
    };
    let out = run(&pg.url, 3, 5000, true).await;
    let killed_at = out.killed_at.unwrap();
    let overlaps: u32 = out.seen.values().map(|s| s.overlaps).sum();
    assert_eq!(overlaps, 0, "no delivery attempted twice at once");
    let duplicates: Vec<_> = out.seen.values().filter(|s| s.requests.len() > 1).collect();
    for d in &duplicates {
        let (node, at) = &d.requests[0];
        assert_eq!(
            node, "node-2",
            "only the killed node's attempts are repeated: {d:?}"
        );
        assert!(
            *at <= killed_at,
            "the repeated attempt was in flight at the kill: {d:?}"
        );
    }
    println!(
        "SIGKILL mid-load: all {} acknowledged events delivered; {} deliveries made twice \
         (attempts in flight on the killed node), {} requests in all",
        out.acked.len(),
        duplicates.len(),
        out.seen.values().map(|s| s.requests.len()).sum::<usize>()
    );
    pg.drop().await;
}

/// Throughput figures for the closing note:
/// `cargo test --test it storage::multinode::throughput -- --ignored --nocapture`.
#[actix_rt::test]
#[ignore = "benchmark: prints figures, takes a minute"]
async fn throughput() {
    let n = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    let out = run(&sqlite, 1, n, false).await;
    println!(
        "SQLite     1 node : {:>6.0} ingest/s {:>6.0} deliveries/s",
        out.ingest_per_s, out.deliver_per_s
    );
    for nodes in 1..=3 {
        let Some(pg) = pg("bench").await else {
            return;
        };
        let out = run(&pg.url, nodes, n, false).await;
        println!(
            "PostgreSQL {nodes} node{}: {:>6.0} ingest/s {:>6.0} deliveries/s",
            if nodes == 1 { " " } else { "s" },
            out.ingest_per_s,
            out.deliver_per_s
        );
        pg.drop().await;
    }
}
