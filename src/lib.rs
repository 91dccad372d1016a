//! The `switchboard` binary's library half: the connector registry and the
//! CLI subcommands, kept here so end-to-end tests can drive them in-process.

pub mod cli;
pub mod registry;
