//! Storage back-ends: the `Store` contract on SQLite and PostgreSQL, the
//! delivery path on PostgreSQL, and several hub processes on one database.
//!
//! PostgreSQL is the one at 127.0.0.1:5432 (trust auth, database `test`);
//! each test works in a schema of its own. Without it the PostgreSQL tests
//! print a notice and pass locally, and fail under `CI=true`.

mod contract;
mod delivery;
mod endpoints;
mod invocations;
mod multinode;
mod sealing;
pub(crate) mod support;
