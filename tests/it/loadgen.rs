//! The benchmark tool's quick mode, so it never rots: a real hub process, a
//! real loopback receiver, every event acknowledged and delivered exactly once.
//! No timing is asserted; benchmarks are not tests.

use std::process::Command;

#[test]
fn quick_mode_acknowledges_and_delivers_every_event() {
    let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args([
            "--quick",
            "--no-progress",
            "--hub-bin",
            env!("CARGO_BIN_EXE_switchboard"),
        ])
        .output()
        .expect("loadgen runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "loadgen --quick failed:\n{stdout}\n{stderr}"
    );
    let figure = |name: &str| -> f64 {
        stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no '{name}' in:\n{stdout}"))
    };
    assert_eq!(figure("events acknowledged"), 1400.0);
    assert_eq!(figure("deliveries arrived"), 4200.0);
}
