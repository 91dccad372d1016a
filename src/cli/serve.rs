//! `switchboard serve` and `switchboard migrate`.

use std::process::ExitCode;

use anyhow::Context;
use switchboard_core::{hub::Hub, storage};

use super::{load_config, ConfigArg};
use crate::registry::registry;

pub(super) async fn run(c: &ConfigArg) -> anyhow::Result<ExitCode> {
    let config = load_config(c)?;
    let listen = config.server.listen;
    let hub = Hub::start(&config, &registry()).await?;
    let listener = std::net::TcpListener::bind(listen).with_context(|| {
        format!("cannot listen on {listen}: change [server] listen or stop what uses that port")
    })?;
    tracing::info!(%listen, storage = %redact_url(&config.storage.url), "serving");
    hub.serve(listener, true)?.wait().await?;
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn migrate(c: &ConfigArg) -> anyhow::Result<ExitCode> {
    let config = load_config(c)?;
    storage::open(&config.storage).await?;
    println!(
        "database schema is up to date ({})",
        redact_url(&config.storage.url)
    );
    Ok(ExitCode::SUCCESS)
}

/// Hides a password in a database URL.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
