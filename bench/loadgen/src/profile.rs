//! Optional CPU profile of the hub during a scenario's measured phase, with
//! `perf record` attached to its process (see BENCHMARKS.md, scenario 6).

use std::{
    path::Path,
    process::{Child, Command, Stdio},
};

use anyhow::Context;

/// A running `perf record`; stopped (SIGINT, so it writes its file) on drop.
pub struct Profiler(Child);

impl Profiler {
    /// Attaches to `pid` when a file is given.
    pub fn attach(out: Option<&Path>, pid: u32) -> anyhow::Result<Option<Profiler>> {
        let Some(out) = out else {
            return Ok(None);
        };
        let child = Command::new("perf")
            .args(["record", "-F", "999", "-g", "-p", &pid.to_string(), "-o"])
            .arg(out)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run `perf record` (install linux-perf)")?;
        Ok(Some(Profiler(child)))
    }
}

impl Drop for Profiler {
    fn drop(&mut self) {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGINT);
        }
        let _ = self.0.wait();
    }
}
