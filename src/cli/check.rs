//! `switchboard check`: the configuration loads, every connector builds, and
//! every connector's mapping renders for each sample event it subscribes to.

use std::process::ExitCode;

use switchboard_core::{
    actors::Subscription,
    connector::DeliveryRequest,
    event::{fixtures, Event},
    hub::build_connectors,
};

use super::{load_config, ConfigArg};
use crate::registry::registry;

pub(super) fn run(c: &ConfigArg) -> anyhow::Result<ExitCode> {
    let config = load_config(c)?;
    let connectors = build_connectors(&config, &registry())?;
    let mut problems = 0;
    for ((name, connector), cfg) in connectors.iter().zip(&config.connectors) {
        let sub = Subscription::from_config(cfg, &**connector)?;
        for warning in connector.check_warnings(cfg) {
            println!("warn  {name:<20} {warning}");
        }
        // Which condition skipped an event: the operator's, or the kind's default.
        let by = match (&cfg.filter, &cfg.events) {
            (None, None) => "the kind's default filter (set `filter` or `events` to change it)",
            _ => "`filter`",
        };
        for (kind, src) in fixtures() {
            if !sub.wants(kind) {
                continue;
            }
            let event = Event::parse(src.as_bytes(), 0)?;
            let envelope: serde_json::Value = serde_json::from_str(&event.body)?;
            if !sub.accepts(kind, || &envelope) {
                println!("skip  {name:<20} {kind:<20} filtered out by {by}");
                continue;
            }
            let req = DeliveryRequest {
                delivery_id: "dlv_check",
                event: &event,
                attempt: 1,
            };
            match connector.prepare(&req) {
                Ok(requests) => {
                    println!("ok    {name:<20} {kind:<20} {} request(s)", requests.len())
                }
                Err(e) => {
                    problems += 1;
                    println!("FAIL  {name:<20} {kind:<20} {e}");
                }
            }
        }
    }
    if problems > 0 {
        eprintln!("{problems} mapping(s) failed: fix them before starting the hub");
        return Ok(ExitCode::FAILURE);
    }
    println!("configuration ok: {} connector(s)", connectors.len());
    Ok(ExitCode::SUCCESS)
}
