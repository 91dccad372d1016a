//! The `loadgen` command (BENCHMARKS.md).

use std::process::ExitCode;

use clap::Parser;

#[tokio::main(worker_threads = 2)]
async fn main() -> ExitCode {
    match loadgen::run(loadgen::Cli::parse()).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}
