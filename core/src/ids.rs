//! Identifiers: `evt_<ULID>` for events, `dlv_<ULID>` for deliveries.
//!
//! ULIDs sort by creation time, so "newest first" lists and cursors are plain
//! string comparisons in both storage back-ends.

use ulid::Ulid;

/// A fresh event id, used when the platform posts an envelope without one.
pub fn event_id() -> String {
    format!("evt_{}", Ulid::new())
}

/// A fresh delivery id; retries of the delivery reuse it.
pub fn delivery_id() -> String {
    format!("dlv_{}", Ulid::new())
}

/// A fresh runtime endpoint id.
pub fn endpoint_id() -> String {
    format!("ep_{}", Ulid::new())
}

/// A fresh erasure record id.
pub fn erasure_id() -> String {
    format!("era_{}", Ulid::new())
}
