//! The twilio simulator (see the crate docs).
