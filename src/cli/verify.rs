//! `switchboard verify`: what a receiver does with a signed request.

use std::{io::Read, path::PathBuf, process::ExitCode};

use anyhow::{bail, Context};
use switchboard_core::signing::{verify, SigningKey};

/// Verify a received webhook, or generate a new secret.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  switchboard verify --secret \"$SECRET\" --body body.json \\\n    --webhook-id evt_01... --webhook-timestamp 1715200000 --webhook-signature 'v1,...'"
)]
pub struct Args {
    /// Print a new random `whsec_` secret and exit.
    #[arg(long, conflicts_with_all = ["secret", "body"])]
    new_secret: bool,
    /// The endpoint's secret (`whsec_...`).
    #[arg(
        long,
        env = "WEBHOOK_SECRET",
        hide_env_values = true,
        required_unless_present = "new_secret"
    )]
    secret: Option<String>,
    /// File holding the raw request body (`-` for stdin).
    #[arg(long, value_name = "FILE", required_unless_present = "new_secret")]
    body: Option<PathBuf>,
    /// Value of the `X-OnCallClerk-Signature` header.
    #[arg(long)]
    signature: Option<String>,
    /// Value of the `webhook-id` header.
    #[arg(long, requires_all = ["webhook_timestamp", "webhook_signature"])]
    webhook_id: Option<String>,
    /// Value of the `webhook-timestamp` header.
    #[arg(long)]
    webhook_timestamp: Option<i64>,
    /// Value of the `webhook-signature` header.
    #[arg(long)]
    webhook_signature: Option<String>,
    /// Reject Standard Webhooks timestamps further than this from now (seconds; 0 = no check).
    #[arg(long, default_value_t = 300)]
    tolerance: i64,
}

pub(super) fn run(a: &Args) -> anyhow::Result<ExitCode> {
    if a.new_secret {
        println!("{}", SigningKey::generate());
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(secret), Some(body_path)) = (&a.secret, &a.body) else {
        bail!("--secret and --body are required")
    };
    let body = read_body(body_path)?;
    if a.signature.is_none() && a.webhook_id.is_none() {
        bail!("give --signature, or --webhook-id with --webhook-timestamp and --webhook-signature");
    }
    let standard = match (&a.webhook_id, a.webhook_timestamp, &a.webhook_signature) {
        (Some(id), Some(ts), Some(sig)) => {
            let skew = (chrono::Utc::now().timestamp() - ts).abs();
            if a.tolerance > 0 && skew > a.tolerance {
                println!("FAIL webhook-timestamp is {skew}s away from now (tolerance {}s): possible replay", a.tolerance);
                return Ok(ExitCode::FAILURE);
            }
            Some((id.as_str(), ts, sig.as_str()))
        }
        _ => None,
    };
    let ok = verify(secret, &body, a.signature.as_deref(), standard)?;
    let wanted = usize::from(a.signature.is_some()) + usize::from(standard.is_some());
    for scheme in &ok {
        println!("ok   {scheme}");
    }
    if ok.len() < wanted {
        println!(
            "FAIL {} of {wanted} signature(s) do not match this secret and body",
            wanted - ok.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn read_body(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        return Ok(buf);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}
