//! `switchboard send`: post event files to a running hub.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;

/// `switchboard send FILE...`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Event envelope files (JSON).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The hub's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8787", env = "SWITCHBOARD_URL")]
    url: String,
    /// Ingest token.
    #[arg(
        long,
        env = "SWITCHBOARD_INGEST_TOKEN",
        default_value = "dev-ingest-token",
        hide_default_value = true
    )]
    token: String,
}

pub(super) async fn run(a: &Args) -> anyhow::Result<ExitCode> {
    let client = reqwest::Client::new();
    let endpoint = format!("{}/v1/events", a.url.trim_end_matches('/'));
    let mut failed = false;
    for file in &a.files {
        let body =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let resp = client
            .post(&endpoint)
            .bearer_auth(&a.token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .with_context(|| format!("cannot reach {endpoint}: is `switchboard serve` running?"))?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        println!("{}  {}  {}", file.display(), status.as_u16(), text.trim());
        failed |= !status.is_success();
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
