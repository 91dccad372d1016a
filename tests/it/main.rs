//! End-to-end tests: real hubs on loopback, real receivers, real SQLite files.

mod support;

mod admin;
mod cli;
mod connectors;
mod dashboard;
mod delivery;
mod endpoints;
mod functions;
mod health;
mod http_kind;
mod ingest;
mod loadgen;
mod metrics;
mod openapi;
mod outbound;
mod recovery;
mod signing;
mod storage;
mod templates;
mod test_fire;
