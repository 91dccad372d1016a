//! From a rendered template to the ticket Freshdesk gets, without the
//! network: the requester chosen (email, else phone and name, else the
//! shared unknown-caller contact), `source` phone, priority checked, the
//! description escaped to HTML with this event's marker.
//!
//! Template output: `{"requester": {"name", "email", "phone"}, "ticket":
//! {"subject", "description" (plain text), "priority" (1-4), "tags", ..},
//! "note": "plain text for a private note"}`.

use serde_json::{json, Map, Value};
use switchboard_core::{
    connector::{
        caller::{self, Caller, UNKNOWN_CALLER},
        marker, MappingError,
    },
    template::Template,
};

/// Freshdesk's `source` for a phone ticket.
pub const SOURCE_PHONE: u64 = 3;
/// Freshdesk's `status` Open.
const STATUS_OPEN: u64 = 2;
/// The contact every ticket without a number or email is from.
pub const UNKNOWN_CALLER_ID: &str = "switchboard-unknown-caller";

/// Who the ticket is from, and how a retry finds the caller's tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// `email` (Freshdesk finds or creates the contact).
    Email(String),
    /// `phone` with `name` (Freshdesk needs a name to create the contact).
    Phone(String),
    /// No number, no email: the shared `unique_external_id` contact.
    Unknown,
}

/// One delivery's ticket and note.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The ticket body to create.
    pub ticket: Value,
    /// Who it is from.
    pub requester: Requester,
    /// The private note's HTML, if the template renders one.
    pub note: Option<String>,
}

/// Renders nothing itself: reads `out` (from `t`) for `event_id`.
pub fn read(t: &Template, out: &Value, event_id: &str) -> Result<Plan, MappingError> {
    let fail = |m: String| MappingError::from(t.error(m));
    let who = Caller::read(out.get("requester").unwrap_or(&json!({})), None)
        .map_err(|m| fail(format!("`requester`: {m}")))?;
    let mut ticket = out
        .get("ticket")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| fail("output must have a `ticket` object".into()))?;
    let description = caller::text(&Value::Object(ticket.clone()), "description")
        .map_err(|m| fail(format!("`ticket`: {m}")))?
        .unwrap_or_else(|| "(no details)".into());
    ticket.insert(
        "description".into(),
        marker::html_with_marker(&description, event_id).into(),
    );
    check(&mut ticket).map_err(fail)?;
    let name = who.display_name();
    let requester = match (&who.email, &who.phone) {
        (Some(e), _) => Requester::Email(e.clone()),
        (None, Some(p)) => Requester::Phone(p.best().to_owned()),
        (None, None) => Requester::Unknown,
    };
    match &requester {
        Requester::Email(e) => ticket.insert("email".into(), e.clone().into()),
        Requester::Phone(p) => ticket.insert("phone".into(), p.clone().into()),
        Requester::Unknown => ticket.insert("unique_external_id".into(), UNKNOWN_CALLER_ID.into()),
    };
    let shown = if requester == Requester::Unknown {
        UNKNOWN_CALLER.to_owned()
    } else {
        name
    };
    ticket.insert("name".into(), shown.into());
    let note = caller::text(out, "note")
        .map_err(fail)?
        .map(|n| marker::html_with_marker(&n, event_id));
    Ok(Plan {
        ticket: Value::Object(ticket),
        requester,
        note,
    })
}

/// What Freshdesk refuses with 400 and only the template can fix; the
/// fields the connector owns set.
fn check(ticket: &mut Map<String, Value>) -> Result<(), String> {
    for owned in [
        "email",
        "phone",
        "requester_id",
        "unique_external_id",
        "name",
        "source",
    ] {
        if ticket.contains_key(owned) {
            return Err(format!(
                "`ticket.{owned}` is set by the connector: render `requester` instead"
            ));
        }
    }
    let subject = caller::text(&Value::Object(ticket.clone()), "subject")?;
    ticket.insert(
        "subject".into(),
        subject.unwrap_or_else(|| "Phone call".into()).into(),
    );
    match ticket.get("priority") {
        None => {
            ticket.insert("priority".into(), 2.into());
        }
        Some(p) if p.as_u64().is_some_and(|p| (1..=4).contains(&p)) => {}
        Some(p) => {
            return Err(format!(
                "`ticket.priority` is {p}: it must be 1 (low) to 4 (urgent)"
            ))
        }
    }
    if let Some(tags) = ticket.get("tags") {
        let ok = tags
            .as_array()
            .is_some_and(|l| l.iter().all(Value::is_string));
        if !ok {
            return Err("`ticket.tags` must be a list of strings".into());
        }
    }
    ticket.insert("source".into(), SOURCE_PHONE.into());
    ticket.entry("status").or_insert(STATUS_OPEN.into());
    Ok(())
}
