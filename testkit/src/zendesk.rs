//! The zendesk simulator (see the crate docs).
