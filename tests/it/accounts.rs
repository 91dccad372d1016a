//! Accounts (DESIGN.md section 15): one hub for many businesses, each
//! walled off from the others, on SQLite and on PostgreSQL.

mod deletion;
mod isolation;
mod tokens;
