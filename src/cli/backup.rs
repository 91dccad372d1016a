//! `switchboard backup`: a consistent copy of the SQLite database, taken
//! while the hub serves.

use std::{path::PathBuf, process::ExitCode};

use anyhow::bail;
use switchboard_core::storage::{self, Backend};

use super::{load_config, ConfigArg};

/// `switchboard backup --to FILE`
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  switchboard backup --to /backups/switchboard-$(date +%F).db")]
pub struct Args {
    #[command(flatten)]
    config: ConfigArg,
    /// Where to write the copy (must not exist yet).
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

pub(super) async fn run(a: &Args) -> anyhow::Result<ExitCode> {
    let config = load_config(&a.config)?;
    let url = &config.storage.url;
    if Backend::of(url).map_err(anyhow::Error::msg)? == Backend::Postgres {
        bail!("[storage] url is PostgreSQL: back it up with pg_dump (or pg_basebackup); see docs/operator.md");
    }
    storage::sqlite::backup(url, &a.to).await?;
    println!("backup written to {}", a.to.display());
    Ok(ExitCode::SUCCESS)
}
