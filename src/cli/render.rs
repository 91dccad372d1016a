//! `switchboard render`: the exact request a connector would send, secrets masked.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{anyhow, Context};
use switchboard_core::{connector::DeliveryRequest, event::Event, hub::build_connectors};

use super::{load_config, ConfigArg};
use crate::registry::registry;

/// `switchboard render --connector NAME --event FILE`
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    config: ConfigArg,
    /// Connector name, as in `[[connectors]] name`.
    #[arg(long)]
    connector: String,
    /// Event envelope file (JSON), e.g. one of fixtures/*.json.
    #[arg(long, value_name = "FILE")]
    event: PathBuf,
}

pub(super) fn run(a: &Args) -> anyhow::Result<ExitCode> {
    let config = load_config(&a.config)?;
    let body =
        std::fs::read(&a.event).with_context(|| format!("cannot read {}", a.event.display()))?;
    let event = Event::parse(&body, chrono::Utc::now().timestamp())
        .map_err(|e| anyhow!("{}: {e}", a.event.display()))?;
    let connectors = build_connectors(&config, &registry())?;
    let Some((_, connector)) = connectors.iter().find(|(n, _)| **n == *a.connector) else {
        let names: Vec<_> = connectors.iter().map(|(n, _)| n.to_string()).collect();
        return Err(anyhow!(
            "no connector named '{}'; configured: {}",
            a.connector,
            names.join(", ")
        ));
    };
    let req = DeliveryRequest {
        delivery_id: "dlv_render",
        event: &event,
        attempt: 1,
    };
    let requests = connector.prepare(&req).map_err(|e| anyhow!("{e}"))?;
    for (i, r) in requests.iter().enumerate() {
        if i > 0 {
            println!("\n---");
        }
        println!("{r}");
    }
    Ok(ExitCode::SUCCESS)
}
