//! `switchboard send`: post event files to a running hub.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use switchboard_client::HubClient;

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
    let hub = HubClient::new(&a.url).with_ingest_token(&a.token);
    let mut failed = false;
    for file in &a.files {
        let body =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let answer = hub.ingest(body).await.map_err(super::hub_error)?;
        println!(
            "{}  {}  {}",
            file.display(),
            answer.status,
            answer.text.trim()
        );
        failed |= !answer.is_success();
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
