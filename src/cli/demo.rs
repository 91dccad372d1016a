//! `switchboard demo`: a hub on a temporary SQLite file, a built-in receiver
//! that verifies both signatures, and the six sample events; then two
//! accounts (two businesses) posting a lead with the same id, each received
//! only by its own `crm` connector.

use std::{
    net::TcpListener,
    process::ExitCode,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use switchboard_core::account::Scope;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::Context;
use switchboard_client::HubClient;
use switchboard_core::{
    config::Config,
    event::fixtures,
    hub::Hub,
    signing::{verify, SigningKey},
    storage::{DeliveryFilter, PageRequest},
};

use crate::registry::registry;

/// Options of `switchboard demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the hub running after the demo, to explore the admin API.
    #[arg(long)]
    keep_running: bool,
    /// Port of the demo hub (0 = any free port).
    #[arg(long, default_value_t = 8787)]
    port: u16,
}

/// Businesses of the accounts part of the demo, each with a `crm` connector.
const ACCOUNTS: [&str; 2] = ["acme-plumbing", "bright-dental"];

#[derive(Default)]
struct Received {
    verified: Vec<(String, bool)>,
    /// Per request to `/hook/{account}`: that account, and the envelope's.
    by_account: Vec<(String, String)>,
}

pub(super) async fn run(a: &Args) -> anyhow::Result<ExitCode> {
    let dir = tempfile::tempdir()?;
    let secret = SigningKey::generate();
    let received = Arc::new(Mutex::new(Received::default()));
    let receiver = start_receiver(secret.clone(), received.clone())?;
    let listener = TcpListener::bind(("127.0.0.1", a.port))
        .with_context(|| format!("port {} is busy: try `switchboard demo --port 0`", a.port))?;
    let hub_url = format!("http://{}", listener.local_addr()?);
    let config = Config::from_toml(&demo_config(&dir, &receiver, &secret), "demo configuration")?;
    let hub = Hub::start(&config, &registry()).await?;
    let store = hub.store();
    let running = hub.serve(listener, true)?;
    println!(
        "hub on {hub_url}, receiver on {receiver}, database {}",
        dir.path().join("demo.db").display()
    );

    let client = HubClient::new(&hub_url).with_ingest_token("demo-ingest-token");
    for (kind, src) in fixtures() {
        let answer = client.ingest(src).await.map_err(super::hub_error)?;
        println!(
            "POST /v1/events {kind:<20} -> {} {}",
            answer.status, answer.text
        );
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.lock().expect("lock").verified.len() < 6 && Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    let page = store
        .deliveries(
            &Scope::default(),
            &DeliveryFilter::default(),
            &PageRequest {
                cursor: None,
                limit: 50,
            },
        )
        .await?;
    println!(
        "\n{:<32} {:<20} {:<10} {:>8}",
        "delivery", "event", "status", "attempts"
    );
    for d in page.data.iter().rev() {
        println!(
            "{:<32} {:<20} {:<10} {:>8}",
            d.id, d.event_type, d.status, d.attempt_count
        );
    }
    let got = received.lock().expect("lock").verified.clone();
    let good = got.iter().filter(|(_, ok)| *ok).count();
    println!(
        "\nreceiver: {} request(s), {good} with both signatures valid",
        got.len()
    );
    let apart = accounts_part(&client, &received).await?;
    if a.keep_running {
        println!("dashboard: {hub_url}/ (admin token: demo-admin-token)");
        println!("admin API: curl -H 'Authorization: Bearer demo-admin-token' {hub_url}/v1/deliveries  (Ctrl-C to stop)");
        running.wait().await?;
    } else {
        running.stop().await;
    }
    Ok(if good == 6 && apart {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Posts a lead with one id for each account; true when each account's
/// `crm` received exactly its own.
async fn accounts_part(client: &HubClient, received: &Mutex<Received>) -> anyhow::Result<bool> {
    let (_, lead) = fixtures()
        .into_iter()
        .find(|(k, _)| k.as_str() == "lead.captured")
        .context("a lead fixture")?;
    let mut lead: serde_json::Value = serde_json::from_str(lead)?;
    println!("\ntwo accounts, one lead id ({}):", lead["id"]);
    for account in ACCOUNTS {
        lead["account"] = account.into();
        let answer = client.ingest_json(&lead).await.map_err(super::hub_error)?;
        println!(
            "POST /v1/events account={account:<14} -> {} {}",
            answer.status, answer.text
        );
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.lock().expect("lock").by_account.len() < ACCOUNTS.len()
        && Instant::now() < deadline
    {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    let got = received.lock().expect("lock").by_account.clone();
    for account in ACCOUNTS {
        let own: Vec<_> = got.iter().filter(|(to, _)| to == account).collect();
        let theirs = own.iter().filter(|(_, of)| of != account).count();
        println!(
            "  {account}'s crm received {} event(s), {theirs} of another account",
            own.len()
        );
    }
    Ok(got.len() == ACCOUNTS.len() && got.iter().all(|(to, of)| to == of))
}

fn demo_config(dir: &tempfile::TempDir, receiver: &str, secret: &str) -> String {
    let accounts: String = ACCOUNTS
        .iter()
        .map(|account| {
            format!(
                r#"
[[connectors]]
name = "crm"
account = "{account}"
kind = "webhook"
events = ["lead.captured"]
url = "{receiver}/hook/{account}"
secret = "{secret}"
"#
            )
        })
        .collect();
    format!(
        r#"
[server]
ingest_token = "demo-ingest-token"
admin_token = "demo-admin-token"

[storage]
url = "sqlite://{}"

[delivery]
first_retry = "1s"
allow_private_targets = true

[[connectors]]
name = "demo-receiver"
kind = "webhook"
url = "{receiver}/hook"
secret = "{secret}"
{accounts}"#,
        dir.path().join("demo.db").display()
    )
}

fn start_receiver(secret: String, received: Arc<Mutex<Received>>) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = HttpServer::new(move || {
        let (secret, received) = (secret.clone(), received.clone());
        let by_account = received.clone();
        App::new()
            .route(
                "/hook/{account}",
                web::post().to(move |path: web::Path<String>, body: web::Bytes| {
                    let envelope: serde_json::Value =
                        serde_json::from_slice(&body).unwrap_or_default();
                    let of = envelope["account"].as_str().unwrap_or("default").to_owned();
                    by_account
                        .lock()
                        .expect("lock")
                        .by_account
                        .push((path.into_inner(), of));
                    async { HttpResponse::Ok().finish() }
                }),
            )
            .route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let ok = check(&secret, &req, &body);
                    let event = header(&req, "x-oncallclerk-event")
                        .unwrap_or_default()
                        .to_owned();
                    received.lock().expect("lock").verified.push((event, ok));
                    async move {
                        if ok {
                            HttpResponse::Ok().finish()
                        } else {
                            HttpResponse::Unauthorized().finish()
                        }
                    }
                }),
            )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    actix_rt::spawn(server);
    Ok(url)
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn check(secret: &str, req: &HttpRequest, body: &[u8]) -> bool {
    let ts = header(req, "webhook-timestamp").and_then(|t| t.parse().ok());
    let standard = match (
        header(req, "webhook-id"),
        ts,
        header(req, "webhook-signature"),
    ) {
        (Some(id), Some(ts), Some(sig)) => Some((id, ts, sig)),
        _ => None,
    };
    matches!(verify(secret, body, header(req, "x-oncallclerk-signature"), standard), Ok(ok) if ok.len() == 2)
}
