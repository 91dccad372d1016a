//! End-to-end tests: real hubs on loopback, real receivers, real SQLite files.

mod support;

mod admin;
mod cli;
mod connectors;
mod delivery;
mod endpoints;
mod functions;
mod health;
mod http_kind;
mod ingest;
mod loadgen;
mod outbound;
mod recovery;
mod signing;
mod storage;
mod templates;
