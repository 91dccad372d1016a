//! What every connector crate tests with, so a vendor test needs well under
//! 30 lines:
//!
//! - [`sparse`]: from each event type's JSON Schema, the sparsest valid event
//!   and variants with each optional field removed or given odd but valid
//!   values; [`sparse::check_connector`] renders a connector's shipped
//!   templates for all of them (a mapping failure is a test failure).
//! - Vendor simulators ([`hubspot`], [`zendesk`], [`twilio`], [`pagerduty`],
//!   [`pipedrive`], [`intercom`], [`freshdesk`], [`housecallpro`],
//!   [`sendgrid`], [`jsm`], [`customerio`], [`slack`]):
//!   loopback servers that check requests the way the vendor does and keep
//!   what the vendor would end up with (contacts, tickets, SMS, incidents),
//!   so tests assert the business outcome.
//! - [`hub`]: a real hub in-process with one connector kind registered.

pub mod customerio;
pub mod freshdesk;
pub mod housecallpro;
pub mod hub;
pub mod hubspot;
pub mod intercom;
pub mod jsm;
pub mod pagerduty;
pub mod pipedrive;
pub mod sendgrid;
pub mod slack;
pub mod sparse;
pub mod twilio;
pub mod zendesk;

pub use hub::VendorHub;
