//! `loadgen`: starts a hub, loads it with events, measures what arrives at a
//! loopback receiver, and reports the median of several runs (BENCHMARKS.md).
//!
//! A library as well as a binary so the test suite runs the quick scenario
//! in-process ([`run`] returns the reports it prints).

mod cli;
mod clock;
mod hub;
mod load;
mod proc;
mod profile;
mod receiver;
mod retention;
mod scenarios;
mod soak;

pub use cli::{run, Cli, Figure, Report, Scenario};
