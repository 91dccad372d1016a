//! Added latency of the hub on a function call to a loopback endpoint.
//!
//! Starts a loopback endpoint and a hub (SQLite in a temporary directory, the
//! invocation log on), then alternates, one request at a time over keep-alive
//! connections: a direct POST of the same signed body to the endpoint, and the
//! same call through `POST /v1/functions/{name}/invoke`. Prints p50/p90/p99 of
//! both and of their difference (the hub's added latency).
//!
//!     cargo run --release --example function_latency -- --n 5000

use std::{
    net::TcpListener,
    time::{Duration, Instant},
};

use actix_web::{web, App, HttpResponse, HttpServer};
use switchboard::registry::registry;
use switchboard_core::{config::Config, hub::Hub, signing::SigningKey};

async fn endpoint(_body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(
        r#"{"available":true,"slots":[{"start":"09:00","end":"10:00","technician":"Maria"}]}"#,
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn us(d: Duration) -> String {
    format!("{:>8.1} µs", d.as_secs_f64() * 1e6)
}

#[actix_rt::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut n = 5000usize;
    while let Some(a) = args.next() {
        if a == "--n" {
            n = args
                .next()
                .and_then(|v| v.parse().ok())
                .expect("--n NUMBER");
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://{}/fn", listener.local_addr().unwrap());
    let server = HttpServer::new(|| App::new().default_service(web::to(endpoint)))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    actix_rt::spawn(server);

    let dir = tempfile::tempdir().unwrap();
    let secret = SigningKey::generate();
    let config = Config::from_toml(
        &format!(
            r#"
[server]
ingest_token = "bench-ingest"
admin_token = "bench-admin"
[storage]
url = "sqlite://{}"
[delivery]
allow_private_targets = true
[[functions]]
name = "check_technician_availability"
url = "{target}"
secret = "{secret}"
[functions.parameters]
type = "object"
required = ["date", "service_type"]
[functions.parameters.properties.date]
type = "string"
format = "date"
[functions.parameters.properties.service_type]
type = "string"
enum = ["plumbing", "heating"]
[functions.result]
type = "object"
required = ["available"]
"#,
            dir.path().join("bench.db").display()
        ),
        "bench",
    )
    .unwrap();
    let hub = Hub::start(&config, &registry()).await.unwrap();
    let hub_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let hub_url = format!(
        "http://{}/v1/functions/check_technician_availability/invoke",
        hub_listener.local_addr().unwrap()
    );
    let running = hub.serve(hub_listener, false).unwrap();

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(4)
        .tcp_nodelay(true)
        .build()
        .unwrap();
    let invoke_body =
        r#"{"call_id":"call_bench","arguments":{"date":"2026-03-09","service_type":"plumbing"}}"#;
    let direct_body = r#"{"function":"check_technician_availability","call_id":"call_bench","arguments":{"date":"2026-03-09","service_type":"plumbing"}}"#;
    let key = SigningKey::parse(&secret).unwrap();

    let mut direct = Vec::with_capacity(n);
    let mut via_hub = Vec::with_capacity(n);
    let warmup = 500.min(n);
    for i in 0..warmup + n {
        let ts = chrono::Utc::now().timestamp();
        let sigs = switchboard_core::signing::sign(
            std::slice::from_ref(&key),
            "inv_bench",
            ts,
            direct_body.as_bytes(),
        );
        let t = Instant::now();
        let resp = client
            .post(&target)
            .header("content-type", "application/json")
            .header("x-oncallclerk-signature", sigs.plain)
            .header("webhook-id", "inv_bench")
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sigs.standard)
            .body(direct_body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
        resp.bytes().await.unwrap();
        let d = t.elapsed();

        let t = Instant::now();
        let resp = client
            .post(&hub_url)
            .bearer_auth("bench-ingest")
            .header("content-type", "application/json")
            .body(invoke_body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.bytes().await.unwrap();
        let h = t.elapsed();
        if i >= warmup {
            direct.push(d);
            via_hub.push(h);
        }
    }
    let mut added: Vec<Duration> = via_hub
        .iter()
        .zip(&direct)
        .map(|(h, d)| h.saturating_sub(*d))
        .collect();
    direct.sort();
    via_hub.sort();
    added.sort();
    println!("{n} sequential invocations after {warmup} warm-up, loopback, keep-alive");
    println!("                      p50          p90          p99");
    for (name, v) in [
        ("direct to endpoint", &direct),
        ("through the hub", &via_hub),
    ] {
        println!(
            "{name:<20} {} {} {}",
            us(percentile(v, 0.5)),
            us(percentile(v, 0.9)),
            us(percentile(v, 0.99))
        );
    }
    println!(
        "{:<20} {} {} {}",
        "added (difference)",
        us(percentile(&via_hub, 0.5).saturating_sub(percentile(&direct, 0.5))),
        us(percentile(&via_hub, 0.9).saturating_sub(percentile(&direct, 0.9))),
        us(percentile(&via_hub, 0.99).saturating_sub(percentile(&direct, 0.99)))
    );
    println!(
        "{:<20} {} {} {}",
        "added (paired)",
        us(percentile(&added, 0.5)),
        us(percentile(&added, 0.9)),
        us(percentile(&added, 0.99))
    );
    running.stop().await;
}
