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
    /// The account the events belong to (set as each envelope's `account`).
    #[arg(long)]
    account: Option<String>,
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
        let body = match &a.account {
            Some(account) => in_account(body, account)
                .with_context(|| format!("{}: cannot set its account", file.display()))?,
            None => body,
        };
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

/// The envelope with `account` set; refuses one that names another account.
fn in_account(body: Vec<u8>, account: &str) -> anyhow::Result<Vec<u8>> {
    let mut envelope: serde_json::Value =
        serde_json::from_slice(&body).context("not a JSON event envelope")?;
    let map = envelope
        .as_object_mut()
        .context("not a JSON event envelope")?;
    match map.get("account") {
        Some(serde_json::Value::String(named)) if named != account => {
            anyhow::bail!("it names account '{named}', not '{account}'")
        }
        _ => {
            map.insert("account".into(), account.into());
        }
    }
    Ok(serde_json::to_vec(&envelope)?)
}
