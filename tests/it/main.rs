//! End-to-end tests: real hubs on loopback, real receivers, real SQLite files.

mod support;

mod admin;
mod badinput;
mod calls;
mod cli;
mod client_ts;
mod connectors;
mod contract;
mod dashboard;
mod delivery;
mod deps;
mod endpoints;
mod faults;
mod functions;
mod fuzz;
mod health;
mod http_kind;
mod ingest;
mod loadgen;
mod metrics;
mod openapi;
mod outbound;
mod pacing;
mod recovery;
mod sdk;
mod security;
mod sent_request;
mod signing;
mod storage;
mod templates;
mod test_fire;
mod traces;
