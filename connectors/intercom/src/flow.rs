//! One delivery attempt: find the caller's contact (one search: email OR
//! number), add the key it lacks, or create it (a 409 names the contact
//! another writer made: it is adopted); then the note. Intercom has no
//! idempotency key for notes, so an attempt after the first first looks
//! for the note carrying this event's marker.

use http::StatusCode;
use serde_json::{Map, Value};
use switchboard_core::{
    connector::{caller::Caller, marker, vendor, MappingError, Outcome, Verdict},
    outbound::{OutboundClient, OutboundRequest, Response},
};

use crate::{
    api::{self, Contact},
    classify, Intercom,
};

/// A step's result; `Err` ends the attempt with that outcome.
type Step<T> = Result<T, Outcome>;

/// One attempt of one delivery.
pub struct Attempt<'a> {
    /// The connector.
    pub ic: &'a Intercom,
    /// The outbound client.
    pub http: &'a OutboundClient,
    /// The event's id (the note's marker).
    pub event_id: &'a str,
    /// 1-based attempt number (later attempts look for an earlier note).
    pub number: u32,
}

impl Attempt<'_> {
    /// Runs the plan; the outcome of the last request sent.
    pub async fn run(&self, caller: &Caller, note: Option<&str>) -> Outcome {
        self.steps(caller, note).await.unwrap_or_else(|o| o)
    }

    async fn steps(&self, caller: &Caller, note: Option<&str>) -> Step<Outcome> {
        let (id, last) = self.find_or_create(caller).await?;
        let Some(text) = note else {
            return Ok(last);
        };
        if self.number > 1 {
            let (outcome, resp) = self.send(self.ic.api.list_notes(&id)).await?;
            let mark = marker::marker(self.event_id);
            if api::note_bodies(&resp).iter().any(|b| b.contains(&mark)) {
                return Ok(outcome);
            }
        }
        let body = marker::html_with_marker(text, self.event_id);
        Ok(self.send(self.ic.api.create_note(&id, &body)).await?.0)
    }

    /// Sends; a success is `Ok` with its answer.
    async fn send(&self, r: Result<OutboundRequest, MappingError>) -> Step<(Outcome, Response)> {
        vendor::send_step(self.http, r, classify::judge).await
    }

    async fn find_or_create(&self, c: &Caller) -> Step<(String, Outcome)> {
        if c.has_key() {
            let (outcome, resp) = self.send(self.ic.api.search(c)).await?;
            if let Some(found) = choose(&api::contacts(&resp), c) {
                let outcome = self.complete(&found, c).await?.unwrap_or(outcome);
                return Ok((found.id, outcome));
            }
        }
        // A 409 is an answer here, not a failure: the contact exists.
        let judge = |resp: &Response| match resp.status {
            StatusCode::CONFLICT => Outcome::from_response(Verdict::Delivered, resp),
            _ => classify::judge(resp),
        };
        let (outcome, resp) = vendor::send_step(self.http, self.ic.api.create(c), judge).await?;
        if resp.status == StatusCode::CONFLICT {
            // Another writer, or a search that trailed a write. Without
            // the id the next attempt searches again.
            return match api::existing_id(&resp) {
                Some(id) => Ok((id, outcome)),
                None => Err(
                    Outcome::from_response(Verdict::Retry { after: None }, &resp)
                        .with_error(classify::message(&resp)),
                ),
            };
        }
        match api::created(&resp) {
            Some(contact) => Ok((contact.id, outcome)),
            None => Err(
                Outcome::from_response(Verdict::Retry { after: None }, &resp)
                    .with_error("Intercom's contact answer has no `id`"),
            ),
        }
    }

    /// Writes the email or number the found contact lacks (never
    /// overwrites one staff or the caller set).
    async fn complete(&self, found: &Contact, c: &Caller) -> Step<Option<Outcome>> {
        let mut fields = Map::new();
        if let (None, Some(e)) = (&found.email, &c.email) {
            fields.insert("email".into(), e.clone().into());
        }
        if let (None, Some(p)) = (&found.phone, &c.phone) {
            fields.insert("phone".into(), p.best().into());
        }
        if fields.is_empty() {
            return Ok(None);
        }
        let r = self.ic.api.update(&found.id, &Value::Object(fields));
        Ok(Some(self.send(r).await?.0))
    }
}

/// The caller among the search results: the contact with their email,
/// else one holding their number (under no other email: a shared line is
/// someone else).
fn choose(found: &[Contact], c: &Caller) -> Option<Contact> {
    let by_email = c.email.as_deref().and_then(|e| {
        found.iter().find(|x| {
            x.email
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(e))
        })
    });
    let by_phone = || {
        let phone = c.phone.as_ref()?;
        found.iter().find(|x| {
            (c.email.is_none() || x.email.is_none())
                && x.phone.as_deref().is_some_and(|p| phone.matches(p, None))
        })
    };
    by_email.or_else(by_phone).cloned()
}
