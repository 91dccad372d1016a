//! The hubspot simulator (see the crate docs).
