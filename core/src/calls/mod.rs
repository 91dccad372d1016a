//! The operator's view of one call (DESIGN.md section 12): what storage
//! holds about it ([`record`]) and how a call is found from what the
//! operator knows of the caller ([`caller`]).
//!
//! A leaf: storage reads and fills these types; the admin API shows them.

pub mod caller;
pub mod record;

pub use caller::{Caller, CallerError};
pub use record::{CallEvent, CallRecord, CallSummary};
