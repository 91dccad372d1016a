//! `switchboard`: the connector hub's command line.

use clap::Parser;
use switchboard::cli::{self, Cli};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli::init_logging(&cli);
    let result = actix_rt::System::new().block_on(cli::run(cli));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
