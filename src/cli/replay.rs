//! `switchboard replay`: bulk recovery through a running hub's admin API.

use std::{process::ExitCode, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};
use switchboard_client::{HubClient, ReplayWindow};

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
    /// The account whose deliveries are replayed.
    #[arg(long, default_value = "default")]
    account: String,
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
    let hub = HubClient::new(&a.url)
        .with_admin_token(&a.token)
        .with_account(&a.account);
    let window = ReplayWindow {
        since: a.since.clone(),
        until: a.until.clone(),
        connector: a.connector.clone(),
        status: a.status.clone(),
    };
    let total = hub.replay(&window).await.map_err(super::hub_error)?;
    println!("{total} deliveries queued for replay");
    if a.no_wait || total == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} settled  {elapsed_precise}  {msg}")
            .expect("valid template"),
    );
    loop {
        let active = active_count(&hub, &window).await?;
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
async fn active_count(hub: &HubClient, w: &ReplayWindow) -> anyhow::Result<u64> {
    let mut n = 0;
    for status in ["pending", "retrying"] {
        let mut q = vec![("status", status), ("since", w.since.as_str())];
        q.extend(w.until.as_deref().map(|u| ("until", u)));
        q.extend(w.connector.as_deref().map(|c| ("connector", c)));
        n += hub.count_deliveries(&q).await.map_err(super::hub_error)?;
    }
    Ok(n)
}
