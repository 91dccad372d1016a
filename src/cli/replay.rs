//! `switchboard replay`: bulk recovery through a running hub's admin API.

use std::{process::ExitCode, time::Duration};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

/// `switchboard replay --since TIME [--until TIME] [--connector NAME] [--status STATUS]`
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  switchboard replay --since 2026-05-08T00:00:00Z --status failed --connector crm"
)]
pub struct Args {
    /// Replay deliveries created at or after this time (RFC 3339).
    #[arg(long)]
    since: String,
    /// ...and before this time (RFC 3339).
    #[arg(long)]
    until: Option<String>,
    /// Only this connector.
    #[arg(long)]
    connector: Option<String>,
    /// Only deliveries in this state (pending, retrying, succeeded, failed, disabled).
    #[arg(long)]
    status: Option<String>,
    /// Don't wait for the replayed deliveries to finish.
    #[arg(long)]
    no_wait: bool,
    /// The hub's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8787", env = "SWITCHBOARD_URL")]
    url: String,
    /// Admin token.
    #[arg(
        long,
        env = "SWITCHBOARD_ADMIN_TOKEN",
        default_value = "dev-admin-token",
        hide_default_value = true
    )]
    token: String,
}

pub(super) async fn run(a: &Args) -> anyhow::Result<ExitCode> {
    let client = reqwest::Client::new();
    let base = a.url.trim_end_matches('/');
    let body =
        json!({"since": a.since, "until": a.until, "connector": a.connector, "status": a.status});
    let resp = client
        .post(format!("{base}/v1/replay"))
        .bearer_auth(&a.token)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("cannot reach {base}: is `switchboard serve` running?"))?;
    let status = resp.status();
    let answer: Value = resp.json().await.unwrap_or_default();
    if !status.is_success() {
        bail!(
            "hub answered {status}: {}",
            answer["error"]["message"]
                .as_str()
                .unwrap_or("(no message)")
        );
    }
    let total = answer["replayed"].as_u64().unwrap_or(0);
    println!("{total} deliveries queued for replay");
    if a.no_wait || total == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} settled  {elapsed_precise}  {msg}")
            .expect("valid template"),
    );
    loop {
        let active = active_count(&client, base, a).await?;
        bar.set_position(total.saturating_sub(active));
        if active == 0 {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(250)).await;
    }
    bar.finish_with_message("done");
    Ok(ExitCode::SUCCESS)
}

/// Deliveries in the replayed window still pending or retrying.
async fn active_count(client: &reqwest::Client, base: &str, a: &Args) -> anyhow::Result<u64> {
    let mut n = 0;
    for status in ["pending", "retrying"] {
        let mut cursor: Option<String> = None;
        loop {
            let mut q = vec![
                ("status", status.to_owned()),
                ("since", a.since.clone()),
                ("limit", "500".into()),
            ];
            q.extend(a.until.clone().map(|u| ("until", u)));
            q.extend(a.connector.clone().map(|c| ("connector", c)));
            q.extend(cursor.clone().map(|c| ("cursor", c)));
            let page: Value = client
                .get(format!("{base}/v1/deliveries"))
                .bearer_auth(&a.token)
                .query(&q)
                .send()
                .await?
                .json()
                .await?;
            n += page["data"].as_array().map_or(0, |d| d.len() as u64);
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
    }
    Ok(n)
}
