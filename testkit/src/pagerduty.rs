//! The pagerduty simulator (see the crate docs).
