//! The data lifecycle (DESIGN.md section 14): retention prunes what is past
//! its age in the background, erasure removes one caller's data on request,
//! and redaction keeps chosen payload fields out of logs and excerpts.
//!
//! [`Identifier`] and [`Redactor`] are pure and sit below storage (which
//! asks the identifier what matches); [`retention`] and [`erasure`] drive
//! the store from above.

mod cancelled;
pub mod erasure;
mod identifier;
mod redact;
pub mod retention;

pub use cancelled::Cancelled;
pub use identifier::{Identifier, IdentifierError};
pub use redact::Redactor;
