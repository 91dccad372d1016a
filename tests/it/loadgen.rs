//! The benchmark tool's quick mode, so it never rots: a real hub process, a
//! real loopback receiver, every event acknowledged and delivered exactly once.
//! No timing is asserted; benchmarks are not tests.

use clap::Parser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_mode_acknowledges_and_delivers_every_event() {
    let cli = loadgen::Cli::try_parse_from([
        "loadgen",
        "--quick",
        "--no-progress",
        "--hub-bin",
        env!("CARGO_BIN_EXE_switchboard"),
    ])
    .expect("loadgen's own arguments parse");
    let reports = loadgen::run(cli).await.expect("loadgen --quick succeeds");
    let [quick] = reports.as_slice() else {
        panic!("one report for the quick scenario: {reports:?}");
    };
    assert_eq!(
        quick.median("events acknowledged"),
        Some(1400.0),
        "{quick:?}"
    );
    assert_eq!(
        quick.median("deliveries arrived"),
        Some(4200.0),
        "{quick:?}"
    );
}
