//! `switchboard erase`: one caller's data removed through a running hub's
//! admin API (`POST /v1/erasure`), so queued deliveries are cancelled too.

use std::process::ExitCode;

use serde_json::json;
use switchboard_client::HubClient;

/// `switchboard erase (--phone NUMBER | --email ADDRESS | --call-id ID)`
#[derive(Debug, clap::Args)]
#[command(
    group = clap::ArgGroup::new("who").required(true).multiple(false),
    after_help = "Examples:\n  switchboard erase --phone '+1 (415) 555-0123'\n  switchboard erase --email ana@example.com"
)]
pub struct Args {
    /// The caller's phone number, in any common form.
    #[arg(long, group = "who")]
    phone: Option<String>,
    /// The caller's email address, in any case.
    #[arg(long, group = "who")]
    email: Option<String>,
    /// A call id: every event of that call.
    #[arg(long, group = "who")]
    call_id: Option<String>,
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
    let body = match (&a.phone, &a.email, &a.call_id) {
        (Some(p), _, _) => json!({ "phone": p }),
        (_, Some(e), _) => json!({ "email": e }),
        (_, _, Some(c)) => json!({ "call_id": c }),
        _ => unreachable!("clap requires one"),
    };
    let hub = HubClient::new(&a.url).with_admin_token(&a.token);
    let answer = hub
        .admin_post("/v1/erasure", &body)
        .await
        .and_then(|a| a.success())
        .map_err(super::hub_error)?;
    let n = answer.json();
    println!(
        "erased {} events, {} deliveries, {} function invocations",
        n["events"], n["deliveries"], n["invocations"]
    );
    Ok(ExitCode::SUCCESS)
}
