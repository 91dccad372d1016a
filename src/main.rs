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
    let traces = match cli::init_logging(&cli) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = actix_rt::System::new().block_on(cli::run(cli));
    if let Some(traces) = traces {
        traces.shutdown();
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
