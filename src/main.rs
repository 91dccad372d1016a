//! `switchboard`: the connector hub's command line.

use clap::Parser;
use switchboard::cli::{self, Cli};

// Every delivery allocates request bodies, headers and futures across the
// runtime threads; mimalloc's per-thread heaps keep that off glibc's locks
// (BENCHMARKS.md, cost per event).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
