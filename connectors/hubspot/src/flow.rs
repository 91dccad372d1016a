//! One delivery attempt: find the caller's contact (search by email, then
//! phone), update it or create it, then add the note. Each step's answer
//! decides the next; the first answer that is not a success ends the attempt
//! with that answer's outcome (so a 429 pauses the connector wherever it
//! comes).

use serde_json::Value;
use switchboard_core::{
    connector::{Connector, MappingError, Outcome, Verdict},
    outbound::{OutboundClient, OutboundRequest, Response},
};

use crate::{
    api::{self, Record},
    mapping::{ContactPlan, NotePlan, Plan},
    note, writes, HubSpot,
};

/// A step's result; `Err` ends the attempt with that outcome.
type Step<T> = Result<T, Outcome>;

/// One attempt of one delivery.
pub struct Attempt<'a> {
    /// The connector.
    pub hs: &'a HubSpot,
    /// The outbound client.
    pub http: &'a OutboundClient,
    /// The event's id (the note's marker).
    pub event_id: &'a str,
    /// 1-based attempt number (later attempts look for an earlier note).
    pub number: u32,
}

impl Attempt<'_> {
    /// Runs the plan; the outcome of the last request sent.
    pub async fn run(&self, plan: Plan) -> Outcome {
        // Nothing identifies the caller and nothing is worth a contact: a
        // note could be attached to no one (see the README).
        let Some(contact) = plan.contact else {
            return Outcome::delivered_without_request();
        };
        let (id, last) = match self.find_or_create(&contact).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        match plan.note {
            Some(n) => self.note(&n, &id).await.unwrap_or_else(|o| o),
            None => last,
        }
    }

    async fn send_raw(&self, r: Result<OutboundRequest, MappingError>) -> Step<Response> {
        let r = r.map_err(|e| Outcome::rejected(format!("mapping failed: {e}")))?;
        self.http
            .send(&r)
            .await
            .map_err(|e| Outcome::from_send_error(&e))
    }

    /// Sends; a success is `Ok` with its answer.
    async fn send(&self, r: Result<OutboundRequest, MappingError>) -> Step<(Outcome, Response)> {
        let resp = self.send_raw(r).await?;
        let outcome = self.hs.judge(&resp);
        match outcome.verdict {
            Verdict::Delivered => Ok((outcome, resp)),
            _ => Err(outcome),
        }
    }

    async fn find_or_create(&self, c: &ContactPlan) -> Step<(String, Outcome)> {
        let mut found = Vec::new();
        if c.has_key() {
            let (outcome, resp) = self.send(self.hs.api.search_contacts(c)).await?;
            found = api::results(&resp);
            let props = self.hs.api.phone_properties();
            if let Some(r) = writes::choose(&found, c, &props) {
                let outcome = self.update(r, &found, c).await?.unwrap_or(outcome);
                return Ok((r.id.clone(), outcome));
            }
        }
        self.create(c, &found).await
    }

    /// Writes what the found contact lacks; `None` when it lacks nothing.
    async fn update(&self, r: &Record, all: &[Record], c: &ContactPlan) -> Step<Option<Outcome>> {
        let props = writes::on_found(r, all, c, self.hs.api.phone_property.as_deref());
        if props.is_empty() {
            return Ok(None);
        }
        let (outcome, _) = self.send(self.hs.api.update_contact(&r.id, &props)).await?;
        Ok(Some(outcome))
    }

    async fn create(&self, c: &ContactPlan, found: &[Record]) -> Step<(String, Outcome)> {
        let props = writes::on_create(c, found, self.hs.api.phone_property.as_deref());
        let resp = self.send_raw(self.hs.api.create_contact(&props)).await?;
        if resp.status == http::StatusCode::CONFLICT {
            if let Some(id) = api::existing_id(&resp) {
                return self.adopt(id, c).await;
            }
        }
        let outcome = self.hs.judge(&resp);
        if outcome.verdict != Verdict::Delivered {
            return Err(outcome);
        }
        match api::record(&resp) {
            Some(r) => Ok((r.id, outcome)),
            // Created but unnamed: the next attempt's search finds it.
            None => Err(
                Outcome::from_response(Verdict::Retry { after: None }, &resp)
                    .with_error("HubSpot's create answer has no contact id"),
            ),
        }
    }

    /// Another writer created the contact since the search (409 with its
    /// id): read it and fill in what it lacks.
    async fn adopt(&self, id: String, c: &ContactPlan) -> Step<(String, Outcome)> {
        let (outcome, resp) = self.send(self.hs.api.read_contact(&id, c)).await?;
        let r = api::record(&resp).unwrap_or(Record {
            id: id.clone(),
            properties: Default::default(),
        });
        let outcome = self
            .update(&r, std::slice::from_ref(&r), c)
            .await?
            .unwrap_or(outcome);
        Ok((id, outcome))
    }

    /// Adds the note, unless an earlier attempt of this event already did
    /// (its marker is on one of the contact's notes).
    async fn note(&self, n: &NotePlan, contact_id: &str) -> Step<Outcome> {
        if self.number > 1 {
            let (outcome, resp) = self.send(self.hs.api.search_notes(contact_id)).await?;
            let marker = note::marker(self.event_id);
            if api::results(&resp)
                .iter()
                .any(|r| r.get("hs_note_body").contains(&marker))
            {
                return Ok(outcome);
            }
        }
        let props = note_properties(n, self.event_id);
        let (outcome, _) = self
            .send(self.hs.api.create_note(&props, contact_id))
            .await?;
        Ok(outcome)
    }
}

/// `hs_timestamp`, the escaped `hs_note_body` and the template's other note properties.
pub fn note_properties(n: &NotePlan, event_id: &str) -> crate::mapping::Properties {
    let mut p = n.extra.clone();
    p.insert("hs_timestamp".into(), Value::String(n.timestamp.clone()));
    p.insert(
        "hs_note_body".into(),
        Value::String(note::body(&n.text, event_id)),
    );
    p
}
