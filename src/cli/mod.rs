//! Subcommands. Each lives in its own module; this one parses and dispatches.

mod backup;
mod check;
mod demo;
mod erase;
mod render;
mod replay;
mod send;
mod serve;
mod verify;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand, ValueEnum};
use switchboard_core::traces::TracesGuard;
use tracing_subscriber::{
    fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer, Registry,
};

/// Switchboard: takes in call events from the AI receptionist, stores them
/// durably, and delivers each to your webhooks and business tools, signed and
/// retried for 24 hours.
#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    propagate_version = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "SWITCHBOARD_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// `--config`, shared by every subcommand that reads the configuration.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArg {
    /// Configuration file [default: ./switchboard.toml if present, else the embedded default]
    #[arg(long, short, value_name = "PATH", env = "SWITCHBOARD_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub: ingest API, admin API and delivery, until SIGTERM or Ctrl-C.
    Serve(ConfigArg),
    /// Validate the configuration and render every connector's mapping for the sample events.
    Check(ConfigArg),
    /// Print the exact HTTP request a connector would send for an event file.
    Render(render::Args),
    /// Post event files to a running hub's ingest API.
    Send(send::Args),
    /// Replay deliveries of a time window on a running hub (bulk recovery), with progress.
    Replay(replay::Args),
    /// Check a webhook request's signatures with a secret, as a receiver would (or make a new secret).
    Verify(verify::Args),
    /// See it work: a hub, a local receiver, and the six sample events, in seconds.
    Demo(demo::Args),
    /// Create or upgrade the database schema, then exit.
    Migrate(ConfigArg),
    /// Erase every stored event of one caller (by phone, email or call id) on a running hub.
    Erase(erase::Args),
    /// Write a consistent copy of the SQLite database, while the hub serves.
    Backup(backup::Args),
}

/// Sets up `tracing`: logs on stderr (RUST_LOG filters; default `info`)
/// and, for `serve` with `[telemetry] otlp_endpoint`, the span exporter
/// (its own filter: the log level does not decide what is traced). The
/// guard exports the last spans when shut down.
pub fn init_logging(cli: &Cli) -> anyhow::Result<Option<TracesGuard>> {
    let (traces, guard) = match served_config(cli) {
        Some(config) => {
            let node = config.node.resolved_id();
            match switchboard_core::traces::layer::<Registry>(&config.telemetry, &node)? {
                Some((layer, guard)) => (Some(layer), Some(guard)),
                None => (None, None),
            }
        }
        None => (None, None),
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let logs = match cli.log_format {
        LogFormat::Text => fmt::layer().with_writer(std::io::stderr).boxed(),
        LogFormat::Json => fmt::layer().json().with_writer(std::io::stderr).boxed(),
    };
    tracing_subscriber::registry()
        .with(traces)
        .with(logs.with_filter(filter))
        .init();
    Ok(guard)
}

/// The configuration `serve` will run with, read early for `[telemetry]`;
/// `None` for other commands, or when it does not load (`serve` then
/// reports why).
fn served_config(cli: &Cli) -> Option<switchboard_core::config::Config> {
    match &cli.command {
        Command::Serve(c) => switchboard_core::config::Config::load(c.config.as_deref())
            .ok()
            .map(|(config, _)| config),
        _ => None,
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(c) => serve::run(&c).await,
        Command::Check(c) => check::run(&c),
        Command::Render(a) => render::run(&a),
        Command::Send(a) => send::run(&a).await,
        Command::Replay(a) => replay::run(&a).await,
        Command::Verify(a) => verify::run(&a),
        Command::Demo(a) => demo::run(&a).await,
        Command::Migrate(c) => serve::migrate(&c).await,
        Command::Erase(a) => erase::run(&a).await,
        Command::Backup(a) => backup::run(&a).await,
    }
}

/// A hub that does not answer is most often one that is not running.
fn hub_error(e: switchboard_client::ClientError) -> anyhow::Error {
    let unreachable = matches!(e, switchboard_client::ClientError::Unreachable { .. });
    let e = anyhow::Error::new(e);
    if unreachable {
        e.context("the hub did not answer (is `switchboard serve` running?)")
    } else {
        e
    }
}

fn load_config(c: &ConfigArg) -> anyhow::Result<switchboard_core::config::Config> {
    let (config, source) = switchboard_core::config::Config::load(c.config.as_deref())?;
    tracing::debug!(%source, "configuration loaded");
    Ok(config)
}
