//! From an event to what Zendesk gets, without the network: the rendered
//! ticket, made safe after rendering (tags slugged, the requester chosen,
//! the per-delivery `external_id`), checked for what Zendesk requires.

use serde_json::{json, Map, Value};
use switchboard_core::{
    connector::MappingError,
    template::{to_e164, Template},
};

use crate::tags;

/// Zendesk's ticket priorities.
const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];

/// Who the ticket is from, chosen from the rendered `ticket.requester`
/// (`{name, email, phone}`, any part missing or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// `requester: {name, email}` in the ticket: Zendesk finds or creates
    /// the user by email.
    Email {
        /// Display name (the email when none is known).
        name: String,
        /// Email address.
        email: String,
    },
    /// A phone-only caller: `users/create_or_update` first, then the
    /// ticket's `requester_id`.
    Phone {
        /// Display name (the number when none is known).
        name: String,
        /// E.164 number.
        phone: String,
    },
    /// Neither (withheld number, no email): no requester is sent, so the
    /// agent owning the token becomes the requester.
    Agent,
}

/// One delivery's ticket.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `{"ticket": {...}}`, without `requester_id` for a phone caller.
    pub ticket: Value,
    /// Who the ticket is from.
    pub requester: Requester,
    /// `<template's external_id, else the call id>:<delivery id>`: the marker
    /// looked up before creating again.
    pub external_id: String,
}

impl Plan {
    /// The `users/create_or_update` body, for a phone caller.
    pub fn user_body(&self) -> Option<Value> {
        match &self.requester {
            Requester::Phone { name, phone } => {
                Some(json!({"user": {"name": name, "phone": phone}}))
            }
            _ => None,
        }
    }

    /// The ticket body, with `requester_id` when the caller's user is known.
    pub fn ticket_body(&self, requester_id: Option<u64>) -> Value {
        let mut body = self.ticket.clone();
        if let Some(id) = requester_id {
            body["ticket"]["requester_id"] = id.into();
        }
        body
    }
}

/// Renders `t` for `envelope` and makes it a [`Plan`] for `delivery_id`.
pub fn plan(t: &Template, envelope: &Value, delivery_id: &str) -> Result<Plan, MappingError> {
    let mut body = t.render_json(envelope)?;
    let fail = |m: &str| MappingError::from(t.error(m));
    let ticket = body
        .get_mut("ticket")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| fail("output must be {\"ticket\": {...}}"))?;
    check(ticket).map_err(|m| fail(&m))?;
    if let Some(raw) = ticket.remove("tags") {
        ticket.insert("tags".into(), tags::slugs(&raw).into());
    }
    let asked = ticket.remove("requester");
    let requester = requester(asked.as_ref());
    match &requester {
        Requester::Email { name, email } => {
            ticket.insert("requester".into(), json!({"name": name, "email": email}));
        }
        Requester::Agent if asked.is_some() => note_unknown_caller(ticket),
        _ => {}
    }
    let base = text(ticket.get("external_id"))
        .or_else(|| text(envelope.pointer("/data/call_id")))
        .unwrap_or_default();
    let external_id = if base.is_empty() {
        delivery_id.to_owned()
    } else {
        format!("{base}:{delivery_id}")
    };
    ticket.insert("external_id".into(), external_id.clone().into());
    Ok(Plan {
        ticket: body,
        requester,
        external_id,
    })
}

/// The template named a requester but the event has no usable number or
/// email: the agent becomes requester, and the comment says why, so nobody
/// replies to the ticket expecting the caller to read it.
fn note_unknown_caller(ticket: &mut Map<String, Value>) {
    if let Some(Value::String(body)) = ticket.get_mut("comment").and_then(|c| c.get_mut("body")) {
        body.push_str(UNKNOWN_CALLER);
    }
}

/// Appended to the comment of a ticket without a caller to answer.
pub const UNKNOWN_CALLER: &str =
    "\n\n(unknown caller: no number or email to reply to, so the requester is the API agent)";

/// What Zendesk refuses with 422 and only the template can fix: a blank
/// comment, an unknown priority (case is forgiven).
fn check(ticket: &mut Map<String, Value>) -> Result<(), String> {
    let comment = ticket.get("comment").and_then(|c| c.get("body"));
    if text(comment).is_none() {
        return Err(
            "`ticket.comment.body` is required (use {{default x \"...\"}} for optional fields)"
                .into(),
        );
    }
    if let Some(p) = ticket.get("priority") {
        let lower = p.as_str().map(str::to_lowercase);
        match lower.filter(|l| PRIORITIES.contains(&l.as_str())) {
            Some(l) => {
                ticket.insert("priority".into(), l.into());
            }
            None => {
                return Err(format!(
                    "`ticket.priority` is {p}: it must be urgent, high, normal or low"
                ))
            }
        }
    }
    Ok(())
}

/// The requester from the rendered `{name, email, phone}`: the email wins,
/// then a phone that is unambiguously international (a national number is
/// never guessed into a country: the connector has no `default_country`),
/// else the agent.
fn requester(r: Option<&Value>) -> Requester {
    let get = |k: &str| text(r.and_then(|r| r.get(k)));
    let email = get("email").filter(|e| is_email(e));
    let phone = get("phone").and_then(|p| to_e164(&p, None).ok());
    let name = get("name");
    match (email, phone) {
        (Some(email), phone) => Requester::Email {
            name: name.or(phone).unwrap_or_else(|| email.clone()),
            email,
        },
        (None, Some(phone)) => Requester::Phone {
            name: name.unwrap_or_else(|| phone.clone()),
            phone,
        },
        (None, None) => Requester::Agent,
    }
}

/// A trimmed, non-empty string value.
fn text(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn is_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !s.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requester_is_the_email_then_the_phone_then_the_agent() {
        let r = |v: Value| requester(Some(&v));
        assert_eq!(
            r(json!({"name": "", "email": "a@b.co", "phone": "+15551234567"})),
            Requester::Email {
                name: "+15551234567".into(),
                email: "a@b.co".into()
            }
        );
        assert_eq!(
            r(json!({"name": "Sam", "phone": "(512) 555-0142"})),
            Requester::Agent,
            "a national number is never guessed into a country"
        );
        assert_eq!(
            r(json!({"name": "Sam", "email": "not an email", "phone": "+1 (512) 555-0142"})),
            Requester::Phone {
                name: "Sam".into(),
                phone: "+15125550142".into()
            }
        );
        assert_eq!(
            r(json!({"name": "Sam", "phone": "anonymous"})),
            Requester::Agent
        );
        assert_eq!(requester(None), Requester::Agent);
    }
}
